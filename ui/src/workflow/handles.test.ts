import { describe, expect, it } from 'vitest';
import { followHandles } from './handles';
import type { LoomEdge } from '../nodes/configs';

const edge = (source: string, handle: string, target: string): LoomEdge => ({ id: `${source}:${handle}->${target}`, source, target, sourceHandle: handle });

describe('followHandles', () => {
  const edges = [edge('start', 'out', 'route'), edge('route', 'case1', 'a'), edge('route', 'else', 'b')];

  it('moves the edges of a renamed handle to the new name', () => {
    const next = followHandles(edges, 'route', ['case1', 'else'], ['urgent', 'else']);
    expect(next.map((e) => e.id)).toEqual(['start:out->route', 'route:urgent->a', 'route:else->b']);
    expect(next[1].sourceHandle).toBe('urgent');
  });

  it('drops the edges of a removed handle and keeps the rest', () => {
    const more = [...edges, edge('route', 'case2', 'c')];
    const next = followHandles(more, 'route', ['case1', 'case2', 'else'], ['case2', 'else']);
    expect(next.map((e) => e.id)).toEqual(['start:out->route', 'route:else->b', 'route:case2->c']);
  });

  it('leaves edges alone when the handles did not change', () => {
    expect(followHandles(edges, 'route', ['case1', 'else'], ['case1', 'else'])).toBe(edges);
  });
});
