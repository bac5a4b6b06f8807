import { describe, expect, it } from 'vitest';
import type { Version } from './api';
import { actions, describeVersion, histogramBars, parseParams } from './helpers';

const version = (over: Partial<Version>): Version => ({
  dataset_id: 'd', number: 1, stage: 'raw', parent: null, format: 'messages', source: 'a.jsonl', rows: 3,
  train_rows: null, validation_rows: null, report: { rows: 3, format: 'messages', bad: [], stats: {} as Version['report']['stats'] },
  operations: { imported: 'a.jsonl' }, created_at: 0, published_at: null, ...over,
});

describe('dataset helpers', () => {
  it('draws the histogram up to the last filled bucket, scaled to the fullest', () => {
    const bars = histogramBars([{ upto: 128, rows: 2 }, { upto: 256, rows: 4 }, { upto: 512, rows: 0 }, { upto: null, rows: 0 }]);
    expect(bars).toEqual([{ label: '≤ 128', rows: 2, percent: 50 }, { label: '≤ 256', rows: 4, percent: 100 }]);
    const open = histogramBars([{ upto: 128, rows: 0 }, { upto: null, rows: 1 }]);
    expect(open.map((b) => b.label)).toEqual(['≤ 128', '> 128']);
    expect(histogramBars([{ upto: 128, rows: 0 }, { upto: null, rows: 0 }])).toEqual([{ label: '≤ 128', rows: 0, percent: 0 }]);
  });

  it('says what made a version', () => {
    expect(describeVersion(version({}))).toBe('imported from a.jsonl');
    expect(describeVersion(version({ parent: 1, operations: { steps: [{ operator: 'mask_pii', params: {} }, { operator: 'remove_exact_duplicates', params: {} }] } })))
      .toBe('mask_pii → remove_exact_duplicates on v1');
    expect(describeVersion(version({ parent: 2, train_rows: 9, validation_rows: 1, operations: { split: { validation: 0.1, seed: 0, stratify_by: null } } })))
      .toBe('split of v2: 9 train / 1 validation');
  });

  it('publishes only split versions and never deletes published ones', () => {
    expect(actions(version({}))).toEqual({ publish: false, remove: true });
    expect(actions(version({ stage: 'processed', train_rows: 4, validation_rows: 1 }))).toEqual({ publish: true, remove: true });
    expect(actions(version({ stage: 'published', train_rows: 4, validation_rows: 1 }))).toEqual({ publish: false, remove: false });
  });

  it('reads operator parameters as a JSON object', () => {
    expect(parseParams('mask_pii', '')).toEqual({});
    expect(parseParams('mask_pii', '{"kinds": ["email"]}')).toEqual({ kinds: ['email'] });
    expect(() => parseParams('mask_pii', '{kinds')).toThrow('mask_pii: parameters are not valid JSON');
    expect(() => parseParams('mask_pii', '[1]')).toThrow('must be a JSON object');
  });
});
