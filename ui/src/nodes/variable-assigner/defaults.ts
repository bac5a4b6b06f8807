/** Mirrors nodes/variable_assigner.py AssignerConfig. */
import type { RefSource, ValueSource } from '../../workflow/types';

export const OPERATIONS = ['set', 'append', 'extend', 'clear', 'increment', 'decrement', 'remove_first', 'remove_last'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Assignment { variable: RefSource; operation: Operation; value?: ValueSource | null }
export interface AssignerConfig { items: Assignment[] }

export const assignerDefaults = (): AssignerConfig => ({ items: [{ variable: { ref: '' }, operation: 'set', value: { ref: '' } }] });

export function assignerOutputs(config: AssignerConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of config.items ?? []) {
    const [scope, name] = (item.variable?.ref ?? '').split('.');
    if (scope === 'conversation' && name) out[name] = 'any';
  }
  return out;
}

/** Which operations fit a variable of this type (the server's check of the target). */
export function operationsFor(type: string | undefined): Operation[] {
  if (type === 'number') return ['set', 'clear', 'increment', 'decrement'];
  if (type?.startsWith('array[')) return ['set', 'append', 'extend', 'clear', 'remove_first', 'remove_last'];
  return ['set', 'clear'];
}

/** Whether an operation takes a value, and whether it must have one. */
export const takesValue = (op: Operation) => ['set', 'append', 'extend', 'increment', 'decrement'].includes(op);
export const needsValue = (op: Operation) => ['set', 'append', 'extend'].includes(op);

/** The type a value must have for `op` on a variable of `type`. */
export function valueType(op: Operation, type: string): string {
  if (op === 'append') return type.startsWith('array[') ? type.slice(6, -1) : 'any';
  if (op === 'increment' || op === 'decrement') return 'number';
  return type;
}
