import { describe, expect, it } from 'vitest';
import type { NodeTrace } from './api';
import { NO_FILTERS, canRerun, canResume, filtersFromParams, inputsPreview, nodeTokens, pageRange, paramsFromFilters, runsQuery, traceRows } from './helpers';

const trace = (node_id: string, extra: Partial<NodeTrace> = {}): NodeTrace => ({
  node_id, node_type: 'code', title: null, status: 'succeeded', inputs: {}, outputs: {}, branch: null, elapsed_ms: 1,
  usage: null, error: null, attempts: 1, reused: false, parent_id: null, iteration: null, prompt: null, ...extra,
});

describe('filters in the URL', () => {
  it('round-trips and drops what the server would refuse', () => {
    const filters = { status: 'failed', source: 'api', version: 'draft', q: '发票', page: 2 };
    const params = new URLSearchParams(paramsFromFilters(filters));
    expect(params.get('page')).toBe('3');
    expect(filtersFromParams(params)).toEqual(filters);
    expect(filtersFromParams(new URLSearchParams('status=weird&source=chat&version=latest&page=-4'))).toEqual(NO_FILTERS);
    expect(filtersFromParams(new URLSearchParams('version=12')).version).toBe('12');
    expect(paramsFromFilters(NO_FILTERS)).toEqual({});
  });

  it('builds the runs query with limit and offset', () => {
    const query = new URLSearchParams(runsQuery('wf1', { ...NO_FILTERS, source: 'debug', q: ' hi ', page: 1 }, 20));
    expect(Object.fromEntries(query)).toEqual({ workflow_id: 'wf1', source: 'debug', q: 'hi', limit: '20', offset: '20' });
    expect(new URLSearchParams(runsQuery('wf1', NO_FILTERS, 20)).get('offset')).toBe('0');
  });
});

describe('paging', () => {
  it('counts rows and pages', () => {
    expect(pageRange(0, 20, 0)).toEqual({ from: 0, to: 0, pages: 1 });
    expect(pageRange(0, 20, 45)).toEqual({ from: 1, to: 20, pages: 3 });
    expect(pageRange(2, 20, 45)).toEqual({ from: 41, to: 45, pages: 3 });
  });
});

describe('run rows', () => {
  it('previews inputs and a chat query in one short line', () => {
    expect(inputsPreview({ inputs: { text: 'hello', n: 3, empty: '', file: { name: 'a.pdf', file_id: 'f' } } }))
      .toBe('text: hello · n: 3 · file: a.pdf');
    expect(inputsPreview({ inputs: {}, query: 'Capital of France?' })).toBe('Capital of France?');
    expect(inputsPreview({ inputs: { text: 'x'.repeat(100) } }, 10)).toBe('text: xxx…');
  });

  it('offers resume only for failed, stopped or interrupted runs outside conversations', () => {
    expect(canResume({ status: 'failed', conversation_id: null })).toBe(true);
    expect(canResume({ status: 'succeeded', conversation_id: null })).toBe(false);
    expect(canResume({ status: 'failed', conversation_id: 'c' })).toBe(false);
    expect(canRerun({ status: 'running', conversation_id: null })).toBe(false);
    expect(canRerun({ status: 'succeeded', conversation_id: null })).toBe(true);
  });
});

describe('the trace', () => {
  it('puts the nodes of an iteration under it, item by item', () => {
    const rows = traceRows([
      trace('start'),
      trace('inner', { parent_id: 'loop', iteration: 1 }),
      trace('inner', { parent_id: 'loop', iteration: 0 }),
      trace('loop', { node_type: 'iteration' }),
      trace('end'),
    ]);
    expect(rows.map((r) => [r.node.node_id, r.depth, r.node.iteration])).toEqual([
      ['start', 0, null], ['loop', 0, null], ['inner', 1, 0], ['inner', 1, 1], ['end', 0, null]]);
    expect(traceRows([trace('inner', { parent_id: 'gone' })]).map((r) => r.depth)).toEqual([0]);
  });

  it('counts tokens from usage', () => {
    expect(nodeTokens({ usage: { total_tokens: 12 } })).toBe(12);
    expect(nodeTokens({ usage: { prompt_tokens: 3, completion_tokens: 4 } })).toBe(7);
    expect(nodeTokens({ usage: null })).toBe(0);
  });
});
