// Pure helpers of the Datasets page (tested in helpers.test.ts).
import type { Bucket, Version } from './api';

export interface Bar { label: string; rows: number; percent: number }

/** The length histogram as bars: the empty buckets past the longest row are left off, each bar's width is its
 * share of the fullest bucket, and the open last bucket reads "> edge". */
export function histogramBars(buckets: Bucket[]): Bar[] {
  let last = buckets.length - 1;
  while (last > 0 && buckets[last].rows === 0) last -= 1;
  const shown = buckets.slice(0, last + 1);
  const most = Math.max(1, ...shown.map((b) => b.rows));
  return shown.map((b, i) => {
    const previous = i > 0 ? buckets[i - 1].upto : null;
    const label = b.upto === null ? `> ${previous ?? 0}` : `≤ ${b.upto}`;
    return { label, rows: b.rows, percent: Math.round((b.rows / most) * 100) };
  });
}

/** What made a version, in a few words: the imported file, the operators in order, or the split. */
export function describeVersion(v: Version): string {
  const ops = v.operations;
  if (ops.split) return `split of v${v.parent}: ${v.train_rows} train / ${v.validation_rows} validation`;
  if (ops.steps) return `${ops.steps.map((s) => s.operator).join(' → ')} on v${v.parent}`;
  return `imported from ${v.source ?? 'a file'}`;
}

/** What can be done next: only a split, unpublished version publishes; a published one cannot be deleted. */
export function actions(v: Version): { publish: boolean; remove: boolean } {
  return { publish: v.stage !== 'published' && v.train_rows !== null && v.train_rows > 0, remove: v.stage !== 'published' };
}

/** Operator parameters typed as JSON text; empty means none. Throws with the operator's name on bad JSON. */
export function parseParams(operator: string, text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let value: unknown;
  try { value = JSON.parse(text); } catch { throw new Error(`${operator}: parameters are not valid JSON`); }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${operator}: parameters must be a JSON object`);
  return value as Record<string, unknown>;
}
