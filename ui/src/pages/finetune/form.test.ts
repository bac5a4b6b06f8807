import { describe, expect, it } from 'vitest';
import { duration, paramsFromForm, placeholder } from './form';

const info = { defaults: { epochs: null, learning_rate: 0.0002, target_modules: null, lora_rank: 8 }, hints: {} };

describe('new job form', () => {
  it('sends only the fields filled in, as numbers or a module list', () => {
    const out = paramsFromForm({ epochs: '3', learning_rate: ' ', target_modules: 'q_proj, v_proj,', unknown: '1' }, info);
    expect(out).toEqual({ params: { epochs: 3, target_modules: ['q_proj', 'v_proj'] }, errors: [] });
  });

  it('names a field that is not a number', () => {
    expect(paramsFromForm({ lora_rank: 'eight' }, info).errors).toEqual(["lora_rank: 'eight' is not a number"]);
  });

  it('shows defaults, and what the runner picks when there is none', () => {
    expect(placeholder('learning_rate', info)).toBe('0.0002');
    expect(placeholder('epochs', info)).toBe('auto (by dataset size)');
    expect(placeholder('target_modules', info)).toBe('all linear layers');
  });

  it('formats an ETA', () => {
    expect(duration(3725)).toBe('1 h 2 min');
    expect(duration(65)).toBe('1 min 5 s');
    expect(duration(null)).toBe('—');
  });
});
