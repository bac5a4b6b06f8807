// Folding the engine event stream (engine/events.py) into what the canvas and trace panel show.

export type NodeStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface NodeRun {
  status: NodeStatus;
  title?: string | null;
  nodeType?: string;
  startedTs?: number;
  finishedTs?: number;
  elapsedMs?: number;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: string | null;
  usage?: Record<string, number> | null;
  branch?: string | null;
}

export interface RunState {
  runId: string | null;
  status: 'idle' | 'running' | 'succeeded' | 'failed' | 'stopped';
  startedTs?: number;
  finishedTs?: number;
  nodes: Record<string, NodeRun>;
  order: string[]; // node ids in the order they started
  text: Record<string, string>; // streamed text per node
  outputs?: Record<string, unknown>;
  error?: string | null;
  elapsedMs?: number;
  usage?: Record<string, number>;
}

export const idleRun: RunState = { runId: null, status: 'idle', nodes: {}, order: [], text: {} };

type Ev = Record<string, unknown>;

/** A node inside an iteration or loop runs once per item or round: the trace lists each run as
 * `<node_id>#<iteration>`, and the canvas node shows the latest. */
export function applyEvent(state: RunState, e: Ev): RunState {
  if (e.parent_id == null || (e.type !== 'node_started' && e.type !== 'node_finished')) return applyOne(state, e);
  const label = `${String(e.title || e.node_id)} · ${String(e.parent_id)} #${String(e.iteration)}`;
  const each = applyOne(state, { ...e, node_id: `${String(e.node_id)}#${String(e.iteration)}`, title: label });
  return { ...applyOne(each, e), order: each.order };
}

function applyOne(state: RunState, e: Ev): RunState {
  const nodeId = String(e.node_id ?? '');
  const ts = typeof e.ts === 'number' ? e.ts : undefined;
  switch (e.type) {
    case 'run_started':
      return { ...idleRun, runId: String(e.run_id), status: 'running', startedTs: ts };
    case 'node_started':
      return {
        ...state,
        order: state.order.includes(nodeId) ? state.order : [...state.order, nodeId],
        nodes: { ...state.nodes, [nodeId]: { status: 'running', title: e.title as string, nodeType: e.node_type as string, startedTs: ts, inputs: e.inputs as Record<string, unknown> } },
      };
    case 'node_finished': {
      const prev = state.nodes[nodeId];
      const elapsed = typeof e.elapsed_ms === 'number' ? e.elapsed_ms : 0;
      return {
        ...state,
        order: state.order.includes(nodeId) ? state.order : [...state.order, nodeId],
        nodes: {
          ...state.nodes,
          [nodeId]: {
            ...prev,
            status: e.status as NodeStatus,
            title: (e.title as string) ?? prev?.title,
            nodeType: e.node_type as string,
            startedTs: prev?.startedTs ?? (ts !== undefined ? ts - elapsed / 1000 : undefined),
            finishedTs: ts,
            elapsedMs: elapsed,
            inputs: (e.inputs as Record<string, unknown>) ?? prev?.inputs,
            outputs: e.outputs as Record<string, unknown>,
            error: e.error as string | null,
            usage: e.usage as Record<string, number> | null,
            branch: e.branch as string | null,
          },
        },
      };
    }
    case 'text_chunk':
    case 'answer_chunk':
      return { ...state, text: { ...state.text, [nodeId]: (state.text[nodeId] ?? '') + String(e.delta ?? '') } };
    case 'run_finished':
      return {
        ...state, status: e.status as RunState['status'], finishedTs: ts, outputs: e.outputs as Record<string, unknown>,
        error: e.error as string | null, elapsedMs: e.elapsed_ms as number, usage: e.usage as Record<string, number>,
      };
    default:
      return state;
  }
}

export interface GanttBar { nodeId: string; label: string; status: NodeStatus; offsetPct: number; widthPct: number; elapsedMs: number }

/** Timeline bars: each node's start offset and duration as percentages of the run's span. */
export function ganttBars(state: RunState, now?: number): GanttBar[] {
  const t0 = state.startedTs;
  if (t0 === undefined) return [];
  const ends = state.order.map((id) => state.nodes[id]?.finishedTs ?? now ?? t0);
  const t1 = Math.max(state.finishedTs ?? 0, ...ends, t0 + 0.001);
  const span = t1 - t0;
  return state.order.map((id) => {
    const n = state.nodes[id];
    const start = n.startedTs ?? t0;
    const end = n.finishedTs ?? now ?? start;
    return {
      nodeId: id, label: n.title || id, status: n.status, elapsedMs: n.elapsedMs ?? (end - start) * 1000,
      offsetPct: ((start - t0) / span) * 100, widthPct: Math.max(((end - start) / span) * 100, 0.5),
    };
  });
}
