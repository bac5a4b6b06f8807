// Drafts the server refused (PUT answers 422 and stores nothing while a draft is invalid) are kept in the
// browser per workflow, so a reload does not lose the edit; they are dropped once a save succeeds.
import type { WorkflowJson } from './types';

export interface StoredDraft { definition: WorkflowJson; problems: number; at: number }

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const draftKey = (workflowId: string) => `loom.draft.${workflowId}`;

/** JSON with sorted keys, so two definitions compare equal whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v));
}

export function keepDraft(storage: Storage, workflowId: string, definition: WorkflowJson, problems: number, now = Date.now()): void {
  try {
    storage.setItem(draftKey(workflowId), JSON.stringify({ definition, problems, at: now } satisfies StoredDraft));
  } catch { /* storage full or disabled: the draft stays in the page only */ }
}

export function dropDraft(storage: Storage, workflowId: string): void {
  storage.removeItem(draftKey(workflowId));
}

/** The kept draft, unless it is unreadable or the same as what the server has (then it is dropped). */
export function restoreDraft(storage: Storage, workflowId: string, server: WorkflowJson): StoredDraft | null {
  const text = storage.getItem(draftKey(workflowId));
  if (!text) return null;
  let draft: StoredDraft;
  try { draft = JSON.parse(text) as StoredDraft; } catch { dropDraft(storage, workflowId); return null; }
  const usable = draft && typeof draft === 'object' && draft.definition && Array.isArray(draft.definition.nodes);
  if (!usable || canonical(draft.definition) === canonical(server)) { dropDraft(storage, workflowId); return null; }
  return { definition: draft.definition, problems: Number(draft.problems) || 0, at: Number(draft.at) || 0 };
}
