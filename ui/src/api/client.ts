// Console API client (DESIGN §8). Every call throws ApiError with the server's message and any issues.
import type { Preset } from '../nodes/llm/defaults';
import type { Issue, WorkflowJson } from '../workflow/types';
import { parseIssues } from '../workflow/issues';
import { readSse } from './sse';
import { plainMessage } from '../workflow/messages';

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly issues: Issue[] = []) { super(message); }
}

const TOKEN_KEY = 'loom.adminToken';

export function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = localStorage.getItem(TOKEN_KEY);
  return { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

/** FastAPI/pydantic 422 details (`[{loc, msg}]`) as `field.path: message` lines. */
export function fieldErrors(detail: unknown[]): string {
  return detail.map((d) => {
    const e = (d ?? {}) as { loc?: unknown[]; msg?: unknown };
    const loc = (e.loc ?? []).filter((p) => p !== 'body').map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    return `${loc ? `${loc}: ` : ''}${String(e.msg ?? JSON.stringify(d))}`;
  }).join('\n');
}

async function failure(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  const issues = parseIssues(body);
  const detail = body && typeof body === 'object' ? (body as Record<string, unknown>).detail ?? (body as Record<string, unknown>).message : null;
  // Each problem the server sent, one a line (node, field, message), under its summary.
  const listed = issues.map((i) => `${i.node_id}${i.field ? ` · ${i.field}` : ''}: ${plainMessage(i.field, i.message)}`).join('\n');
  const message = typeof detail === 'string' ? (listed ? `${detail}:\n${listed}` : detail)
    : !issues.length && Array.isArray(detail) && detail.length ? fieldErrors(detail)
    : issues.length ? listed
      : `${res.status} ${res.statusText}`;
  return new ApiError(message, res.status, issues);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A GET whose body is text, not JSON (a file to download); errors as for request(). */
export async function requestText(path: string): Promise<string> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await failure(res);
  return res.text();
}

/** Multipart upload with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function upload<T>(path: string, field: string, files: File[], onProgress?: (fraction: number) => void,
  fields: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress?.(e.loaded / e.total); };
    xhr.onload = () => {
      let body: unknown = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) { resolve(body as T); return; }
      const detail = body && typeof body === 'object' ? (body as Record<string, unknown>).detail : null;
      reject(new ApiError(typeof detail === 'string' ? detail : `${xhr.status} ${xhr.statusText}`, xhr.status, parseIssues(body)));
    };
    xhr.onerror = () => reject(new ApiError(`upload to ${path} failed`, 0));
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    for (const f of files) form.append(field, f, f.name);
    xhr.send(form);
  });
}

/** POST that answers with SSE; resolves when the stream ends. */
export async function stream(path: string, body: unknown, onEvent: (e: Record<string, unknown>, name: string) => void, signal?: AbortSignal): Promise<void> {
  const res = await fetch(path, { method: 'POST', headers: headers({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }), body: JSON.stringify(body), signal });
  if (!res.ok) throw await failure(res);
  await readSse(res, onEvent);
}

/** GET that answers with SSE (a job's live progress); resolves when the stream ends. */
export async function follow(path: string, onEvent: (e: Record<string, unknown>, name: string) => void, signal?: AbortSignal): Promise<void> {
  const res = await fetch(path, { headers: headers({ Accept: 'text/event-stream' }), signal });
  if (!res.ok) throw await failure(res);
  await readSse(res, onEvent);
}

/** Lists come back as an array or wrapped ({items|data|workflows: [...]}). */
export function unwrapList<T>(body: unknown, key?: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    const obj = body as Record<string, unknown>;
    for (const k of [key, 'items', 'data', 'results'].filter(Boolean) as string[]) if (Array.isArray(obj[k])) return obj[k] as T[];
  }
  return [];
}

export interface WorkflowSummary {
  id: string; name: string; description?: string; mode?: string; updated_at?: string | number; published_version?: number | null;
}

export interface WorkflowRecord extends WorkflowSummary { definition: WorkflowJson }

/** A workflow record: the definition may be inline or under `definition`/`draft`. */
export function toRecord(body: Record<string, unknown>): WorkflowRecord {
  const def = (body.definition ?? body.draft ?? body) as WorkflowJson;
  return { ...(body as unknown as WorkflowSummary), id: String(body.id), name: def.name ?? String(body.name), definition: def };
}

