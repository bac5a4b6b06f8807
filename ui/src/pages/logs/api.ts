// The console's logs API (docs/api.md "Runs"): runs filtered and paged, a run's trace, re-run and resume,
// and an app's conversations with their messages (chat workflows and agents alike).
import { request, unwrapList } from '../../api/client';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'stopped' | 'interrupted';
export type RunSource = 'debug' | 'console' | 'api' | 'agent';

export interface RunSummary {
  run_id: string; workflow_id: string; version: number | null; source: RunSource | string; status: RunStatus | string;
  inputs: Record<string, unknown>; outputs: Record<string, unknown>; error: string | null; failed_node: string | null;
  elapsed_ms: number; total_tokens: number; usage: Record<string, unknown>; resumed_from: string | null;
  conversation_id: string | null; user: string | null; created_at: number; finished_at: number | null;
  query: string | null; // a chat turn's message
}

export interface PromptMessage { role: string; content: string }

export interface NodeTrace {
  node_id: string; node_type: string; title: string | null; status: string;
  inputs: Record<string, unknown>; outputs: Record<string, unknown>; branch: string | null; elapsed_ms: number;
  usage: Record<string, number> | null; error: string | null; attempts: number; reused: boolean;
  parent_id: string | null; iteration: number | null; prompt: PromptMessage[] | null;
}

export interface RunDetail extends RunSummary { nodes: NodeTrace[] }
export interface RunPage { items: RunSummary[]; total: number }

export interface Conversation {
  id: string; app_id: string; source: string; user: string | null; name: string; created_at: number; updated_at: number;
}

export interface Message {
  id: string; conversation_id: string; app_id: string; run_id: string | null; query: string; answer: string;
  status: string; error: string | null; usage: Record<string, number>; elapsed_ms: number; created_at: number;
  finished_at: number | null;
}

export interface AppChoice { id: string; name: string; kind: 'workflow' | 'chat' | 'agent' }

const isAgent = (appId: string) => appId.startsWith('agent-');

export const logsApi = {
  runs: (query: string) => request<RunPage>('GET', `/api/runs?${query}`),
  run: (runId: string) => request<RunDetail>('GET', `/api/runs/${runId}`),
  rerun: (runId: string) => request<{ run_id: string }>('POST', `/api/runs/${runId}/rerun`, { response_mode: 'async' }),
  resume: (runId: string) => request<{ run_id: string }>('POST', `/api/runs/${runId}/resume`, { response_mode: 'async' }),
  versions: async (workflowId: string) =>
    unwrapList<{ version: number }>(await request('GET', `/api/workflows/${workflowId}/versions`), 'versions'),
  conversations: async (appId: string) => unwrapList<Conversation>(await request('GET',
    isAgent(appId) ? `/api/agents/${appId}/conversations` : `/api/workflows/${appId}/conversations`)),
  messages: async (appId: string, conversationId: string) => unwrapList<Message>(await request('GET',
    isAgent(appId) ? `/api/agent-conversations/${conversationId}/messages` : `/api/conversations/${conversationId}/messages`)),
  apps: async (): Promise<AppChoice[]> => {
    const [workflows, agents] = await Promise.all([
      request<unknown>('GET', '/api/workflows').then((b) => unwrapList<{ id: string; name: string; mode?: string }>(b, 'workflows')),
      request<unknown>('GET', '/api/agents').then((b) => unwrapList<{ id: string; name: string }>(b)),
    ]);
    return [
      ...workflows.map((w) => ({ id: w.id, name: w.name, kind: w.mode === 'chat' ? 'chat' as const : 'workflow' as const })),
      ...agents.map((a) => ({ id: a.id, name: a.name, kind: 'agent' as const })),
    ];
  },
};
