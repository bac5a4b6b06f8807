import { describe, expect, it } from 'vitest';
import { formatScore, fusionSummary, hitRows, sortHits, stageTimes } from './hits';

describe('sortHits', () => {
  it('orders by score, best first, without mutating', () => {
    const hits = [{ score: 0.2 }, { score: 0.9 }, { score: 0.5 }];
    expect(sortHits(hits).map((h) => h.score)).toEqual([0.9, 0.5, 0.2]);
    expect(hits[0].score).toBe(0.2);
  });
});

describe('hit-test stages', () => {
  it('gives kept hits then dropped ones, each with a score per stage or a dash', () => {
    const kept = [{ score: 0.4, scores: { keyword: 0.5, vector: 0.2, fused: 0.4 } },
      { score: 0.8, scores: { keyword: 1, vector: 0.33333, fused: 0.8, rerank: 0.9 } }];
    const dropped = [{ score: 0.1, dropped_by: 'threshold', scores: { keyword: 0.1, vector: 0, fused: 0.1 } }];
    const rows = hitRows(kept, dropped);
    expect(rows.map((r) => r.stage)).toEqual(['kept', 'kept', 'dropped by threshold']);
    expect(rows[0].scores).toEqual({ keyword: '1.000', vector: '0.333', fused: '0.800', rerank: '0.900' });
    expect(rows[1].scores.rerank).toBe('—');
    expect(rows[2].kept).toBe(false);
  });

  it('formats only finite numbers', () => {
    expect(formatScore(0.12345)).toBe('0.123');
    expect(formatScore(undefined)).toBe('—');
    expect(formatScore(Number.NaN)).toBe('—');
  });

  it('lists stage times in order and describes the fusion', () => {
    expect(stageTimes([{ stage: 'vector', ms: 12.04, candidates: 50 }, { stage: 'keyword', ms: 0.8, candidates: 9 }]))
      .toBe('vector 12.0 ms · keyword 0.8 ms');
    expect(fusionSummary({ method: 'weighted', weights: { vector: 0, keyword: 1 } })).toBe('weighted fusion, vector 0.00 / keyword 1.00');
    expect(fusionSummary({ method: 'rrf', weights: { vector: 0.3, keyword: 0.7 } })).toBe('reciprocal-rank fusion, vector 0.30 / keyword 0.70');
    expect(fusionSummary({})).toBeNull();
  });
});
