// The upstream output picker: which refs a node may read, with their types.
import type { LoomEdge, LoomNode } from '../nodes/configs';
import type { ConversationVariable, WorkflowMode } from './types';
import { isCompatible } from './compat';

export interface OutputOption {
  ref: string; // node_id.output or sys.name
  nodeId: string;
  nodeTitle: string;
  output: string;
  type: string;
}

export type OutputsOf = (node: LoomNode) => Record<string, string>;

/** Every node with a path to `nodeId` (its ancestors), nearest first. */
export function ancestors(nodeId: string, edges: Pick<LoomEdge, 'source' | 'target'>[]): string[] {
  const parents = new Map<string, string[]>();
  for (const e of edges) parents.set(e.target, [...(parents.get(e.target) ?? []), e.source]);
  const seen = new Set<string>([nodeId]);
  const order: string[] = [];
  let frontier = [nodeId];
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const p of parents.get(id) ?? []) {
        if (!seen.has(p)) { seen.add(p); order.push(p); next.push(p); }
      }
    }
    frontier = next;
  }
  return order;
}

export function systemOutputs(mode: WorkflowMode): OutputOption[] {
  const vars: [string, string][] = [['files', 'array[file]'], ['user', 'string'], ['run_id', 'string']];
  if (mode === 'chat') {
    vars.unshift(['query', 'string'], ['conversation_id', 'string'], ['history', 'array[object]']);
  }
  return vars.map(([name, type]) => ({ ref: `sys.${name}`, nodeId: 'sys', nodeTitle: 'System', output: name, type }));
}

/** The conversation variables, readable anywhere as `conversation.<name>`. */
export function conversationOutputs(variables: readonly ConversationVariable[] = []): OutputOption[] {
  return variables.filter((v) => v.name).map((v) => ({ ref: `conversation.${v.name}`, nodeId: 'conversation', nodeTitle: 'Conversation', output: v.name, type: v.type }));
}

/** Outputs of the ancestors of `nodeId` plus system and conversation variables, optionally filtered by a wanted type. */
export function upstreamOutputs(
  nodeId: string, nodes: LoomNode[], edges: Pick<LoomEdge, 'source' | 'target'>[],
  outputsOf: OutputsOf, mode: WorkflowMode = 'workflow', wanted?: readonly string[],
  conversation: readonly ConversationVariable[] = [],
): OutputOption[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const options: OutputOption[] = [];
  for (const id of ancestors(nodeId, edges)) {
    const node = byId.get(id);
    if (!node) continue;
    for (const [output, type] of Object.entries(outputsOf(node))) {
      options.push({ ref: `${id}.${output}`, nodeId: id, nodeTitle: node.data.title || id, output, type });
    }
  }
  options.push(...systemOutputs(mode), ...conversationOutputs(conversation));
  if (!wanted) return options;
  return options.filter((o) => wanted.some((w) => isCompatible(o.type, w)));
}

/** The declared type of a ref among the options, `any` when a path goes deeper, undefined when unknown. */
export function typeOfRef(ref: string, options: OutputOption[]): string | undefined {
  const exact = options.find((o) => o.ref === ref);
  if (exact) return exact.type;
  return options.some((o) => ref.startsWith(`${o.ref}.`)) ? 'any' : undefined;
}
