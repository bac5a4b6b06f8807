import { describe, expect, it } from 'vitest';
import { canonical, draftKey, dropDraft, keepDraft, restoreDraft } from './drafts';
import type { WorkflowJson } from './types';

function memory() {
  const map = new Map<string, string>();
  return { map, getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => { map.set(k, v); }, removeItem: (k: string) => { map.delete(k); } };
}

const server: WorkflowJson = { version: '1', name: 'A', mode: 'workflow', nodes: [{ id: 'start', type: 'start', config: { variables: [] } }], edges: [] } as unknown as WorkflowJson;
const edited = { ...server, nodes: [...server.nodes, { id: 'x', type: 'code', config: {} }] } as unknown as WorkflowJson;

describe('unsaved drafts', () => {
  it('keeps and restores a draft per workflow', () => {
    const s = memory();
    keepDraft(s, 'w1', edited, 3, 42);
    expect(restoreDraft(s, 'w1', server)).toEqual({ definition: edited, problems: 3, at: 42 });
    expect(restoreDraft(s, 'w2', server)).toBeNull();
  });

  it('drops a draft equal to the server copy, whatever the key order', () => {
    const s = memory();
    const reordered = JSON.parse(canonical(server)) as WorkflowJson;
    keepDraft(s, 'w1', reordered, 1);
    expect(restoreDraft(s, 'w1', server)).toBeNull();
    expect(s.map.has(draftKey('w1'))).toBe(false);
  });

  it('drops unreadable drafts and survives a full storage', () => {
    const s = memory();
    s.setItem(draftKey('w1'), '{not json');
    expect(restoreDraft(s, 'w1', server)).toBeNull();
    s.setItem(draftKey('w1'), '{"definition": 5}');
    expect(restoreDraft(s, 'w1', server)).toBeNull();
    const full = { ...memory(), setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(() => keepDraft(full, 'w1', edited, 1)).not.toThrow();
    keepDraft(s, 'w1', edited, 1);
    dropDraft(s, 'w1');
    expect(restoreDraft(s, 'w1', server)).toBeNull();
  });

  it('canonical JSON sorts keys at every level but keeps array order', () => {
    expect(canonical({ b: 1, a: { d: [2, 1], c: 0 } })).toBe('{"a":{"c":0,"d":[2,1]},"b":1}');
  });
});
