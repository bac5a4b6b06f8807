// Container nodes (iteration, loop) hold a sub-graph in their config (`nodes`, `edges`); on the canvas its nodes
// are React Flow children of the container (`parentId`, `extent: 'parent'`, positions relative to it).
import type { EdgeJson, NodeJson } from './types';
import { elementType } from './compat';

export const CONTAINER_TYPES: readonly string[] = ['iteration', 'loop'];
export const CONTAINER_SIZE = { width: 560, height: 300 };

export function isContainerType(type: string | undefined): boolean {
  return !!type && CONTAINER_TYPES.includes(type);
}

export interface FlatNode { node: NodeJson; parentId?: string }

interface SubGraphConfig { nodes?: NodeJson[]; edges?: EdgeJson[] }

/** Each container's sub-graph pulled out, recursively: a container comes before its children. */
export function flattenContainers(nodes: NodeJson[], edges: EdgeJson[], parentId?: string): { nodes: FlatNode[]; edges: EdgeJson[] } {
  const flat: FlatNode[] = [];
  const allEdges: EdgeJson[] = [...edges];
  for (const node of nodes) {
    if (!isContainerType(node.type)) { flat.push({ node, parentId }); continue; }
    const { nodes: inner = [], edges: innerEdges = [], ...rest } = (node.config ?? {}) as SubGraphConfig & Record<string, unknown>;
    flat.push({ node: { ...node, config: rest }, parentId });
    const sub = flattenContainers(inner, innerEdges, node.id);
    flat.push(...sub.nodes);
    allEdges.push(...sub.edges);
  }
  return { nodes: flat, edges: allEdges };
}

/** The reverse: each node into its container's `config.nodes`, each edge between two nodes of one container into
 * its `config.edges`. An edge across containers stays at the top level, where validation names it. */
export function nestContainers(flat: FlatNode[], edges: EdgeJson[]): { nodes: NodeJson[]; edges: EdgeJson[] } {
  const parentOf = new Map(flat.map((f) => [f.node.id, f.parentId]));
  const children = new Map<string | undefined, NodeJson[]>();
  for (const f of flat) children.set(f.parentId, [...(children.get(f.parentId) ?? []), f.node]);
  const edgesOf = new Map<string | undefined, EdgeJson[]>();
  for (const e of edges) {
    const source = parentOf.get(e.source);
    const key = source !== undefined && source === parentOf.get(e.target) ? source : undefined;
    edgesOf.set(key, [...(edgesOf.get(key) ?? []), e]);
  }
  const build = (parent: string | undefined): NodeJson[] => (children.get(parent) ?? []).map((n) => isContainerType(n.type)
    ? { ...n, config: { ...(n.config ?? {}), nodes: build(n.id), edges: edgesOf.get(n.id) ?? [] } }
    : n);
  return { nodes: build(undefined), edges: edgesOf.get(undefined) ?? [] };
}

/** A container's size on the canvas: room for its children (relative positions) plus a margin. */
export function containerSize(children: { position?: { x: number; y: number } | null }[]): { width: number; height: number } {
  let width = CONTAINER_SIZE.width;
  let height = CONTAINER_SIZE.height;
  for (const c of children) {
    if (!c.position) continue;
    width = Math.max(width, c.position.x + 260);
    height = Math.max(height, c.position.y + 140);
  }
  return { width, height };
}

/** What the children of a container read as `<container_id>.<name>` (mirrors each node's scope() in nodes/). */
export function scopeOutputs(type: string, config: Record<string, unknown>, itemsType: string | undefined): Record<string, string> {
  if (type === 'iteration') return { item: elementType(itemsType ?? 'any'), index: 'integer' };
  if (type === 'loop') {
    const variables = (config.variables as { name: string; type: string }[] | undefined) ?? [];
    return { ...Object.fromEntries(variables.filter((v) => v.name).map((v) => [v.name, v.type])), index: 'integer' };
  }
  return {};
}

interface CanvasNodeLike {
  id: string;
  type?: string;
  parentId?: string;
  data: { title?: string; inputs?: Record<string, unknown>; config?: unknown };
}

interface Option { ref: string; nodeId: string; nodeTitle: string; output: string; type: string }

function scopeOptions(container: CanvasNodeLike, outer: Option[]): Option[] {
  const items = container.data.inputs?.items as { ref?: string } | undefined;
  const itemsType = items?.ref ? outer.find((o) => o.ref === items.ref)?.type : undefined;
  const scope = scopeOutputs(container.type ?? '', (container.data.config ?? {}) as Record<string, unknown>, itemsType);
  const title = container.data.title || container.id;
  return Object.entries(scope).map(([output, type]) => ({ ref: `${container.id}.${output}`, nodeId: container.id, nodeTitle: title, output, type }));
}

function dedupe<O extends Option>(options: O[]): O[] {
  const seen = new Set<string>();
  return options.filter((o) => !seen.has(o.ref) && !!seen.add(o.ref));
}

/** What a node's panel may pick besides its upstream siblings: inside a container, the container's scope and
 * what the container itself may read (`upstream`); for a container, its children's outputs and its scope
 * (`inside`, for the refs it reads back from its sub-graph). */
export function containerOptions<N extends CanvasNodeLike, O extends Option>(
  current: N, nodes: N[], outputsOf: (node: N) => Record<string, string>, upstreamOf: (nodeId: string) => O[],
): { upstream: O[]; inside: O[] } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const upstream: O[] = [];
  const parent = current.parentId ? byId.get(current.parentId) : undefined;
  if (parent) {
    const outer = [...upstreamOf(parent.id), ...containerOptions(parent, nodes, outputsOf, upstreamOf).upstream];
    upstream.push(...(scopeOptions(parent, outer) as O[]), ...outer);
  }
  const inside: O[] = [];
  if (isContainerType(current.type)) {
    const outer = [...upstreamOf(current.id), ...upstream];
    for (const child of nodes.filter((n) => n.parentId === current.id)) {
      for (const [output, type] of Object.entries(outputsOf(child))) {
        inside.push({ ref: `${child.id}.${output}`, nodeId: child.id, nodeTitle: child.data.title || child.id, output, type } as O);
      }
    }
    inside.push(...(scopeOptions(current, outer) as O[]));
  }
  return { upstream: dedupe(upstream), inside: dedupe(inside) };
}

/** Where a new node goes: into `parentId`'s sub-graph when given; a container gets its default size. */
export function placement(type: string, parentId?: string): { parentId?: string; extent?: 'parent'; style?: { width: number; height: number } } {
  return {
    ...(parentId ? { parentId, extent: 'parent' as const } : {}),
    ...(isContainerType(type) ? { style: { ...CONTAINER_SIZE } } : {}),
  };
}

/** A node and, for a container, everything inside it (deleted together). */
export function subtreeIds(nodes: { id: string; parentId?: string }[], nodeId: string): Set<string> {
  const gone = new Set([nodeId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of nodes) if (n.parentId && gone.has(n.parentId) && !gone.has(n.id)) { gone.add(n.id); grew = true; }
  }
  return gone;
}

/** The panel's options: the node's own upstream plus, with containers, what `containerOptions` adds. */
export function panelOptions<N extends CanvasNodeLike, O extends Option>(
  current: N, nodes: N[], outputsOf: (node: N) => Record<string, string>, upstreamOf: (nodeId: string) => O[],
): { upstream: O[]; inside: O[] } {
  const extra = containerOptions(current, nodes, outputsOf, upstreamOf);
  return { upstream: dedupe([...extra.upstream.filter((o) => o.nodeId === current.parentId), ...upstreamOf(current.id), ...extra.upstream]), inside: extra.inside };
}
