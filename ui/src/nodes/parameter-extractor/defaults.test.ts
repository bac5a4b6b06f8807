import { describe, expect, it } from 'vitest';
import { addParameter, extractorDefaults, extractorOutputs, parameterProblems, parseOptions } from './defaults';

describe('parameter extractor', () => {
  it('declares each parameter with its type, then the status outputs', () => {
    const config = { ...extractorDefaults(), parameters: [
      { name: 'order_id', type: 'string' as const }, { name: 'n', type: 'integer' as const }, { name: '', type: 'number' as const }] };
    expect(extractorOutputs(config)).toEqual({
      order_id: 'string', n: 'integer', __is_success: 'integer', __reason: 'string', usage: 'object' });
  });

  it('adds parameters with fresh names', () => {
    const params = addParameter([{ name: 'param2', type: 'string' }]);
    expect(params.map((p) => p.name)).toEqual(['param2', 'param3']);
  });

  it('parses options by type', () => {
    expect(parseOptions('app, web，phone', 'string')).toEqual(['app', 'web', 'phone']);
    expect(parseOptions('1, 2', 'integer')).toEqual([1, 2]);
    expect(parseOptions(' ', 'string')).toBeNull();
  });

  it('marks nameless, bad, duplicate and reserved names', () => {
    expect(parameterProblems([
      { name: '', type: 'string' }, { name: '9x', type: 'string' }, { name: 'a', type: 'string' },
      { name: 'a', type: 'number' }, { name: '__reason', type: 'string' }, { name: 'ok', type: 'boolean' },
    ])).toEqual({
      0: 'give the parameter a name', 1: 'name: a letter or _, then letters, digits, _',
      3: "duplicate parameter 'a'", 4: "'__reason' is reserved",
    });
  });
});
