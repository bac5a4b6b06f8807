import { describe, expect, it } from 'vitest';
import type { WorkflowJson } from '../../workflow/types';
import { diffGraph } from './diffGraph';

const v1: WorkflowJson = {
  version: '1', name: 'W', mode: 'workflow',
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, config: { variables: [] } },
    { id: 'tpl', type: 'template-transform', position: { x: 300, y: 0 }, config: { template: 'a' } },
    { id: 'end', type: 'end', position: { x: 600, y: 0 } },
  ],
  edges: [{ source: 'start', target: 'tpl' }, { source: 'tpl', target: 'end' }],
} as unknown as WorkflowJson;

describe('diffGraph', () => {
  it('draws the newer nodes plus the removed ones, each tagged with its change', () => {
    const v2 = {
      ...v1,
      nodes: [v1.nodes[0], { ...v1.nodes[1], config: { template: 'b' } }, { id: 'more', type: 'template-transform', position: { x: 450, y: 100 }, config: { template: 'c' } }],
      edges: [{ source: 'start', target: 'tpl' }, { source: 'tpl', target: 'more' }],
    } as unknown as WorkflowJson;
    const graph = diffGraph(v1, v2);
    expect(Object.fromEntries(graph.nodes.map((n) => [n.id, n.className]))).toEqual({
      start: 'diff-unchanged', tpl: 'diff-changed', more: 'diff-added', end: 'diff-removed',
    });
    expect(graph.nodes.find((n) => n.id === 'end')?.position).toEqual({ x: 600, y: 0 });
    expect(Object.fromEntries(graph.edges.map((e) => [e.id, e.className]))).toEqual({
      'start:out->tpl': 'diff-unchanged', 'tpl:out->more': 'diff-added', 'tpl:out->end': 'diff-removed',
    });
    expect(graph.nodes.every((n) => n.draggable === false)).toBe(true);
  });
});
