// Edges follow a node's source handles when its config renames or removes them (an if-else case, a classifier class).
import type { LoomEdge } from '../nodes/configs';
import { edgeId } from './serialize';

/** The node's outgoing edges after its handles changed from `before` to `after`: with as many handles as before,
 * a handle renamed in place carries its edges to the new name; a handle that is gone takes its edges with it. */
export function followHandles(edges: LoomEdge[], nodeId: string, before: string[], after: string[]): LoomEdge[] {
  if (before.length === after.length && before.every((h, i) => h === after[i])) return edges;
  const renamed = new Map<string, string>();
  if (before.length === after.length) before.forEach((h, i) => { if (h !== after[i]) renamed.set(h, after[i]); });
  const kept = new Set(after);
  return edges.flatMap((e) => {
    if (e.source !== nodeId) return [e];
    const handle = e.sourceHandle ?? 'out';
    const next = renamed.get(handle) ?? handle;
    if (!kept.has(next)) return [];
    return next === handle ? [e] : [{ ...e, id: edgeId(e.source, next, e.target), sourceHandle: next }];
  });
}
