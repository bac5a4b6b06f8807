import { describe, expect, it } from 'vitest';
import type { Version } from './api';
import type { Operator } from './api';
import { actions, defaultParams, describeVersion, histogramBars, stepParams, toggleChoice } from './helpers';

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

  it('says a conversion made a version', () => {
    expect(describeVersion(version({ parent: 1, format: 'text', operations: { convert: { from: 'messages', to: 'text' } } })))
      .toBe('v1 converted from messages to text');
  });

  it('fills operator parameters from their defaults and sends numbers as numbers', () => {
    const pii: Operator = { name: 'mask_pii', description: '', params: [
      { name: 'kinds', type: 'choices', default: ['url', 'email', 'id', 'phone'], choices: ['url', 'email', 'id', 'phone'] }] };
    const values = defaultParams(pii.params);
    expect(values).toEqual({ kinds: ['url', 'email', 'id', 'phone'] });
    expect(values.kinds).not.toBe(pii.params[0].default);  // a copy the form may change
    const fewer = toggleChoice(values.kinds, 'email', pii.params[0].choices ?? []);
    expect(fewer).toEqual(['url', 'id', 'phone']);
    expect(toggleChoice(fewer, 'email', pii.params[0].choices ?? [])).toEqual(['url', 'email', 'id', 'phone']);
    expect(stepParams(pii, { kinds: fewer })).toEqual({ kinds: ['url', 'id', 'phone'] });

    const near: Operator = { name: 'remove_near_duplicates', description: '', params: [{ name: 'threshold', type: 'number', default: 0.8 }] };
    expect(stepParams(near, {})).toEqual({ threshold: 0.8 });
    expect(stepParams(near, { threshold: '0.95' })).toEqual({ threshold: 0.95 });
    expect(() => stepParams(near, { threshold: 'high' })).toThrow('remove_near_duplicates: threshold must be a number');
    expect(() => stepParams(near, { threshold: '' })).toThrow('threshold must be a number');
  });
});
