import { describe, expect, it } from 'vitest';
import { attentionByKind, exportProblems, filenameOf, isDifyFile, renamedTypes, type ImportReport } from './report';

const report: ImportReport = {
  dify_version: '0.3.1', app_mode: 'advanced-chat', app_name: 'demo',
  mapped: [
    { dify_id: '1', dify_type: 'start', loom_id: '1', loom_type: 'start' },
    { dify_id: '2', dify_type: 'assigner', loom_id: '2', loom_type: 'variable-assigner' },
    { dify_id: '3', dify_type: 'tool', loom_id: '3', loom_type: 'plugin' },
  ],
  approximated: [], dropped: [{ node_id: 'note1', reason: 'notes are not carried over' }],
  attention: [
    { kind: 'tool', name: 'time/current_time', detail: 'no plugin', node_ids: ['3'] },
    { kind: 'model', name: 'openai/gpt-4o', detail: 'map it', node_ids: ['llm'] },
  ],
  secrets: [{ source: 'env.apikey', input_name: 'env_apikey' }], warnings: [],
};

describe('Dify import report helpers', () => {
  it('sends YAML files and Dify JSON envelopes to the server, Loom JSON stays local', () => {
    expect(isDifyFile('app.yml', 'kind: app')).toBe(true);
    expect(isDifyFile('APP.YAML', '')).toBe(true);
    expect(isDifyFile('app.json', JSON.stringify({ kind: 'app', workflow: {} }))).toBe(true);
    expect(isDifyFile('flow.json', JSON.stringify({ version: '1', nodes: [] }))).toBe(false);
    expect(isDifyFile('broken.json', '{not json')).toBe(false);
  });

  it('groups what needs attention by kind, models first', () => {
    expect(attentionByKind(report).map(([kind, items]) => [kind, items.length])).toEqual([['model', 1], ['tool', 1]]);
  });

  it('lists only the nodes whose type changed', () => {
    expect(renamedTypes(report).map((m) => m.dify_id)).toEqual(['2']);
  });

  it('reads the problems of a refused export', () => {
    expect(exportProblems({ detail: 'x', problems: [{ node_id: 'kb', reason: 'why' }, { bad: 1 }] }))
      .toEqual([{ node_id: 'kb', reason: 'why' }]);
    expect(exportProblems({ detail: 'x' })).toEqual([]);
  });

  it('takes the download name from Content-Disposition, UTF-8 name first', () => {
    expect(filenameOf('attachment; filename="__.yml"; filename*=UTF-8\'\'%E8%AF%AD%E6%96%87.yml', 'x.yml')).toBe('语文.yml');
    expect(filenameOf('attachment; filename="plain.yml"', 'x.yml')).toBe('plain.yml');
    expect(filenameOf(null, 'x.yml')).toBe('x.yml');
  });
});
