import type { ValueSource } from '../../workflow/types';

export const OPERATORS = [
  'eq', 'ne', 'contains', 'not_contains', 'starts_with', 'ends_with', 'regex', 'is_empty', 'is_not_empty',
  'gt', 'lt', 'ge', 'le', 'length_eq', 'length_gt', 'length_lt', 'length_ge', 'length_le',
  'is_true', 'is_false', 'is_null', 'is_not_null', 'in', 'not_in',
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition { left: ValueSource; op: Operator; right?: ValueSource | null }
export interface Case { id: string; logic: 'and' | 'or'; conditions: Condition[] }
/** Mirrors nodes/if_else.py IfElseConfig; `else` is implicit. */
export interface IfElseConfig { cases: Case[] }

export const ifElseDefaults = (): IfElseConfig => ({
  cases: [{ id: 'case1', logic: 'and', conditions: [{ left: { ref: '' }, op: 'is_not_empty' }] }],
});

export function ifElseHandles(config: IfElseConfig): string[] {
  return [...config.cases.map((c) => c.id), 'else'];
}
