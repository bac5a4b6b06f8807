import { elementType } from '../../workflow/compat';
import { LEFT_TYPES, UNARY, operatorsFor } from '../if-else/operators';
import type { Operator } from '../if-else/defaults';
import i18n from '../../i18n';

export const ITEM_TYPES = ['string', 'number', 'object', 'file', 'any'] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

/** Mirrors nodes/list_operator.py ListOperatorConfig. */
export interface ItemCondition { key?: string | null; op: Operator; value?: unknown }
export interface ListOperatorConfig {
  item_type: ItemType;
  filter?: { logic: 'and' | 'or'; conditions: ItemCondition[] } | null;
  sort?: { key?: string | null; order: 'asc' | 'desc' } | null;
  slice?: { take: 'first' | 'last'; count: number } | null;
  extract?: { index: number } | null;
}

export const listOperatorDefaults = (): ListOperatorConfig => ({ item_type: 'any' });

/** Mirrors outputs(): `result` is the array type, the records its items. */
export function listOperatorOutputs(config: ListOperatorConfig): Record<string, string> {
  const item = config.item_type ?? 'any';
  return { result: item === 'any' ? 'any' : `array[${item}]`, first_record: item, last_record: item };
}

/** The item type to declare for an input of `arrayType` (integers count as numbers). */
export function itemTypeFor(arrayType: string | undefined): ItemType {
  if (!arrayType || !arrayType.startsWith('array[')) return 'any';
  const item = elementType(arrayType);
  if (item === 'integer') return 'number';
  return (ITEM_TYPES as readonly string[]).includes(item) ? (item as ItemType) : 'any';
}

/** Operators that may test an item (or one key of an object item, whose type is not known). */
export function itemOperators(itemType: ItemType, key: string | null | undefined): Operator[] {
  if (key) return operatorsFor('any');
  return operatorsFor(itemType === 'file' ? 'object' : itemType);
}

/** What the editor marks before saving, per condition (the server says the same, by field). */
export function conditionProblem(itemType: ItemType, cond: ItemCondition): string | null {
  const scalar = itemType === 'string' || itemType === 'number';
  if (cond.key && scalar) return i18n.t('nodes:problems.noKeys', { type: itemType });
  if (!cond.key && !itemOperators(itemType, null).includes(cond.op)) {
    return i18n.t('nodes:problems.operatorType', { op: cond.op, type: itemType, needs: LEFT_TYPES[cond.op].join(' / ') });
  }
  const empty = cond.value === undefined || cond.value === null || cond.value === '';
  if (UNARY.has(cond.op)) return empty ? null : `operator '${cond.op}' takes no value`;
  return empty ? `operator '${cond.op}' needs a value` : null;
}
