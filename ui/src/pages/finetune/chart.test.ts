import { describe, expect, it } from 'vitest';
import type { ProgressPoint } from './api';
import { mergePoints, scale, series } from './chart';

const point = (step: number, train: number | null, evalLoss: number | null = null): ProgressPoint => ({
  step, epoch: step / 10, train_loss: train, eval_loss: evalLoss, learning_rate: null, tokens_seen: 0,
  total_steps: 10, eta_s: null, at: 0,
});

describe('loss chart', () => {
  it('merges points in step order and skips repeats (a stream resumed after a reconnect)', () => {
    const merged = mergePoints([point(1, 3), point(2, 2.5)], [point(2, 2.5), point(2, null, 2.7), point(3, 2)]);
    expect(merged.map((p) => [p.step, p.train_loss, p.eval_loss])).toEqual([[1, 3, null], [2, 2.5, null], [2, null, 2.7], [3, 2, null]]);
  });

  it('splits train and validation losses and drops points without one', () => {
    const s = series([point(1, 3), point(2, null, 2.9), point(3, Number.NaN), point(4, 1.5, 2)]);
    expect(s.train).toEqual([[1, 3], [4, 1.5]]);
    expect(s.eval).toEqual([[2, 2.9], [4, 2]]);
  });

  it('scales losses so the highest is at the top and the last step at the right', () => {
    const out = scale({ train: [[0, 4], [10, 2]], eval: [] }, { width: 120, height: 70, pad: 10 });
    expect(out.train).toBe('M10.0,10.0 L110.0,60.0');
    expect(out.eval).toBe('');
    expect(out.xTicks.at(-1)).toEqual({ x: 110, label: '10' });
    expect(out.yTicks[0].label).toBe('2.00');
  });

  it('draws a flat curve in the middle instead of dividing by zero', () => {
    const out = scale({ train: [[1, 2], [2, 2]], eval: [] }, { width: 100, height: 100, pad: 0 });
    expect(out.train).toBe('M50.0,50.0 L100.0,50.0');
  });
});
