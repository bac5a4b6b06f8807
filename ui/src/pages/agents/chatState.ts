// Folds the agent chat's SSE events (docs/agents.md "SSE events") into what the preview shows for one turn:
// retrieval and tool-call steps (a tool_call/tool_result pair matched by call_id), the model's preamble text
// of steps that ended in tool calls, the streamed answer, and how the turn ended.

export interface ToolStep {
  kind: 'tool'; step: number; callId: string; tool: string; arguments: string;
  status: 'running' | 'done' | 'failed'; result?: string; error?: string | null; truncated?: boolean;
  elapsedMs?: number; runId?: string | null;
}
export interface RetrievalStep { kind: 'retrieval'; query: string; knowledgeBases: string[]; hits: { content: string; score: number; document: string }[]; elapsedMs: number }
export interface ThoughtStep { kind: 'thought'; step: number; text: string }
export type PreviewStep = ToolStep | RetrievalStep | ThoughtStep;

export interface AgentTurn {
  query: string;
  status: 'running' | 'succeeded' | 'failed' | 'step_limit';
  steps: PreviewStep[];
  /** Text of the model step now streaming (becomes a thought if that step calls tools). */
  texts: Record<number, string>;
  answer: string;
  error: string | null;
  turnId?: string;
  conversationId?: string;
  usage?: Record<string, number>;
  elapsedMs?: number;
  modelSteps: number;
}

export function startTurn(query: string): AgentTurn {
  return { query, status: 'running', steps: [], texts: {}, answer: '', error: null, modelSteps: 0 };
}

function str(v: unknown): string { return typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v); }
function num(v: unknown): number { return typeof v === 'number' ? v : Number(v ?? 0) || 0; }

/** The next turn state after one event; `name` is the SSE event name (`conversation`, `message`, or the type). */
export function applyAgentEvent(turn: AgentTurn, e: Record<string, unknown>, name = String(e.type ?? '')): AgentTurn {
  const type = name === 'conversation' || name === 'message' ? name : String(e.type ?? name);
  const step = num(e.step);
  switch (type) {
    case 'conversation':
      return { ...turn, conversationId: str(e.conversation_id) || turn.conversationId, turnId: str(e.turn_id ?? e.run_id) || turn.turnId };
    case 'turn_started':
      return { ...turn, conversationId: str(e.conversation_id) || turn.conversationId, turnId: str(e.turn_id) || turn.turnId };
    case 'retrieval':
      return { ...turn, steps: [...turn.steps, { kind: 'retrieval', query: str(e.query), knowledgeBases: (e.knowledge_bases as string[]) ?? [],
        hits: (e.hits as RetrievalStep['hits']) ?? [], elapsedMs: num(e.elapsed_ms) }] };
    case 'model_started':
      return { ...turn, modelSteps: Math.max(turn.modelSteps, step), texts: { ...turn.texts, [step]: turn.texts[step] ?? '' } };
    case 'text_chunk':
      return { ...turn, texts: { ...turn.texts, [step]: (turn.texts[step] ?? '') + str(e.delta) } };
    case 'model_finished': {
      if (e.error) return { ...turn, error: str(e.error) };
      if (num(e.tool_calls) > 0 && turn.texts[step]?.trim()) {
        return { ...turn, steps: [...turn.steps, { kind: 'thought', step, text: turn.texts[step] }], texts: { ...turn.texts, [step]: '' } };
      }
      if (num(e.tool_calls) > 0) return { ...turn, texts: { ...turn.texts, [step]: '' } };
      return turn;
    }
    case 'tool_call':
      return { ...turn, steps: [...turn.steps, { kind: 'tool', step, callId: str(e.call_id), tool: str(e.tool), arguments: str(e.arguments), status: 'running' }] };
    case 'tool_result': {
      const callId = str(e.call_id);
      const done = (s: ToolStep): ToolStep => ({ ...s, status: e.error ? 'failed' : 'done', result: str(e.result), error: (e.error as string | null) ?? null,
        truncated: Boolean(e.truncated), elapsedMs: num(e.elapsed_ms), runId: (e.run_id as string | null) ?? null });
      const known = turn.steps.some((s) => s.kind === 'tool' && s.callId === callId);
      const steps = known ? turn.steps.map((s) => (s.kind === 'tool' && s.callId === callId ? done(s) : s))
        : [...turn.steps, done({ kind: 'tool', step, callId, tool: str(e.tool), arguments: '', status: 'running' })];
      return { ...turn, steps };
    }
    case 'turn_finished':
      return { ...turn, status: (str(e.status) as AgentTurn['status']) || 'succeeded', answer: str(e.answer) || liveAnswer(turn),
        error: (e.error as string | null) ?? turn.error, usage: e.usage as Record<string, number>, elapsedMs: num(e.elapsed_ms) };
    case 'message':
      return { ...turn, status: turn.status === 'running' ? ((str(e.status) as AgentTurn['status']) || 'succeeded') : turn.status,
        answer: str(e.answer) || turn.answer, error: (e.error as string | null) ?? turn.error, turnId: str(e.run_id) || turn.turnId,
        conversationId: str(e.conversation_id) || turn.conversationId };
    default:
      return turn;
  }
}

/** The answer as it streams: the text of the newest model step (a step that called tools was moved to a thought). */
export function liveAnswer(turn: AgentTurn): string {
  return turn.texts[turn.modelSteps] ?? '';
}

/** What the bubble shows: the final answer once the turn ended, else the streaming text. */
export function shownAnswer(turn: AgentTurn): string {
  return turn.status === 'running' ? liveAnswer(turn) : turn.answer;
}

/** Arguments (a raw JSON string from the model) pretty-printed when they parse. */
export function prettyJson(text: string | undefined): string {
  if (!text) return '';
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}
