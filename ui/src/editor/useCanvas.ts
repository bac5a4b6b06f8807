// Canvas state with undo/redo: every discrete change goes through `commit`, which records a snapshot.
import { useCallback, useRef, useState } from 'react';
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import type { LoomEdge, LoomNode } from '../nodes/configs';
import { createHistory, record, redo as redoH, undo as undoH, type History } from '../workflow/history';
import { edgeId } from '../workflow/serialize';

export interface Graph { nodes: LoomNode[]; edges: LoomEdge[] }

const COALESCE_MS = 1000;

export function useCanvas(initial: Graph) {
  const [graph, setGraph] = useState<Graph>(initial);
  const history = useRef<History<Graph>>(createHistory(initial));
  const lastKey = useRef<{ key: string; at: number } | null>(null);

  /** Apply a change; edits with the same key within a second (typing) share one undo step. */
  const commit = useCallback((change: (g: Graph) => Graph, key?: string) => {
    setGraph((g) => {
      const next = change(g);
      const now = Date.now();
      const coalesce = key && lastKey.current?.key === key && now - lastKey.current.at < COALESCE_MS;
      history.current = coalesce ? { ...history.current, present: next } : record(history.current, next);
      lastKey.current = key ? { key, at: now } : null;
      return next;
    });
  }, []);

  const onNodesChange = useCallback((changes: NodeChange<LoomNode>[]) => {
    // Selection, measuring and drag-in-progress are not undo steps; drag end and removal are.
    const significant = changes.some((c) => c.type === 'remove' || (c.type === 'position' && c.dragging === false));
    if (significant) commit((g) => ({ ...g, nodes: applyNodeChanges(changes, g.nodes) }));
    else setGraph((g) => ({ ...g, nodes: applyNodeChanges(changes, g.nodes) }));
  }, [commit]);

  const onEdgesChange = useCallback((changes: EdgeChange<LoomEdge>[]) => {
    const significant = changes.some((c) => c.type === 'remove');
    if (significant) commit((g) => ({ ...g, edges: applyEdgeChanges(changes, g.edges) }));
    else setGraph((g) => ({ ...g, edges: applyEdgeChanges(changes, g.edges) }));
  }, [commit]);

  const onConnect = useCallback((c: Connection) => {
    const handle = c.sourceHandle ?? 'out';
    const id = edgeId(c.source, handle, c.target);
    commit((g) => (g.edges.some((e) => e.id === id) || c.source === c.target ? g
      : { ...g, edges: [...g.edges, { id, source: c.source, target: c.target, sourceHandle: handle }] }));
  }, [commit]);

  const undo = useCallback(() => { history.current = undoH(history.current); lastKey.current = null; setGraph(history.current.present); }, []);
  const redo = useCallback(() => { history.current = redoH(history.current); lastKey.current = null; setGraph(history.current.present); }, []);

  return { graph, commit, onNodesChange, onEdgesChange, onConnect, undo, redo,
    canUndo: history.current.past.length > 0, canRedo: history.current.future.length > 0 };
}
