import { describe, expect, it } from 'vitest';
import { createHistory, record, redo, undo } from './history';
import { freshId } from './ids';
import { insertVariable, pickerOpensAt, templateVariables } from './templateVars';
import { hasErrors, issuesUnder, parseIssues } from './issues';
import { llmOutputs, paramsWarning, llmDefaults } from '../nodes/llm/defaults';

describe('history', () => {
  it('undoes and redoes, and a new record drops the future', () => {
    let h = createHistory(1);
    h = record(h, 2); h = record(h, 3);
    h = undo(h); expect(h.present).toBe(2);
    h = undo(h); h = undo(h); expect(h.present).toBe(1);
    h = redo(h); expect(h.present).toBe(2);
    h = record(h, 9); expect(h.future).toEqual([]); expect(redo(h).present).toBe(9);
  });
});

describe('ids', () => {
  it('finds a free id matching the format pattern', () => {
    expect(freshId('llm', [])).toBe('llm');
    expect(freshId('llm', ['llm', 'llm_2'])).toBe('llm_3');
    expect(freshId('if-else copy!', [])).toBe('if-else_copy_');
  });
});

describe('template variables', () => {
  it('finds names and inserts at the caret', () => {
    expect(templateVariables('{{a}} and {{ b }} {{a}}')).toEqual(['a', 'b']);
    expect(pickerOpensAt('hi {', 4)).toBe(true);
    expect(pickerOpensAt('hi', 2)).toBe(false);
    expect(insertVariable('hi { there', 4, 'query')).toEqual({ text: 'hi {{query}} there', caret: 12 });
    expect(insertVariable('x{{', 3, 'q').text).toBe('x{{q}}');
  });
});

describe('issues', () => {
  it('parses a 422 body and selects by field prefix', () => {
    const issues = parseIssues({ detail: [{ node_id: 'a', field: 'config.messages[0].content', message: 'm', severity: 'error' },
      { node_id: 'a', field: 'config.params', message: 'w', severity: 'warning' }] });
    expect(issues).toHaveLength(2);
    expect(issuesUnder(issues, 'config.messages')).toHaveLength(1);
    expect(hasErrors(issues)).toBe(true);
    expect(hasErrors(issues.slice(1))).toBe(false);
    expect(parseIssues('nope')).toEqual([]);
  });
});

describe('llm helpers', () => {
  it('derives outputs from the JSON schema and warns on temperature + top_p', () => {
    const cfg = { ...llmDefaults(), output: { format: 'json' as const, schema: { type: 'object', properties: { q: { type: 'string' }, xs: { type: 'array', items: { type: 'number' } } } } } };
    expect(llmOutputs(cfg)).toEqual({ text: 'string', usage: 'object', q: 'string', xs: 'array[number]' });
    expect(llmOutputs(llmDefaults())).toEqual({ text: 'string', usage: 'object' });
    expect(paramsWarning({ temperature: 0.3, top_p: 0.5 })).toMatch(/both/);
    expect(paramsWarning({ temperature: 0.3, top_p: 1 })).toBeNull();
  });
});
