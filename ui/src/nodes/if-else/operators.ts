// Operators allowed for a left operand type; mirrors nodes/conditions.py LEFT_TYPES and UNARY.
import { isCompatible } from '../../workflow/compat';
import { OPERATORS, type Operator } from './defaults';

const SCALAR = ['string', 'number', 'boolean'];
const LENGTHY = ['string', 'array', 'object'];
const LENGTH_OPS = ['length_eq', 'length_gt', 'length_lt', 'length_ge', 'length_le'] as const;

export const LEFT_TYPES: Record<Operator, readonly string[]> = {
  eq: SCALAR, ne: SCALAR,
  contains: ['string', 'array', 'object'], not_contains: ['string', 'array', 'object'],
  starts_with: ['string'], ends_with: ['string'], regex: ['string'],
  is_empty: ['any'], is_not_empty: ['any'], is_null: ['any'], is_not_null: ['any'],
  gt: ['number'], lt: ['number'], ge: ['number'], le: ['number'],
  ...Object.fromEntries(LENGTH_OPS.map((op) => [op, LENGTHY])) as Record<(typeof LENGTH_OPS)[number], string[]>,
  is_true: ['boolean'], is_false: ['boolean'],
  in: SCALAR, not_in: SCALAR,
};

export const UNARY: ReadonlySet<Operator> = new Set<Operator>(
  ['is_empty', 'is_not_empty', 'is_true', 'is_false', 'is_null', 'is_not_null'],
);

export const OPERATOR_LABELS: Record<Operator, string> = {
  eq: 'is', ne: 'is not', contains: 'contains', not_contains: 'does not contain',
  starts_with: 'starts with', ends_with: 'ends with', regex: 'matches regex',
  is_empty: 'is empty', is_not_empty: 'is not empty', gt: '>', lt: '<', ge: '≥', le: '≤',
  length_eq: 'length =', length_gt: 'length >', length_lt: 'length <', length_ge: 'length ≥', length_le: 'length ≤',
  is_true: 'is true', is_false: 'is false', is_null: 'is null', is_not_null: 'is not null',
  in: 'is in', not_in: 'is not in',
};

/** Operators whose left operand accepts `leftType` (any operator when the type is unknown). */
export function operatorsFor(leftType: string | undefined): Operator[] {
  if (!leftType || leftType === 'any') return [...OPERATORS];
  return OPERATORS.filter((op) => LEFT_TYPES[op].some((t) => isCompatible(leftType, t)));
}
