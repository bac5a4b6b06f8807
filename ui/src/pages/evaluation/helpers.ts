// Pure helpers of the evaluation pages: candidate ids, score formatting, intervals, the run body.
import type { Aggregate, Candidate, JudgeConfig, MetricSpec, RunCreate } from './api';

export interface CandidateChoice { kind: 'model' | 'workflow' | 'agent'; ref: string; version: string; label?: string }

/** Short unique ids (m1, w1, a1…) for the chosen candidates, in the order chosen. */
export function candidatesFrom(choices: CandidateChoice[]): Candidate[] {
  const counts: Record<string, number> = {};
  return choices.filter((c) => c.ref).map((c) => {
    const n = (counts[c.kind] = (counts[c.kind] ?? 0) + 1);
    const id = `${c.kind[0]}${n}`;
    const version = c.version === '' || c.version === 'draft' ? null : Number(c.version);
    const name = c.label ?? (c.kind === 'model' ? c.ref : `${c.ref}${version === null ? ' (draft)' : ` v${version}`}`);
    if (c.kind === 'model') return { kind: 'model', candidate_id: id, name, model: c.ref };
    if (c.kind === 'workflow') return { kind: 'workflow', candidate_id: id, name, workflow_id: c.ref, version };
    return { kind: 'agent', candidate_id: id, name, app_id: c.ref, version };
  });
}

/** The run's body; refusals the server would give are found here first, naming the field. */
export function runBody(name: string, setId: string, choices: CandidateChoice[], metrics: string[],
  judge: JudgeConfig | null, concurrency: number): { body: RunCreate | null; errors: string[] } {
  const errors: string[] = [];
  const candidates = candidatesFrom(choices);
  if (!setId) errors.push('set: choose an evaluation set');
  if (!candidates.length) errors.push('candidates: choose at least one');
  if (candidates.length > 10) errors.push('candidates: at most 10');
  if (!metrics.length && !judge) errors.push('metrics: choose a metric or a judge');
  if (judge && !judge.model) errors.push('judge.model: choose the judge model');
  if (judge?.mode === 'pairwise' && !candidates.some((c) => c.candidate_id === judge.baseline)) {
    errors.push('judge.baseline: choose the candidate the others are compared with');
  }
  if (errors.length) return { body: null, errors };
  const specs: MetricSpec[] = metrics.map((m) => ({ name: m }));
  return { body: { name, set_id: setId, candidates, metrics: specs, judge, concurrency }, errors };
}

export function fmt(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

/** "0.500 [0.250, 0.750]": a score with its 95% interval. */
export function withInterval(a: Aggregate): string {
  if (a.value === null) return '—';
  return a.ci_low === null || a.ci_high === null ? fmt(a.value) : `${fmt(a.value)} [${fmt(a.ci_low)}, ${fmt(a.ci_high)}]`;
}

/** Aggregates as rows of metric → candidate → aggregate. */
export function byMetric(aggregates: Aggregate[]): Map<string, Map<string, Aggregate>> {
  const table = new Map<string, Map<string, Aggregate>>();
  for (const a of aggregates) {
    if (!table.has(a.metric)) table.set(a.metric, new Map());
    table.get(a.metric)!.set(a.candidate_id, a);
  }
  return table;
}

export function percent(done: number, total: number): number {
  return total ? Math.min(100, Math.round((done / total) * 100)) : 0;
}
