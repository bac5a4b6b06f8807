// Datasets console API (docs/api.md, "Datasets"): import, versions, operators, split, publish, preview.
import { request, upload } from '../../api/client';

export interface BadRow { line: number; reason: string }
export interface Bucket { upto: number | null; rows: number }
export interface Advice { code: string; message: string; source: string }
export interface Stats {
  format: string | null; rows: number; unit: string; turns: number; with_system: number; with_thinking: number;
  length_min: number; length_mean: number; length_p50: number; length_p95: number; length_max: number;
  histogram: Bucket[]; exact_duplicates: number[][]; near_duplicates: number[][]; advice: Advice[];
}
export interface Version {
  dataset_id: string; number: number; stage: 'raw' | 'processed' | 'published'; parent: number | null;
  format: string | null; source: string | null; rows: number; train_rows: number | null; validation_rows: number | null;
  report: { rows: number; format: string | null; bad: BadRow[]; stats: Stats };
  operations: { steps?: { operator: string; params: Record<string, unknown> }[]; dropped?: BadRow[];
    split?: { validation: number; seed: number; stratify_by: string | null }; imported?: string };
  created_at: number; published_at: number | null;
}
export interface Dataset { id: string; name: string; description: string; created_at: number; updated_at: number; versions: Version[] }
export interface Operator { name: string; description: string }
export interface RowPage { total: number; offset: number; limit: number; items: { line: number; row: Record<string, unknown> }[] }

const base = (id: string) => `/api/datasets/${encodeURIComponent(id)}`;

export const datasetsApi = {
  list: async () => (await request<{ items: Dataset[] }>('GET', '/api/datasets')).items,
  get: (id: string) => request<Dataset>('GET', base(id)),
  operators: async () => (await request<{ items: Operator[] }>('GET', '/api/datasets/operators')).items,
  importFile: (file: File, name: string, format: string) =>
    upload<Version>('/api/datasets', 'file', [file], undefined, { name, format }),
  importVersion: (id: string, file: File, format: string) =>
    upload<Version>(`${base(id)}/versions`, 'file', [file], undefined, { format }),
  rows: (id: string, n: number, offset: number, limit: number, part?: string) =>
    request<RowPage>('GET', `${base(id)}/versions/${n}/rows?offset=${offset}&limit=${limit}${part ? `&part=${part}` : ''}`),
  apply: (id: string, n: number, steps: { operator: string; params: Record<string, unknown> }[]) =>
    request<Version>('POST', `${base(id)}/versions/${n}/operators`, { steps }),
  split: (id: string, n: number, validation: number, stratifyBy: string) =>
    request<Version>('POST', `${base(id)}/versions/${n}/split`, { validation, ...(stratifyBy ? { stratify_by: stratifyBy } : {}) }),
  publish: (id: string, n: number) => request<Version>('POST', `${base(id)}/versions/${n}/publish`),
  deleteVersion: (id: string, n: number) => request<void>('DELETE', `${base(id)}/versions/${n}`),
  deleteDataset: (id: string) => request<void>('DELETE', base(id)),
};
