// Pure helpers for the models page: fine-tunes grouped under their base, deployment states.
import type { ModelRow } from './api';

export interface Lineage { base: ModelRow | null; baseName: string; finetunes: ModelRow[] }

/** Bases with their fine-tuned versions (newest first); fine-tunes of an unregistered base get a group too. */
export function lineage(models: readonly ModelRow[]): Lineage[] {
  const groups = new Map<string, Lineage>();
  for (const m of models.filter((x) => x.kind === 'base')) groups.set(m.name, { base: m, baseName: m.name, finetunes: [] });
  for (const m of models.filter((x) => x.kind === 'finetune')) {
    const baseName = String(m.spec.base ?? '?');
    if (!groups.has(baseName)) groups.set(baseName, { base: null, baseName, finetunes: [] });
    groups.get(baseName)!.finetunes.push(m);
  }
  for (const g of groups.values()) g.finetunes.sort((a, b) => a.name.localeCompare(b.name) || b.version - a.version);
  return [...groups.values()].sort((a, b) => a.baseName.localeCompare(b.baseName));
}

/** States that change on their own, so the page keeps polling while any deployment is in one. */
export const TRANSIENT = new Set(['pending', 'starting', 'stopping', 'restarting', 'unhealthy']);

export function isTransient(state: string): boolean {
  return TRANSIENT.has(state);
}

/** What a fine-tuning job recorded about how a fine-tuned version was made (``spec.lineage``), in one line. */
export function describeTraining(spec: Record<string, unknown>): string | null {
  const l = spec.lineage as {
    base?: { model: string; version: number }; parent?: { model: string; version: number } | null;
    dataset?: { id: string; version: number }; final_train_loss?: number | null; final_eval_loss?: number | null;
    system_prompt?: string | null; job_id?: string;
  } | undefined;
  if (!l) return null;
  const parts = [
    l.parent ? `continued from ${l.parent.model} v${l.parent.version}` : l.base ? `trained on ${l.base.model}` : null,
    l.dataset ? `dataset ${l.dataset.id} v${l.dataset.version}` : null,
    typeof l.final_train_loss === 'number' ? `train loss ${l.final_train_loss.toFixed(3)}` : null,
    typeof l.final_eval_loss === 'number' ? `validation loss ${l.final_eval_loss.toFixed(3)}` : null,
    l.system_prompt ? `system prompt “${l.system_prompt}”` : null,
    l.job_id ? `job ${l.job_id.slice(0, 8)}` : null,
  ];
  return parts.filter(Boolean).join(' · ');
}
