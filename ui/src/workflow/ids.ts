// Fresh node ids and copy names that respect the format's id pattern.

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function freshId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const stem = base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56) || 'node';
  if (!used.has(stem)) return stem;
  for (let i = 2; ; i++) {
    const id = `${stem}_${i}`;
    if (!used.has(id)) return id;
  }
}
