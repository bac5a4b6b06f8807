// The agent-app console API (docs/agents.md "API"), on top of the shared request/stream helpers.
import { request, stream, unwrapList } from '../../api/client';
import type { AgentConfig, AgentPublic, AgentSummary, ToolInfo, TurnDetail, TurnSummary } from './types';

export interface KeyCreated { id: string; prefix: string; key: string; name: string; created_at: number; revoked_at: number | null }
export type AgentEvent = Record<string, unknown>;

export const agentApi = {
  list: async () => unwrapList<AgentSummary>(await request('GET', '/api/agents')),
  get: (id: string) => request<AgentPublic>('GET', `/api/agents/${id}`),
  create: (config: Partial<AgentConfig>) => request<AgentPublic>('POST', '/api/agents', config),
  importJson: (doc: unknown) => request<AgentPublic>('POST', '/api/agents/import', doc),
  save: (id: string, config: AgentConfig) => request<AgentPublic>('PUT', `/api/agents/${id}`, config),
  remove: (id: string) => request<void>('DELETE', `/api/agents/${id}`),
  exportJson: (id: string) => request<AgentConfig>('GET', `/api/agents/${id}/export`),
  publish: (id: string) => request<AgentPublic>('POST', `/api/agents/${id}/publish`),
  tools: (id: string) => request<ToolInfo[]>('GET', `/api/agents/${id}/tools`),
  createKey: (id: string, name = '') => request<KeyCreated>('POST', `/api/agents/${id}/keys`, { name }),
  listKeys: (id: string) => request<KeyCreated[]>('GET', `/api/agents/${id}/keys`),
  revokeKey: (id: string, keyId: string) => request<KeyCreated>('DELETE', `/api/agents/${id}/keys/${keyId}`),
  turns: async (id: string, limit = 20) => unwrapList<TurnSummary>(await request('GET', `/api/agents/${id}/turns?limit=${limit}`)),
  turn: (turnId: string) => request<TurnDetail>('GET', `/api/agent-turns/${turnId}`),
  deleteConversation: (cid: string) => request<void>('DELETE', `/api/agent-conversations/${cid}`),
  /** Preview chat with the draft; `onEvent` gets each SSE event (`name` is the SSE event type). */
  chat: (id: string, body: { query: string; conversation_id?: string; files?: { file_id: string }[] }, onEvent: (e: AgentEvent, name: string) => void, signal?: AbortSignal) =>
    stream(`/api/agents/${id}/chat`, { ...body, response_mode: 'streaming' }, onEvent, signal),
  plugins: async () => unwrapList<Record<string, unknown>>(await request('GET', '/api/plugins')),
  /** Registered models (`items`) and those configured by environment or loom.toml (`configured`). */
  modelsFull: async () => {
    const body = await request<{ items?: Record<string, unknown>[]; configured?: Record<string, unknown>[] }>('GET', '/api/models');
    return { items: body?.items ?? [], configured: body?.configured ?? [] };
  },
  workflows: async () => unwrapList<Record<string, unknown>>(await request('GET', '/api/workflows')),
  knowledgeBases: async () => unwrapList<Record<string, unknown>>(await request('GET', '/api/knowledge-bases')),
};
