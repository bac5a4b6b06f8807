import { describe, expect, it } from 'vitest';
import { sortHits } from './hits';

describe('sortHits', () => {
  it('orders by score, best first, without mutating', () => {
    const hits = [{ score: 0.2 }, { score: 0.9 }, { score: 0.5 }];
    expect(sortHits(hits).map((h) => h.score)).toEqual([0.9, 0.5, 0.2]);
    expect(hits[0].score).toBe(0.2);
  });
});
