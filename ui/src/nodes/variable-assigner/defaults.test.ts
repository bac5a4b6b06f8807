import { describe, expect, it } from 'vitest';
import { assignerOutputs, needsValue, operationsFor, takesValue, valueType } from './defaults';

describe('variable-assigner defaults', () => {
  it('offers the operations that fit the variable type', () => {
    expect(operationsFor('number')).toContain('increment');
    expect(operationsFor('number')).not.toContain('append');
    expect(operationsFor('array[string]')).toContain('remove_last');
    expect(operationsFor('string')).toEqual(['set', 'clear']);
  });
  it('knows the value each operation takes', () => {
    expect(valueType('append', 'array[string]')).toBe('string');
    expect(valueType('extend', 'array[string]')).toBe('array[string]');
    expect(valueType('increment', 'number')).toBe('number');
    expect(takesValue('clear')).toBe(false);
    expect(needsValue('increment')).toBe(false);
  });
  it('declares one output per conversation variable it changes', () => {
    expect(assignerOutputs({ items: [{ variable: { ref: 'conversation.n' }, operation: 'increment' }, { variable: { ref: '' }, operation: 'set' }] })).toEqual({ n: 'any' });
  });
});
