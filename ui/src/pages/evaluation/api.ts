// Evaluation console API (docs/api.md, "Evaluation"): sets, runs, progress, results, reports, export, review.
import { follow, request, requestText, upload } from '../../api/client';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export interface EvalSet {
  set_id: string; name: string; description: string; source: 'upload' | 'dataset'; dataset_id: string | null;
  dataset_version: number | null; item_count: number; created_at: number; skipped?: { line: number; reason: string }[];
}
export interface EvalItem { item_id: string; inputs: Record<string, unknown>; reference: string | null; labels: string[]; tags: string[] }
export type Candidate =
  | { kind: 'model'; candidate_id: string; name?: string; model: string; system_prompt?: string | null; params?: Record<string, unknown> }
  | { kind: 'workflow'; candidate_id: string; name?: string; workflow_id: string; version: number | null; output?: string | null }
  | { kind: 'agent'; candidate_id: string; name?: string; app_id: string; version: number | null };
export interface MetricSpec { name: string; params?: Record<string, unknown>; alias?: string | null }
export interface JudgeConfig { model: string; mode: 'score' | 'pairwise'; rubric: string | null; language: 'zh' | 'en'; baseline?: string | null }
export interface Cost { samples: number; errors: number; tokens_in: number; tokens_out: number; latency_s: number; wall_s: number }
export interface EvalRun {
  run_id: string; name: string; set_id: string; candidates: Candidate[]; metrics: MetricSpec[]; judge: JudgeConfig | null;
  concurrency: number; status: RunStatus; progress: { total: number; done: number; failed: number };
  cost: Record<string, Cost>; error: string | null; created_at: number; started_at: number | null; finished_at: number | null;
}
export interface RunCreate { name: string; set_id: string; candidates: Candidate[]; metrics: MetricSpec[]; judge: JudgeConfig | null; concurrency: number }
export interface Answer {
  output: string | null; error: string | null; scores: Record<string, number>; judge_reasons: Record<string, string>;
  tokens_in: number; tokens_out: number; latency_s: number;
}
export interface ResultRow { item_id: string; input: string; inputs: Record<string, unknown>; reference: string | null; tags: string[]; candidates: Record<string, Answer | null> }
export interface Results { run_id: string; score_keys: string[]; total: number; items: ResultRow[] }
export interface Aggregate { candidate_id: string; metric: string; value: number | null; ci_low: number | null; ci_high: number | null; n: number }
export interface Report { run_id: string; metric_keys: string[]; aggregates: Aggregate[]; by_tag: Record<string, Aggregate[]> }
export interface Diff { metric: string; before: string; after: string; better: string[]; worse: string[]; same: string[]; missing: string[] }
export interface BlindAnswer { label: string; output: string | null; review: { verdict: 'pass' | 'fail' | null; score: number | null; flagged: boolean; note: string } | null }
export interface ReviewItem { item_id: string; inputs: Record<string, unknown>; reference: string | null; answers: BlindAnswer[] }
export interface ReviewCreate { reviewer: string; item_id: string; label: string; verdict?: 'pass' | 'fail' | null; score?: number | null; flagged?: boolean; note?: string }
export interface Gate { enabled: boolean; set_id: string; metric: string; metric_params?: Record<string, unknown>; judge?: JudgeConfig | null; output?: string | null; tolerance: number }
export interface Comparison {
  metric: string; gain: number; drop: number; verdict: 'ok' | 'no_gain' | 'forgetting'; advice: string;
  domain_base: Aggregate; domain_tuned: Aggregate; general_base: Aggregate; general_tuned: Aggregate;
}
export interface Agreement {
  verdict: { reviewers: string[]; units: number; percent: number | null; kappa: number | null; method: string | null };
  candidates: { candidate_id: string; reviews: number; pass_rate: number | null; mean_score: number | null; flagged: number }[];
}

const base = '/api/evaluation';
const run = (id: string) => `${base}/runs/${encodeURIComponent(id)}`;

export const evalApi = {
  sets: async () => (await request<{ items: EvalSet[] }>('GET', `${base}/sets`)).items,
  set: (id: string) => request<EvalSet & { items: EvalItem[] }>('GET', `${base}/sets/${encodeURIComponent(id)}`),
  uploadSet: (file: File, name: string) => upload<EvalSet>(`${base}/sets`, 'file', [file], undefined, name ? { name } : {}),
  setFromDataset: (body: { name: string; dataset: string; version: number }) => request<EvalSet>('POST', `${base}/sets/from-dataset`, body),
  runs: async () => (await request<{ items: EvalRun[] }>('GET', `${base}/runs`)).items,
  run: (id: string) => request<EvalRun>('GET', run(id)),
  create: (body: RunCreate) => request<EvalRun>('POST', `${base}/runs`, body),
  cancel: (id: string) => request<EvalRun>('POST', `${run(id)}/cancel`),
  resume: (id: string) => request<EvalRun>('POST', `${run(id)}/resume`),
  results: (id: string) => request<Results>('GET', `${run(id)}/results?limit=1000`),
  report: (id: string) => request<Report>('GET', `${run(id)}/report`),
  diff: (id: string, before: string, after: string, metric: string) =>
    request<Diff>('GET', `${run(id)}/diff?${new URLSearchParams({ before, after, metric })}`),
  exportText: (id: string, format: 'csv' | 'jsonl') => requestText(`${run(id)}/export?format=${format}`),
  review: (id: string, reviewer: string) =>
    request<{ items: ReviewItem[] }>('GET', `${run(id)}/review?${new URLSearchParams({ reviewer })}`),
  addReview: (id: string, body: ReviewCreate) => request<Record<string, unknown>>('POST', `${run(id)}/reviews`, body),
  agreement: (id: string) => request<Agreement>('GET', `${run(id)}/agreement`),
  compare: (q: { domain_run: string; general_run: string; base: string; tuned: string; metric: string }) =>
    request<Comparison>('GET', `${base}/compare?${new URLSearchParams(q)}`),
  gate: async (workflowId: string) => (await request<{ gate: Gate | null }>('GET', `${base}/gates/${encodeURIComponent(workflowId)}`)).gate,
  setGate: (workflowId: string, gate: Gate) => request<{ gate: Gate }>('PUT', `${base}/gates/${encodeURIComponent(workflowId)}`, gate),
  deleteGate: (workflowId: string) => request<void>('DELETE', `${base}/gates/${encodeURIComponent(workflowId)}`),
  runGate: (workflowId: string) => request<EvalRun>('POST', `${base}/gates/${encodeURIComponent(workflowId)}/run`),
  /** The run's progress as it changes, until it ends (or `signal` aborts). */
  events: (id: string, onRun: (r: Pick<EvalRun, 'status' | 'progress' | 'cost' | 'error'>) => void, signal?: AbortSignal) =>
    follow(`${run(id)}/events`, (payload) => onRun(payload as unknown as EvalRun), signal),
};
