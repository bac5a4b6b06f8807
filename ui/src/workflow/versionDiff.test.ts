import { describe, expect, it } from 'vitest';
import type { NodeJson, WorkflowJson } from './types';
import { diffWorkflows, edgeKey } from './versionDiff';

const start: NodeJson = { id: 'start', type: 'start', config: { variables: [{ name: 'q', type: 'string' }] }, position: { x: 0, y: 0 } };
const llm: NodeJson = {
  id: 'llm', type: 'llm', title: 'Answer', inputs: { query: { ref: 'start.q' } },
  config: { model: 'qwen', prompt: [{ role: 'user', text: '{{query}}' }] }, position: { x: 200, y: 0 },
};
const end: NodeJson = { id: 'end', type: 'end', inputs: { answer: { ref: 'llm.text' } }, position: { x: 400, y: 0 } };
const v1: WorkflowJson = {
  version: '1', name: 'support', nodes: [start, llm, end],
  edges: [{ id: 'e1', source: 'start', target: 'llm' }, { id: 'e2', source: 'llm', target: 'end' }],
};

describe('diffWorkflows', () => {
  it('finds nothing between a definition and itself, nor when nodes only moved or edges got new ids', () => {
    const moved: WorkflowJson = {
      ...v1, nodes: v1.nodes.map((n) => ({ ...n, position: { x: 9, y: 9 } })),
      edges: [{ id: 'x', source: 'start', target: 'llm', source_handle: 'out' }, { source: 'llm', target: 'end' }],
    };
    const diff = diffWorkflows(v1, moved);
    expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 5 });
    expect(diff.workflow).toEqual([]);
  });

  it('lists added, removed and changed nodes and edges, with the changed fields of each node', () => {
    const check: NodeJson = { id: 'check', type: 'if-else', config: { cases: [{ id: 'yes', logic: 'and', conditions: [] }] } };
    const v2: WorkflowJson = {
      ...v1, name: 'support desk',
      nodes: [start, check, { ...llm, title: 'Reply', config: { model: 'qwen-max', prompt: [{ role: 'user', text: '{{query}}!' }] } }],
      edges: [{ source: 'start', target: 'check' }, { source: 'check', source_handle: 'yes', target: 'llm' }],
    };
    const diff = diffWorkflows(v1, v2);
    expect(diff.nodes.map((n) => [n.id, n.change])).toEqual([
      ['start', 'unchanged'], ['check', 'added'], ['llm', 'changed'], ['end', 'removed']]);
    expect(diff.nodes[2].fields).toEqual([
      { path: 'title', before: 'Answer', after: 'Reply' },
      { path: 'config.model', before: 'qwen', after: 'qwen-max' },
      { path: 'config.prompt[0].text', before: '{{query}}', after: '{{query}}!' },
    ]);
    expect(diff.edges.map((e) => [e.key, e.change])).toEqual([
      ['start:out->check', 'added'], ['check:yes->llm', 'added'], ['start:out->llm', 'removed'], ['llm:out->end', 'removed']]);
    expect(diff.workflow).toEqual([{ path: 'name', before: 'support', after: 'support desk' }]);
    expect(diff.counts).toEqual({ added: 3, removed: 3, changed: 1, unchanged: 1 });
  });

  it('treats a field left out, null, {} and [] alike, and names list items and odd keys by index and quotes', () => {
    const bare: NodeJson = { id: 'end', type: 'end' };
    const filled: NodeJson = { id: 'end', type: 'end', title: null, inputs: {}, config: { 'a b': [], list: [1, 2] }, retry: null };
    const grown: NodeJson = { ...filled, config: { 'a b': ['x'], list: [1, 3, 4] } };
    const diff = (a: NodeJson, b: NodeJson) => diffWorkflows({ ...v1, nodes: [a], edges: [] }, { ...v1, nodes: [b], edges: [] }).nodes[0];
    expect(diff(bare, { ...filled, config: {} }).change).toBe('unchanged');
    expect(diff(filled, grown).fields).toEqual([
      { path: 'config["a b"][0]', before: undefined, after: 'x' },
      { path: 'config.list[1]', before: 2, after: 3 },
      { path: 'config.list[2]', before: undefined, after: 4 },
    ]);
  });

  it('names an edge by its source, branch and target', () => {
    expect(edgeKey({ source: 'a', target: 'b' })).toBe('a:out->b');
    expect(edgeKey({ source: 'a', target: 'b', source_handle: 'else' })).toBe('a:else->b');
  });
});
