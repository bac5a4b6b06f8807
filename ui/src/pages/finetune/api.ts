// Fine-tuning console API (docs/api.md, "Fine-tuning"): parameters, jobs, progress, logs, cancel/resume, deploy.
import { follow, request } from '../../api/client';
import type { Deployment } from '../models/api';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export interface ParamHint { default?: unknown; min?: number | null; max?: number | null; hint?: string }
export interface ParamsInfo { defaults: Record<string, unknown>; hints: Record<string, ParamHint> }
export interface ProgressPoint {
  step: number; epoch: number; train_loss: number | null; eval_loss: number | null; learning_rate: number | null;
  tokens_seen: number; total_steps: number | null; eta_s: number | null; at: number;
}
export interface Diagnosis { code: string; message: string; advice: string; seed_ref: string | null }
export interface Job {
  id: string; name: string; base_model: string; base_version: number | null; dataset_id: string; dataset_version: number;
  params: Record<string, unknown>; system_prompt: string | null; status: JobStatus; device: string | null; error: string | null;
  resume_from: string | null; resume_mode: string | null; checkpoints: string[]; total_steps: number | null;
  final_train_loss: number | null; final_eval_loss: number | null; result_model: string | null; result_version: number | null;
  created_at: number; started_at: number | null; finished_at: number | null;
  diagnosis?: Diagnosis | null; warnings?: string[];
}
export interface JobCreate {
  name: string; base_model: string; base_version?: number | null; dataset: string; dataset_version: number;
  params: Record<string, unknown>; system_prompt?: string | null;
}
export type JobEvent = { type: 'progress'; point: ProgressPoint } | { type: 'status'; job: Job };

const job = (id: string) => `/api/finetune/jobs/${encodeURIComponent(id)}`;

export const finetuneApi = {
  params: () => request<ParamsInfo>('GET', '/api/finetune/params'),
  jobs: async () => (await request<{ items: Job[] }>('GET', '/api/finetune/jobs')).items,
  get: (id: string) => request<Job>('GET', job(id)),
  create: (body: JobCreate) => request<Job>('POST', '/api/finetune/jobs', body),
  progress: async (id: string, after = -1) =>
    (await request<{ items: ProgressPoint[] }>('GET', `${job(id)}/progress?after=${after}`)).items,
  logs: (id: string, after = 0) => request<{ lines: string[]; next: number }>('GET', `${job(id)}/logs?after=${after}`),
  cancel: (id: string) => request<Job>('POST', `${job(id)}/cancel`),
  checkpoints: async (id: string) => (await request<{ items: string[] }>('GET', `${job(id)}/checkpoints`)).items,
  resume: (id: string, checkpoint: string | null, mode: 'weights' | 'full') =>
    request<Job>('POST', `${job(id)}/resume`, { checkpoint, mode }),
  deploy: (id: string) => request<Deployment>('POST', `${job(id)}/deploy`, {}),
  /** Progress points after `after` and status changes, live until the job ends (or `signal` aborts). */
  events: (id: string, after: number, onEvent: (e: JobEvent) => void, signal?: AbortSignal) =>
    // Steps start at 1: "nothing yet" (-1) is after=0 on the stream, which counts from 0 like the run streams.
    follow(`${job(id)}/events?after=${Math.max(after, 0)}`, (payload, name) => {
      if (name === 'progress') onEvent({ type: 'progress', point: payload as unknown as ProgressPoint });
      else if (name === 'status') onEvent({ type: 'status', job: payload.job as Job });
    }, signal),
};
