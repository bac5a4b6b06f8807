import { request } from '../api/client';

type Row = Record<string, unknown>;

/** Hit-test results, best score first (the server sorts too; the UI does not rely on it). */
export function sortHits<T extends Record<string, unknown>>(hits: T[]): T[] {
  return [...hits].sort((a, b) => Number(b.score ?? 0) - Number(a.score ?? 0));
}

export interface Stage { stage: string; ms: number; candidates: number }
export interface Fusion { method?: string; weights?: Record<string, number>; vector_signal?: boolean | null; fallback?: boolean; reason?: string }
export interface Trace { stages: Stage[]; fusion: Fusion; dropped: Row[] }
export interface HitTest { hits: Row[]; trace: Trace }

/** The per-stage score columns of the hit test, in pipeline order. */
export const SCORE_COLUMNS = ['keyword', 'vector', 'fused', 'rerank'] as const;

/** One row of the hit-test table: a kept hit (by rank) or one a stage dropped. */
export interface HitRow { hit: Row; kept: boolean; stage: string; scores: Record<string, string> }

/** A score for a cell: three decimals, or an em dash when that stage did not score the hit. */
export function formatScore(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(3) : '—';
}

/** Kept hits (best first), then dropped ones (best first), each with its score per stage and its fate. */
export function hitRows(hits: Row[], dropped: Row[]): HitRow[] {
  const row = (hit: Row, kept: boolean): HitRow => {
    const scores = (hit.scores ?? {}) as Record<string, unknown>;
    return {
      hit, kept,
      stage: kept ? 'kept' : `dropped by ${String(hit.dropped_by ?? 'a stage')}`,
      scores: Object.fromEntries(SCORE_COLUMNS.map((c) => [c, formatScore(scores[c])])),
    };
  };
  return [...sortHits(hits).map((h) => row(h, true)), ...sortHits(dropped).map((h) => row(h, false))];
}

/** "vector 12.0 ms · keyword 0.8 ms · …": each stage's time, in the order the stages ran. */
export function stageTimes(stages: Stage[]): string {
  return stages.map((s) => `${s.stage} ${Number(s.ms).toFixed(1)} ms`).join(' · ');
}

/** How hybrid fused the signals, in words; null when the search did not fuse (vector or keyword mode). */
export function fusionSummary(fusion: Fusion): string | null {
  if (!fusion.method) return null;
  const w = fusion.weights ?? {};
  const weights = `vector ${Number(w.vector ?? 0).toFixed(2)} / keyword ${Number(w.keyword ?? 0).toFixed(2)}`;
  return `${fusion.method === 'rrf' ? 'reciprocal-rank' : 'weighted'} fusion, ${weights}`;
}

/** Run a hit test: the hits and the search's trace (stages, fusion, dropped hits). */
export async function hitTest(kb: string, body: { query: string; mode?: string; fusion?: string; top_k?: number }): Promise<HitTest> {
  const answer = await request<{ items?: Row[]; trace?: Partial<Trace> | null }>('POST', `/api/knowledge-bases/${kb}/search`, body);
  const trace = answer.trace ?? {};
  return { hits: answer.items ?? [], trace: { stages: trace.stages ?? [], fusion: trace.fusion ?? {}, dropped: trace.dropped ?? [] } };
}
