import { describe, expect, it } from 'vitest';
import { isTransient, lineage } from './lineage';
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
