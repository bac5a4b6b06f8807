// A fine-tuned model's training system prompt, pre-filled into an LLM node that chooses it (seed advice: infer
// with the prompt you trained with). The registry keeps it in the model's lineage (GET /api/models/{name}).
import { request } from '../../api/client';
import type { Message } from './defaults';

/** The system prompt a registered model was fine-tuned with, if any. */
export function trainingSystemPrompt(model: { kind?: string; spec?: Record<string, unknown> } | null | undefined): string | null {
  if (!model || model.kind !== 'finetune') return null;
  const lineage = model.spec?.lineage as { system_prompt?: unknown } | undefined;
  return typeof lineage?.system_prompt === 'string' && lineage.system_prompt.trim() ? lineage.system_prompt : null;
}

/** The messages with `prompt` as the system message: the leading system message rewritten, or one put first. */
export function withSystemPrompt(messages: readonly Message[], prompt: string): Message[] {
  if (messages[0]?.role === 'system') return [{ ...messages[0], content: prompt }, ...messages.slice(1)];
  return [{ role: 'system', content: prompt }, ...messages];
}

/** The training system prompt of the model named `name` (null when it has none or is not registered). */
export async function fetchTrainingSystemPrompt(name: string): Promise<string | null> {
  try {
    return trainingSystemPrompt(await request<{ kind: string; spec: Record<string, unknown> }>('GET', `/api/models/${encodeURIComponent(name)}`));
  } catch {
    return null;  // a configured model, or not registered: nothing to pre-fill
  }
}
