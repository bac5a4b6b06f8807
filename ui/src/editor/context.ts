// Stores shared by the canvas nodes and panels; the context value never changes, so nodes re-render
// only through their own store selections.
import { createContext, useContext } from 'react';
import { createStore, useStore, type Store } from './store';
import { idleRun, type NodeRun, type RunState } from './runState';
import type { Issue } from '../workflow/types';

export interface EditorStores {
  run: Store<RunState>;
  issues: Store<Map<string, Issue[]>>;
}

export function createEditorStores(): EditorStores {
  return { run: createStore<RunState>(idleRun), issues: createStore(new Map<string, Issue[]>()) };
}

export const EditorContext = createContext<EditorStores>(createEditorStores());

export function useNodeRun(nodeId: string): NodeRun | undefined {
  return useStore(useContext(EditorContext).run, (s) => s.nodes[nodeId]);
}

export function useNodeIssues(nodeId: string): Issue[] | undefined {
  return useStore(useContext(EditorContext).issues, (m) => m.get(nodeId));
}
