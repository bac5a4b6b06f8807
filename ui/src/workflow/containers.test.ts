import { describe, expect, it } from 'vitest';
import { containerOptions, flattenContainers, nestContainers, scopeOutputs } from './containers';
import type { EdgeJson, NodeJson } from './types';

const inner: NodeJson = { id: 'fmt', type: 'template-transform', position: { x: 20, y: 60 }, inputs: { t: { ref: 'each.item' } }, config: { template: '{{ t }}' } };
const nested: NodeJson = { id: 'each', type: 'iteration', inputs: { items: { ref: 'start.xs' } },
  config: { output: { ref: 'fmt.output' }, nodes: [inner, { id: 'agg', type: 'variable-aggregator', inputs: { a: { ref: 'fmt.output' } } }],
    edges: [{ source: 'fmt', target: 'agg' }] } };
const top: NodeJson[] = [{ id: 'start', type: 'start' }, nested, { id: 'end', type: 'end' }];
const topEdges: EdgeJson[] = [{ source: 'start', target: 'each' }, { source: 'each', target: 'end' }];

describe('containers', () => {
  it('flattens a sub-graph into children of its container and nests it back', () => {
    const flat = flattenContainers(top, topEdges);
    expect(flat.nodes.map((f) => [f.node.id, f.parentId])).toEqual([['start', undefined], ['each', undefined], ['fmt', 'each'], ['agg', 'each'], ['end', undefined]]);
    expect(flat.nodes[1].node.config).toEqual({ output: { ref: 'fmt.output' } });
    expect(flat.edges).toHaveLength(3);
    expect(nestContainers(flat.nodes, flat.edges)).toEqual({ nodes: top, edges: topEdges });
  });

  it('leaves an edge across containers at the top level', () => {
    const flat = flattenContainers(top, [...topEdges, { source: 'start', target: 'fmt' }]);
    const back = nestContainers(flat.nodes, flat.edges);
    expect(back.edges).toContainEqual({ source: 'start', target: 'fmt' });
    expect((back.nodes[1].config as { edges: EdgeJson[] }).edges).toEqual([{ source: 'fmt', target: 'agg' }]);
  });

  it('gives each container its scope', () => {
    expect(scopeOutputs('iteration', {}, 'array[string]')).toEqual({ item: 'string', index: 'integer' });
    expect(scopeOutputs('loop', { variables: [{ name: 'n', type: 'number' }] }, undefined)).toEqual({ n: 'number', index: 'integer' });
  });

  it('offers a child the scope and the container upstream, and a container its children', () => {
    const nodes = [
      { id: 'start', type: 'start', data: { title: 'Start', config: {} } },
      { id: 'each', type: 'iteration', data: { title: 'Each', inputs: { items: { ref: 'start.xs' } }, config: {} } },
      { id: 'fmt', type: 'template-transform', parentId: 'each', data: { title: 'Fmt', config: {} } },
    ];
    const outputsOf = (n: { id: string }): Record<string, string> => (n.id === 'start' ? { xs: 'array[number]' } : n.id === 'fmt' ? { output: 'string' } : {});
    const upstreamOf = (id: string) => (id === 'each' ? [{ ref: 'start.xs', nodeId: 'start', nodeTitle: 'Start', output: 'xs', type: 'array[number]' }] : []);
    const child = containerOptions(nodes[2], nodes, outputsOf, upstreamOf);
    expect(child.upstream.map((o) => `${o.ref}:${o.type}`)).toEqual(['each.item:number', 'each.index:integer', 'start.xs:array[number]']);
    const container = containerOptions(nodes[1], nodes, outputsOf, upstreamOf);
    expect(container.inside.map((o) => o.ref)).toEqual(['fmt.output', 'each.item', 'each.index']);
  });
});
