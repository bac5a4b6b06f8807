import { describe, expect, it } from 'vitest';
import { applyEvent, idleRun } from './runState';

describe('applyEvent inside containers', () => {
  it('lists each iteration of a child in the trace and shows the latest on its node', () => {
    const events = [
      { type: 'run_started', run_id: 'r', ts: 1 },
      { type: 'node_started', node_id: 'each', node_type: 'iteration', ts: 1 },
      ...[0, 1].flatMap((i) => [
        { type: 'node_started', node_id: 'fmt', node_type: 'template-transform', title: 'Fmt', parent_id: 'each', iteration: i, ts: 1 + i, inputs: { t: i } },
        { type: 'node_finished', node_id: 'fmt', node_type: 'template-transform', title: 'Fmt', parent_id: 'each', iteration: i, ts: 1.5 + i, status: 'succeeded', outputs: { output: `#${i}` } },
      ]),
      { type: 'node_finished', node_id: 'each', node_type: 'iteration', ts: 3, status: 'succeeded', outputs: { output: ['#0', '#1'] } },
    ];
    const run = events.reduce(applyEvent, idleRun);
    expect(run.order).toEqual(['each', 'fmt#0', 'fmt#1']);
    expect(run.nodes['fmt#1'].title).toBe('Fmt · each #1');
    expect(run.nodes['fmt#0'].outputs).toEqual({ output: '#0' });
    expect(run.nodes.fmt.outputs).toEqual({ output: '#1' });
  });
});
