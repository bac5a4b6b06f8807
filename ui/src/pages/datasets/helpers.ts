// Pure helpers of the Datasets page (tested in helpers.test.ts).
import type { Bucket, Operator, OperatorParam, Version } from './api';
import i18n from '../../i18n';

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
  const t = (key: string, params: Record<string, unknown>) => i18n.t(`datasets:describe.${key}`, params);
  if (ops.split) return t('split', { parent: v.parent, train: v.train_rows, validation: v.validation_rows });
  if (ops.steps) return t('steps', { steps: ops.steps.map((s) => s.operator).join(' → '), parent: v.parent });
  if (ops.convert) return t('convert', { parent: v.parent, from: ops.convert.from ?? '?', to: ops.convert.to });
  return v.source ? t('imported', { source: v.source }) : t('importedFile', {});
}

/** What can be done next: only a split, unpublished version publishes; a published one cannot be deleted. */
export function actions(v: Version): { publish: boolean; remove: boolean } {
  return { publish: v.stage !== 'published' && v.train_rows !== null && v.train_rows > 0, remove: v.stage !== 'published' };
}

/** An operator's parameters at their defaults (lists copied, so a form can change them). */
export function defaultParams(params: OperatorParam[]): Record<string, unknown> {
  return Object.fromEntries(params.map((p) => [p.name, Array.isArray(p.default) ? [...p.default] : p.default]));
}

/** A multi-choice parameter with one choice ticked or unticked, in the order the choices are listed. */
export function toggleChoice(current: unknown, choice: string, choices: string[]): string[] {
  const list = Array.isArray(current) ? (current as string[]) : [];
  return list.includes(choice) ? list.filter((c) => c !== choice) : choices.filter((c) => c === choice || list.includes(c));
}

/** The parameters a step sends, from the form's values: numbers typed as text become numbers, or it throws
 * naming the operator and the parameter. */
export function stepParams(operator: Operator, values: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const p of operator.params) {
    const value = values[p.name] ?? p.default;
    if (p.type === 'number') {
      const n = typeof value === 'number' ? value : Number(String(value).trim() || NaN);
      if (Number.isNaN(n)) throw new Error(`${operator.name}: ${p.name} must be a number`);
      params[p.name] = n;
    } else {
      params[p.name] = value;
    }
  }
  return params;
}