export const api = {
  listWorkflows: async () => unwrapList<WorkflowSummary>(await request('GET', '/api/workflows'), 'workflows'),
  getWorkflow: async (id: string) => toRecord(await request<Record<string, unknown>>('GET', `/api/workflows/${id}`)),
  createWorkflow: async (def: WorkflowJson) => toRecord({ ...def, ...(await request<Record<string, unknown>>('POST', '/api/workflows', def)) }),
  saveWorkflow: (id: string, def: WorkflowJson) => request<Record<string, unknown>>('PUT', `/api/workflows/${id}`, def),
  deleteWorkflow: (id: string) => request<void>('DELETE', `/api/workflows/${id}`),
  validateWorkflow: (id: string) => request<unknown>('POST', `/api/workflows/${id}/validate`),
  publish: (id: string) => request<Record<string, unknown>>('POST', `/api/workflows/${id}/publish`),
  versions: async (id: string) => unwrapList<Record<string, unknown>>(await request('GET', `/api/workflows/${id}/versions`), 'versions'),
  createKey: (id: string, name = '') => request<{ key: string }>('POST', `/api/workflows/${id}/keys`, { name }),
  runDraft: (id: string, inputs: Record<string, unknown>, onEvent: (e: Record<string, unknown>) => void, signal?: AbortSignal) =>
    stream(`/api/workflows/${id}/runs`, { inputs, response_mode: 'streaming' }, onEvent, signal),
  stopRun: (runId: string) => request<Record<string, unknown>>('POST', `/api/runs/${runId}/stop`),
  listKeys: async (id: string) => unwrapList<Record<string, unknown>>(await request('GET', `/api/workflows/${id}/keys`)),
  revokeKey: (id: string, keyId: string) => request<Record<string, unknown>>('DELETE', `/api/workflows/${id}/keys/${keyId}`),
  runNode: (id: string, nodeId: string, inputs: Record<string, unknown>, definition?: WorkflowJson) =>
    request<Record<string, unknown>>('POST', `/api/workflows/${id}/nodes/${nodeId}/run`, { inputs, definition }),
  duplicateWorkflow: async (id: string) => toRecord(await request<Record<string, unknown>>('POST', `/api/workflows/${id}/duplicate`)),
  uploadFile: (file: File) => upload<Record<string, unknown>>('/api/files', 'file', [file]),
  createKnowledgeBase: (name: string, settings: Record<string, unknown>) => request<Record<string, unknown>>('POST', '/api/knowledge-bases', { name, settings }),
  deleteKnowledgeBase: (kb: string) => request<void>('DELETE', `/api/knowledge-bases/${kb}`),
  listDocuments: async (kb: string) => unwrapList<Record<string, unknown>>(await request('GET', `/api/knowledge-bases/${kb}/documents`)),
  uploadDocuments: (kb: string, files: File[], onProgress?: (fraction: number) => void) => upload<Record<string, unknown>>(`/api/knowledge-bases/${kb}/documents`, 'files', files, onProgress),
  previewChunks: async (kb: string, file: File) => unwrapList<Record<string, unknown>>(await upload(`/api/knowledge-bases/${kb}/preview`, 'file', [file])),
  search: async (kb: string, body: { query: string; mode?: string; top_k?: number }) => unwrapList<Record<string, unknown>>(await request('POST', `/api/knowledge-bases/${kb}/search`, body)),
  listPresets: async () => unwrapList<Preset>(await request('GET', '/api/models/presets')),
  listDeployments: async () => unwrapList<Record<string, unknown>>(await request('GET', '/api/deployments')),
  deploymentAction: (id: string, action: 'start' | 'stop') => request<Record<string, unknown>>('POST', `/api/deployments/${id}/${action}`),
  chat: (id: string, body: Record<string, unknown>, onEvent: (e: Record<string, unknown>, name: string) => void) =>
    stream(`/api/workflows/${id}/chat`, { ...body, response_mode: 'streaming' }, onEvent),
  listKnowledgeBases: async () => unwrapList<Record<string, unknown>>(await request('GET', '/api/knowledge-bases'), 'knowledge_bases'),
  listModels: async () => unwrapList<Record<string, unknown>>(await request('GET', '/api/models'), 'models'),
  listPlugins: async () => unwrapList<Record<string, unknown>>(await request('GET', '/api/plugins')),
};
