// Datasets console API (docs/api.md, "Datasets"): import, versions, operators, split, convert, publish, preview,
// export, statistics with a base model's tokenizer.
import { request, requestText, upload } from '../../api/client';

export interface BadRow { line: number; reason: string }
export interface Bucket { upto: number | null; rows: number }
export interface Advice { code: string; message: string; source: string }
export interface Stats {
  format: string | null; rows: number; unit: string; turns: number; with_system: number; with_thinking: number;
  measure?: string; length_min: number; length_mean: number; length_p50: number; length_p95: number;
  length_p99?: number; length_max: number; context_length?: number;
  histogram: Bucket[]; exact_duplicates: number[][]; near_duplicates: number[][]; advice: Advice[];
}
export interface Version {
  dataset_id: string; number: number; stage: 'raw' | 'processed' | 'published'; parent: number | null;
  format: string | null; source: string | null; rows: number; train_rows: number | null; validation_rows: number | null;
  report: { rows: number; format: string | null; bad: BadRow[]; stats: Stats };
  operations: { steps?: { operator: string; params: Record<string, unknown> }[]; dropped?: BadRow[];
    split?: { validation: number; seed: number; stratify_by: string | null }; imported?: string;
    convert?: { from: string | null; to: string } };
  created_at: number; published_at: number | null;
}
export interface Dataset { id: string; name: string; description: string; created_at: number; updated_at: number; versions: Version[] }
export interface OperatorParam {
  name: string; type: 'number' | 'boolean' | 'string' | 'choice' | 'choices'; default: unknown; choices?: string[];
}
export interface Operator { name: string; description: string; params: OperatorParam[] }
export const FORMATS = ['messages', 'context-target', 'text'] as const;
export interface BaseModel { name: string; kind: string; version: number }
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
  convert: (id: string, n: number, format: string) =>
    request<Version>('POST', `${base(id)}/versions/${n}/convert`, { format }),
  exportText: (id: string, n: number, format: string, part?: string) =>
    requestText(`${base(id)}/versions/${n}/export?format=${encodeURIComponent(format)}${part ? `&part=${part}` : ''}`),
  stats: (id: string, n: number, model: string, epochs: number | null) => {
    const query = new URLSearchParams();
    if (model) query.set('model', model);
    if (epochs) query.set('epochs', String(epochs));
    return request<{ model: string | null; stats: Stats }>('GET', `${base(id)}/versions/${n}/stats?${query}`);
  },
  baseModels: async () => (await request<{ items: BaseModel[] }>('GET', '/api/models?kind=base')).items,
  publish: (id: string, n: number) => request<Version>('POST', `${base(id)}/versions/${n}/publish`),
  deleteVersion: (id: string, n: number) => request<void>('DELETE', `${base(id)}/versions/${n}`),
  deleteDataset: (id: string) => request<void>('DELETE', base(id)),
};
