import { describe, expect, it } from 'vitest';
import { fieldAbove, fieldFor, problemList } from './problems';
import type { Issue } from './types';

const nodes = [{ id: 'start', title: 'Start' }, { id: 'llm', title: 'Answer' }, { id: 'route', title: '' }];
const issue = (node_id: string, field: string, message: string, severity: Issue['severity'] = 'error'): Issue => ({ node_id, field, message, severity });

describe('problemList', () => {
  it('words each issue plainly with its node and field, errors first, then in canvas order', () => {
    const list = problemList([
      issue('llm', 'config.params', 'temperature and top_p are both set', 'warning'),
      issue('route', 'config.cases.0.id', "String should match pattern '^[A-Za-z0-9_-]{1,64}$'"),
      issue('llm', 'config.messages', 'List should have at least 1 item after validation, not 0'),
      issue('', 'nodes', 'no end node'),
    ], nodes);
    expect(list.map((p) => [p.nodeId, p.nodeTitle, p.field, p.fieldLabel, p.message, p.severity])).toEqual([
      [null, '', 'nodes', 'Nodes', 'no end node', 'error'],
      ['llm', 'Answer', 'config.messages', 'Messages', 'Messages needs at least 1 item', 'error'],
      ['route', 'route', 'config.cases[0].id', 'Case id', 'Case id may contain only letters, digits, _ and - (at most 64 characters)', 'error'],
      ['llm', 'Answer', 'config.params', 'Params', 'temperature and top_p are both set', 'warning'],
    ]);
  });

  it('keeps an issue of a node the canvas no longer has, without a node to select', () => {
    expect(problemList([issue('gone', 'edges[2].target', "edge to unknown node 'x'")], nodes)[0]).toMatchObject({ nodeId: null, nodeTitle: 'gone' });
  });
});

describe('fieldFor', () => {
  const fields = ['config.model', 'config.messages[0]', 'config.messages[1]', 'config.params.temperature', 'inputs.query', 'inputs.items', 'on_error'];

  it('picks the deepest panel field at or above the issue', () => {
    expect(fieldFor('config.messages.1.content', fields)).toBe('config.messages[1]');
    expect(fieldFor('config.model', fields)).toBe('config.model');
    expect(fieldFor('on_error.default_outputs', fields)).toBe('on_error');
  });

  it('falls back to the first field below it, and to none', () => {
    expect(fieldFor('inputs', fields)).toBe('inputs.query');
    expect(fieldFor('config.params', fields)).toBe('config.params.temperature');
    expect(fieldFor('config.output.schema', fields)).toBeNull();
    expect(fieldFor('', fields)).toBeNull();
  });
});

describe('fieldAbove', () => {
  it('finds the field that shows an issue, and none for one no field shows', () => {
    const fields = ['config.messages[0]', 'inputs', 'inputs.query'];
    expect(fieldAbove('config.messages.0.content', fields)).toBe('config.messages[0]');
    expect(fieldAbove('inputs.query', fields)).toBe('inputs.query');
    expect(fieldAbove('config.messages', fields)).toBeNull();
    expect(fieldAbove('edges', fields)).toBeNull();
  });
});
