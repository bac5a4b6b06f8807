import { describe, expect, it } from 'vitest';
import { operatorsFor, UNARY } from './operators';
import { OPERATORS } from './defaults';

describe('operatorsFor', () => {
  it('offers numeric comparisons for numbers and integers only', () => {
    expect(operatorsFor('number')).toContain('gt');
    expect(operatorsFor('integer')).toContain('ge');
    expect(operatorsFor('string')).not.toContain('gt');
  });

  it('offers length operators for strings and arrays, not numbers', () => {
    expect(operatorsFor('array[object]')).toEqual(expect.arrayContaining(['length_gt', 'contains', 'is_empty']));
    expect(operatorsFor('array[object]')).not.toContain('eq');
    expect(operatorsFor('number')).not.toContain('length_gt');
  });

  it('offers booleans their truth tests and every type the null tests', () => {
    expect(operatorsFor('boolean')).toEqual(['eq', 'ne', 'is_empty', 'is_not_empty', 'is_true', 'is_false', 'is_null', 'is_not_null', 'in', 'not_in']);
    expect(operatorsFor('file')).toEqual(expect.arrayContaining(['is_null', 'contains', 'length_eq']));
    expect(operatorsFor('file')).not.toContain('starts_with');
  });

  it('offers everything for an unknown type', () => {
    expect(operatorsFor(undefined)).toEqual([...OPERATORS]);
    expect(operatorsFor('any')).toHaveLength(OPERATORS.length);
    expect(UNARY.has('is_true')).toBe(true);
  });
});
