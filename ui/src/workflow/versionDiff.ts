// What changed between two definitions of a workflow (two published versions, or the draft and a version), for
// the versions' visual diff: nodes and edges added, removed and changed, and for a changed node the fields that
// differ, in the panels' path notation (`config.cases[0].id`). A node is the same node when its id is; an edge
// is the same edge when its source, branch and target are (edge ids are not compared). A node's position is
// where it is drawn, not what it does: moving a node changes nothing here.
import type { EdgeJson, NodeJson, WorkflowJson } from './types';

export type Change = 'added' | 'removed' | 'changed' | 'unchanged';

export interface FieldChange {
  /** `title`, `config.model`, `inputs.query`, `config.cases[0].conditions[1].op`, … */
  path: string;
  before: unknown;
  after: unknown;
}

export interface NodeDiff {
  id: string;
  change: Change;
  /** The node in the older definition (absent when added). */
  before?: NodeJson;
  /** The node in the newer definition (absent when removed). */
  after?: NodeJson;
  /** The fields that differ (empty unless changed). */
  fields: FieldChange[];
}

export interface EdgeDiff {
  /** `source:branch->target`: what identifies an edge here. */
  key: string;
  change: Exclude<Change, 'changed'>;
  edge: EdgeJson;
}

export interface WorkflowDiff {
  /** The newer definition's nodes in its order, then the removed ones in the older one's order. */
  nodes: NodeDiff[];
  edges: EdgeDiff[];
  /** Changes to the workflow itself: name, description, mode, chat features, conversation variables. */
  workflow: FieldChange[];
  counts: Record<Change, number>;
}

const NOT_COMPARED = new Set(['id', 'position']);
const WORKFLOW_FIELDS = ['name', 'description', 'mode', 'app', 'conversation_variables'] as const;

export function edgeKey(edge: EdgeJson): string {
  return `${edge.source}:${edge.source_handle || 'out'}->${edge.target}`;
}

/** What changed from `before` to `after`. */
export function diffWorkflows(before: WorkflowJson, after: WorkflowJson): WorkflowDiff {
  const oldNodes = new Map(before.nodes.map((n) => [n.id, n]));
  const newIds = new Set(after.nodes.map((n) => n.id));
  const nodes: NodeDiff[] = after.nodes.map((node) => {
    const old = oldNodes.get(node.id);
    if (!old) return { id: node.id, change: 'added', after: node, fields: [] };
    const fields = fieldChanges(old, node);
    return { id: node.id, change: fields.length ? 'changed' : 'unchanged', before: old, after: node, fields };
  });
  for (const old of before.nodes) {
    if (!newIds.has(old.id)) nodes.push({ id: old.id, change: 'removed', before: old, fields: [] });
  }

  const oldEdges = new Map(before.edges.map((e) => [edgeKey(e), e]));
  const newEdges = new Map(after.edges.map((e) => [edgeKey(e), e]));
  const edges: EdgeDiff[] = [...newEdges].map(([key, edge]) => ({ key, edge, change: oldEdges.has(key) ? 'unchanged' : 'added' }));
  for (const [key, edge] of oldEdges) {
    if (!newEdges.has(key)) edges.push({ key, edge, change: 'removed' });
  }

  const workflow = WORKFLOW_FIELDS.flatMap((name) => changes(name, before[name], after[name]));
  const counts: Record<Change, number> = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const item of [...nodes, ...edges]) counts[item.change] += 1;
  return { nodes, edges, workflow, counts };
}

function fieldChanges(before: NodeJson, after: NodeJson): FieldChange[] {
  const names = union(Object.keys(before), Object.keys(after)).filter((name) => !NOT_COMPARED.has(name));
  return names.flatMap((name) => changes(name, (before as unknown as Record<string, unknown>)[name],
                                         (after as unknown as Record<string, unknown>)[name]));
}

/** The differences between two values at `path`: objects by key and lists by index down to the values that
 *  differ; a value left out, null, {} and [] are all "nothing set" and equal to each other. */
function changes(path: string, before: unknown, after: unknown): FieldChange[] {
  if (empty(before) && empty(after)) return [];
  if (isObject(before) && isObject(after)) {
    return union(Object.keys(before), Object.keys(after)).flatMap((key) => changes(join(path, key), before[key], after[key]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => changes(`${path}[${i}]`, before[i], after[i])).flat();
  }
  return same(before, after) ? [] : [{ path, before, after }];
}

function same(a: unknown, b: unknown): boolean {
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isObject(a) && isObject(b)) return union(Object.keys(a), Object.keys(b)).every((k) => same(a[k], b[k]));
  return a === b;
}

function empty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0)
    || (isObject(value) && Object.keys(value).length === 0);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function join(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
