import { describe, expect, it } from 'vitest';
import { fieldLabel, plainMessage } from './messages';

describe('plainMessage', () => {
  it('names the field and says what is wrong in plain words', () => {
    expect(plainMessage('config.cases[0].id', "String should match pattern '^[A-Za-z0-9_-]{1,64}$'"))
      .toBe('Case id may contain only letters, digits, _ and - (at most 64 characters)');
    expect(plainMessage('config.cases.0.logic', "Input should be 'and' or 'or'")).toBe('Case logic must be one of: and, or');
    expect(plainMessage('config.timeout_s', 'Input should be a valid number, unable to parse string as a number')).toBe('Timeout s must be a number');
    expect(plainMessage('config.messages', 'List should have at least 1 item after validation, not 0')).toBe('Messages needs at least 1 item');
    expect(plainMessage('config.temperature', 'unknown field')).toBe('Temperature is not expected here');
    expect(plainMessage('config.classes[3].name', 'field required')).toBe('Class name is required');
  });

  it('says what a variable reference reads and what is wrong with it', () => {
    expect(plainMessage('inputs.query', "ref 'start.query' points to node 'start', which is not upstream of this node"))
      .toBe("Query reads start.query, but node 'start' does not run before this one: connect it upstream or pick another variable");
    expect(plainMessage('inputs.x', "ref 'nope.text' points to unknown node 'nope'")).toBe("X reads nope.text, but there is no node 'nope'");
    expect(plainMessage('inputs.x', "ref 'llm.answer': node 'llm' has no output 'answer' (outputs: text, usage)"))
      .toBe("X reads llm.answer, but node 'llm' has no output 'answer' (it has: text, usage)");
    expect(plainMessage('config.cases.0.conditions.0.left', "ref 'start.n' is number, but string or array is needed for contains"))
      .toBe('Condition left reads start.n, which is number; string or array is needed for contains');
  });

  it('keeps messages that are already plain', () => {
    expect(plainMessage('inputs.q', "'llm.text' is not upstream of this node")).toBe("'llm.text' is not upstream of this node");
  });

  it('labels list items by position', () => {
    expect(fieldLabel('config.messages[1]')).toBe('Message 2');
    expect(fieldLabel('')).toBe('This field');
  });
});

describe('issuesUnder', () => {
  it('matches the server\'s dotted list indexes to the panels\' brackets', async () => {
    const { issuesUnder } = await import('./issues');
    const issue = { node_id: 'route', field: 'config.cases.0.id', message: 'x', severity: 'error' as const };
    expect(issuesUnder([issue], 'config.cases[0].id')).toEqual([issue]);
    expect(issuesUnder([issue], 'config.cases[0]')).toEqual([issue]);
    expect(issuesUnder([issue], 'config.cases[1]')).toEqual([]);
  });
});
