import { describe, expect, it } from 'vitest';
import { byMetric, candidatesFrom, fmt, percent, runBody, withInterval } from './helpers';

describe('evaluation helpers', () => {
  it('gives candidates short ids per kind and reads versions', () => {
    const got = candidatesFrom([
      { kind: 'model', ref: 'qwen', version: '' }, { kind: 'workflow', ref: 'wf1', version: '2' },
      { kind: 'workflow', ref: 'wf1', version: 'draft' }, { kind: 'model', ref: '', version: '' },
      { kind: 'agent', ref: 'agent-x', version: '' }]);
    expect(got.map((c) => c.candidate_id)).toEqual(['m1', 'w1', 'w2', 'a1']);
    expect(got[1]).toMatchObject({ kind: 'workflow', workflow_id: 'wf1', version: 2, name: 'wf1 v2' });
    expect(got[2]).toMatchObject({ version: null, name: 'wf1 (draft)' });
  });

  it('refuses a run without set, candidates or scoring, naming the field', () => {
    expect(runBody('', '', [], [], null, 4).errors).toEqual([
      'set: choose an evaluation set', 'candidates: choose at least one', 'metrics: choose a metric or a judge']);
    const many = Array.from({ length: 11 }, () => ({ kind: 'model' as const, ref: 'm', version: '' }));
    expect(runBody('', 's', many, ['exact-match'], null, 4).errors).toEqual(['candidates: at most 10']);
    const pairwise = runBody('', 's', [{ kind: 'model', ref: 'm', version: '' }], [],
      { model: 'j', mode: 'pairwise', rubric: null, language: 'en', baseline: null }, 4);
    expect(pairwise.errors).toEqual(['judge.baseline: choose the candidate the others are compared with']);
    const ok = runBody('r', 's', [{ kind: 'model', ref: 'm', version: '' }], ['bleu'], null, 2);
    expect(ok.body).toEqual({ name: 'r', set_id: 's', concurrency: 2, judge: null, metrics: [{ name: 'bleu' }],
      candidates: [{ kind: 'model', candidate_id: 'm1', name: 'm', model: 'm' }] });
  });

  it('formats scores with their intervals', () => {
    expect(withInterval({ candidate_id: 'a', metric: 'm', value: 0.5, ci_low: 0.25, ci_high: 0.75, n: 4 }))
      .toBe('0.500 [0.250, 0.750]');
    expect(withInterval({ candidate_id: 'a', metric: 'm', value: null, ci_low: null, ci_high: null, n: 0 })).toBe('—');
    expect(fmt(null)).toBe('—');
    expect(percent(3, 4)).toBe(75);
    expect(percent(0, 0)).toBe(0);
    const table = byMetric([{ candidate_id: 'a', metric: 'm', value: 1, ci_low: 1, ci_high: 1, n: 1 }]);
    expect(table.get('m')?.get('a')?.value).toBe(1);
  });
});
