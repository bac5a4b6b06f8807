// Mirrors agents/spec.py (AgentConfig, the import/export format "1") and server/agents/schemas.py.
import type { LLMParams } from '../../nodes/llm/defaults';

export interface PluginSkill { type: 'plugin'; plugin: string; tool: string; name?: string | null; description?: string | null }
export interface WorkflowSkill { type: 'workflow'; workflow: string; name?: string | null; description?: string | null }
export type Skill = PluginSkill | WorkflowSkill;

export interface KnowledgeSettings {
  knowledge_bases: string[];
  mode: 'auto' | 'tool';
  top_k: number;
  score_threshold?: number | null;
  search_mode?: 'vector' | 'keyword' | 'hybrid' | null;
}

export interface AgentConfig {
  version: '1';
  kind: 'agent';
  name: string;
  description: string;
  icon: string;
  persona: string;
  model: string;
  params: LLMParams;
  skills: Skill[];
  knowledge: KnowledgeSettings;
  opening_statement: string;
  suggested_questions: string[];
  max_steps: number;
  memory_window: number;
  tool_calling: 'native' | 'react';
  result_budget: number;
  tool_timeout_s: number;
}

export interface AgentSummary { id: string; name: string; icon: string; description: string; version: number; created_at: number; updated_at: number }
export interface AgentPublic extends AgentSummary { config: AgentConfig; issues: string[] }

export interface TurnSummary {
  id: string; conversation_id: string; agent_id: string; query: string; answer: string;
  status: 'running' | 'succeeded' | 'failed' | 'step_limit' | 'interrupted'; error: string | null;
  usage: Record<string, number>; elapsed_ms: number; created_at: number; finished_at: number | null;
}

/** One step of `TurnDetail.trace` (docs/agents.md "The trace"). */
export interface TraceStep {
  kind: 'retrieval' | 'model' | 'tool';
  step?: number;
  [field: string]: unknown;
}
export interface TurnDetail extends TurnSummary { trace: TraceStep[]; config: Record<string, unknown> }

export interface ToolInfo { name: string; kind: 'plugin' | 'workflow' | 'knowledge'; source: string; description: string; parameters: Record<string, unknown> }

/** A new app as `POST /api/agents` takes it; the server fills the rest with its defaults. */
export function newAgent(name: string, description = ''): Partial<AgentConfig> & { name: string } {
  return { name, description, icon: '🤖', persona: '', model: 'default', params: { temperature: 0.3 } };
}
