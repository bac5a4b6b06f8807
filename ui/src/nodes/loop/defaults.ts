import type { RefSource, ValueSource, VarType } from '../../workflow/types';
import type { Operator } from '../if-else/defaults';
import i18n from '../../i18n';

/** Mirrors nodes/loop.py LoopConfig; the sub-graph lives on the canvas as the container's children. */
export interface LoopVariable { name: string; type: VarType; value: ValueSource; update?: RefSource | null }
export interface LoopCondition { left: ValueSource; op: Operator; right?: ValueSource | null }
export interface LoopConfig {
  variables: LoopVariable[];
  logic?: 'and' | 'or';
  until: LoopCondition[];
  max_rounds: number;
}

export const RESERVED_NAMES = ['index', 'rounds'];

export const loopDefaults = (): LoopConfig => ({ variables: [], logic: 'and', until: [], max_rounds: 10 });

/** Mirrors outputs(): each variable, and the rounds made. */
export function loopOutputs(config: LoopConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of config.variables ?? []) if (v.name) out[v.name] = v.type;
  return { ...out, rounds: 'integer' };
}

/** What the editor marks before saving (the server says the same, by field). */
export function variableProblem(variables: LoopVariable[], index: number): string | null {
  const name = variables[index]?.name ?? '';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return i18n.t('nodes:problems.loopName');
  if (RESERVED_NAMES.includes(name)) return i18n.t('nodes:problems.reserved', { name });
  if (variables.findIndex((v) => v.name === name) !== index) return i18n.t('nodes:problems.duplicateVariable', { name });
  return null;
}
