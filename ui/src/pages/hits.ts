/** Hit-test results, best score first (the server sorts too; the UI does not rely on it). */
export function sortHits<T extends Record<string, unknown>>(hits: T[]): T[] {
  return [...hits].sort((a, b) => Number(b.score ?? 0) - Number(a.score ?? 0));
}
