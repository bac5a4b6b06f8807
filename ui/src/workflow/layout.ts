// Positions for nodes that have none (hand-written workflow files): columns by longest path from a root.

export const COLUMN_WIDTH = 300;
export const ROW_HEIGHT = 140;

export function autoLayout(
  ids: string[], edges: { source: string; target: string }[],
): Record<string, { x: number; y: number }> {
  const incoming = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) incoming.get(e.target)?.push(e.source);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle: validation reports it, layout just stops
    visiting.add(id);
    const parents = incoming.get(id) ?? [];
    const d = parents.length ? Math.max(...parents.map(depthOf)) + 1 : 0;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  const result: Record<string, { x: number; y: number }> = {};
  for (const id of ids) {
    const d = depthOf(id);
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    result[id] = { x: d * COLUMN_WIDTH, y: row * ROW_HEIGHT };
  }
  return result;
}
