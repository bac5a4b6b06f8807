// Models console API (docs/models.md): registry, deployments, logs, adapters, GPUs.
import { request } from '../../api/client';

export interface ModelRow { id: string; name: string; kind: 'endpoint' | 'base' | 'finetune'; version: number; spec: Record<string, unknown>; created_at: number }
export interface Adapter { name: string; path: string; rank?: number | null; finetune?: string | null; version?: number | null }
export interface Deployment {
  id: string; name: string; backend: string; state: string; reason: string | null; port: number | null; pid: number | null;
  restarts: number; base_url: string | null; served_model: string; base_model: string; adapters: Adapter[]; spec: Record<string, unknown>;
}
export interface Gpu { index: number; name: string; memory_total_mb?: number; memory_used_mb?: number; [k: string]: unknown }

export const modelsApi = {
  models: () => request<{ items: ModelRow[]; configured: { name: string; base_url: string; model: string }[] }>('GET', '/api/models'),
  addModel: (body: Record<string, unknown>) => request<ModelRow>('POST', '/api/models', body),
  deleteModel: (name: string) => request<void>('DELETE', `/api/models/${encodeURIComponent(name)}`),
  deployments: async () => (await request<{ items: Deployment[] }>('GET', '/api/deployments')).items,
  createDeployment: (body: Record<string, unknown>) => request<Deployment>('POST', '/api/deployments', body),
  action: (id: string, action: 'start' | 'stop' | 'restart') => request<Deployment>('POST', `/api/deployments/${id}/${action}`),
  deleteDeployment: (id: string) => request<void>('DELETE', `/api/deployments/${id}`),
  logs: async (id: string, lines = 200) => (await request<{ lines: string[] }>('GET', `/api/deployments/${id}/logs?lines=${lines}`)).lines,
  addAdapter: (id: string, finetune: string) => request<Deployment>('POST', `/api/deployments/${id}/adapters`, { finetune }),
  removeAdapter: (id: string, name: string) => request<Deployment>('DELETE', `/api/deployments/${id}/adapters/${encodeURIComponent(name)}`),
  gpus: () => request<{ gpus: Gpu[]; message?: string }>('GET', '/api/gpus'),
};
