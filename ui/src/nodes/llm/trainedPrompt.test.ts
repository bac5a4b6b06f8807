import { describe, expect, it } from 'vitest';
import { trainingSystemPrompt, withSystemPrompt } from './trainedPrompt';

describe('training system prompt', () => {
  it('is read from a fine-tuned model\'s lineage only', () => {
    expect(trainingSystemPrompt({ kind: 'finetune', spec: { lineage: { system_prompt: 'You answer as the support bot.' } } }))
      .toBe('You answer as the support bot.');
    expect(trainingSystemPrompt({ kind: 'finetune', spec: { lineage: { system_prompt: null } } })).toBeNull();
    expect(trainingSystemPrompt({ kind: 'finetune', spec: {} })).toBeNull();
    expect(trainingSystemPrompt({ kind: 'base', spec: { lineage: { system_prompt: 'x' } } })).toBeNull();
  });

  it('replaces the leading system message, or puts one first', () => {
    expect(withSystemPrompt([{ role: 'system', content: 'old' }, { role: 'user', content: '{{query}}' }], 'new'))
      .toEqual([{ role: 'system', content: 'new' }, { role: 'user', content: '{{query}}' }]);
    expect(withSystemPrompt([{ role: 'user', content: 'hi' }], 'new'))
      .toEqual([{ role: 'system', content: 'new' }, { role: 'user', content: 'hi' }]);
  });
});
