import { describe, expect, it } from 'vitest';
import { describeTraining, isTransient, lineage } from './lineage';
import type { ModelRow } from './api';

const row = (name: string, kind: ModelRow['kind'], version = 1, spec: Record<string, unknown> = {}): ModelRow =>
  ({ id: `${name}-${version}`, name, kind, version, spec, created_at: 0 });

describe('model lineage', () => {
  it('groups fine-tuned versions under their base, newest first', () => {
    const groups = lineage([row('qwen', 'base'), row('yuwen', 'finetune', 1, { base: 'qwen' }), row('yuwen', 'finetune', 2, { base: 'qwen' }),
      row('api', 'endpoint'), row('orphan', 'finetune', 1, { base: 'llama' })]);
    expect(groups.map((g) => g.baseName)).toEqual(['llama', 'qwen']);
    expect(groups[0].base).toBeNull();
    expect(groups[1].finetunes.map((f) => `${f.name} v${f.version}`)).toEqual(['yuwen v2', 'yuwen v1']);
  });

  it('knows which states change on their own', () => {
    expect(isTransient('starting')).toBe(true);
    expect(isTransient('ready')).toBe(false);
    expect(isTransient('stopped')).toBe(false);
  });
});

describe('describeTraining', () => {
  it('says how a fine-tuning job made the version, and nothing for one registered by hand', () => {
    const spec = { lineage: { base: { model: 'tiny', version: 1 }, parent: { model: 'bot', version: 1 },
      dataset: { id: 'abc', version: 2 }, final_train_loss: 1.23456, final_eval_loss: null, system_prompt: 'Be brief.',
      job_id: '0123456789abcdef' } };
    expect(describeTraining(spec)).toBe('continued from bot v1 · dataset abc v2 · train loss 1.235 · system prompt “Be brief.” · job 01234567');
    expect(describeTraining({ lineage: { base: { model: 'tiny', version: 1 } } })).toBe('trained on tiny');
    expect(describeTraining({})).toBeNull();
  });
});
