// The only place canvas state and workflow JSON are converted into each other.
import type { LoomEdge, LoomNode } from '../nodes/configs';
import type { EdgeJson, NodeJson, WorkflowJson, WorkflowMode, AppFeatures, ConversationVariable } from './types';
import { autoLayout } from './layout';
import { containerSize, flattenContainers, isContainerType, nestContainers } from './containers';

export interface WorkflowMeta {
  name: string;
  description: string;
  mode: WorkflowMode;
  app?: AppFeatures | null;
  conversation_variables?: ConversationVariable[];
}

export interface CanvasState { meta: WorkflowMeta; nodes: LoomNode[]; edges: LoomEdge[] }

export const DEFAULT_HANDLE = 'out';

export function edgeId(source: string, handle: string, target: string): string {
  return `${source}:${handle}->${target}`;
}

function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function toWorkflowJson(state: CanvasState): WorkflowJson {
  const flatNodes = state.nodes.map((n) => ({ parentId: n.parentId, node: compact({
    id: n.id,
    type: n.type,
    title: n.data.title || undefined,
    description: n.data.description || undefined,
    position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    inputs: Object.keys(n.data.inputs ?? {}).length ? n.data.inputs : undefined,
    config: Object.keys(n.data.config ?? {}).length ? n.data.config as Record<string, unknown> : undefined,
    timeout_s: n.data.timeout_s,
    retry: n.data.retry,
    on_error: n.data.on_error,
  }) as NodeJson }));
  const flatEdges: EdgeJson[] = state.edges.map((e) => {
    const handle = e.sourceHandle ?? DEFAULT_HANDLE;
    return handle === DEFAULT_HANDLE
      ? { source: e.source, target: e.target }
      : { source: e.source, target: e.target, source_handle: handle };
  });
  const { nodes, edges } = nestContainers(flatNodes, flatEdges); // sub-graphs back into their containers
  const json: WorkflowJson = {
    version: '1',
    name: state.meta.name,
    description: state.meta.description ?? '',
    mode: state.meta.mode ?? 'workflow',
    nodes,
    edges,
  };
  if (state.meta.app) json.app = state.meta.app;
  if (state.meta.conversation_variables?.length) json.conversation_variables = state.meta.conversation_variables;
  return json;
}

export function fromWorkflowJson(json: WorkflowJson): CanvasState {
  const positions = autoLayout(json.nodes.map((n) => n.id), json.edges);
  const flat = flattenContainers(json.nodes, json.edges); // containers' children: React Flow child nodes
  const nodes = flat.nodes.map(({ node: n, parentId }) => ({
    ...(parentId ? { parentId, extent: 'parent' as const } : {}),
    ...(isContainerType(n.type) ? { style: containerSize(flat.nodes.filter((f) => f.parentId === n.id).map((f) => f.node)) } : {}),
    id: n.id,
    type: n.type,
    position: n.position ? { x: n.position.x, y: n.position.y } : positions[n.id] ?? { x: 40, y: 80 },
    deletable: n.type !== 'start' && n.type !== 'end',
    data: compact({
      title: n.title ?? '',
      description: n.description ?? undefined,
      inputs: n.inputs ?? {},
      config: n.config ?? {},
      timeout_s: n.timeout_s,
      retry: n.retry,
      on_error: n.on_error,
    }),
  })) as LoomNode[];
  const edges: LoomEdge[] = flat.edges.map((e) => {
    const handle = e.source_handle ?? DEFAULT_HANDLE;
    return { id: edgeId(e.source, handle, e.target), source: e.source, target: e.target, sourceHandle: handle };
  });
  return {
    meta: { name: json.name, description: json.description ?? '', mode: json.mode ?? 'workflow', app: json.app ?? null,
      ...(json.conversation_variables?.length ? { conversation_variables: json.conversation_variables } : {}) },
    nodes,
    edges,
  };
}
