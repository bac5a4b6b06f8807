import { describe, expect, it } from 'vitest';
import { conditionProblem, itemOperators, itemTypeFor, listOperatorOutputs } from './defaults';

describe('list operator helpers', () => {
  it('types the outputs from the item type', () => {
    expect(listOperatorOutputs({ item_type: 'object' })).toEqual({ result: 'array[object]', first_record: 'object', last_record: 'object' });
    expect(listOperatorOutputs({ item_type: 'any' })).toEqual({ result: 'any', first_record: 'any', last_record: 'any' });
  });
  it('derives the item type from the picked array', () => {
    expect(itemTypeFor('array[file]')).toBe('file');
    expect(itemTypeFor('array[integer]')).toBe('number');
    expect(itemTypeFor('string')).toBe('any');
    expect(itemTypeFor(undefined)).toBe('any');
  });
  it('offers operators that fit the items', () => {
    expect(itemOperators('number', null)).toContain('gt');
    expect(itemOperators('number', null)).not.toContain('starts_with');
    expect(itemOperators('object', 'title')).toContain('starts_with');
  });
  it('marks conditions as the server would', () => {
    expect(conditionProblem('number', { key: 'x', op: 'gt', value: 1 })).toBe('items are numbers, which have no keys');
    expect(conditionProblem('number', { op: 'is_true' })).toBe("operator 'is_true' does not apply to number items (it needs boolean)");
    expect(conditionProblem('string', { op: 'eq' })).toBe("operator 'eq' needs a value");
    expect(conditionProblem('object', { key: 'done', op: 'is_true' })).toBeNull();
  });
});
