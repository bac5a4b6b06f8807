import { describe, expect, it } from 'vitest';
import { applyEvent, ganttBars, idleRun } from './runState';

const events = [
  { type: 'run_started', run_id: 'r1', seq: 0, ts: 100, workflow: 'w', mode: 'workflow', inputs: { query: 'q' } },
  { type: 'node_started', run_id: 'r1', seq: 1, ts: 100, node_id: 'start', node_type: 'start', inputs: {} },
  { type: 'node_finished', run_id: 'r1', seq: 2, ts: 100.5, node_id: 'start', node_type: 'start', status: 'succeeded', outputs: { query: 'q' }, elapsed_ms: 500 },
  { type: 'node_started', run_id: 'r1', seq: 3, ts: 100.5, node_id: 'llm', node_type: 'llm', inputs: { query: 'q' } },
  { type: 'text_chunk', run_id: 'r1', seq: 4, ts: 100.6, node_id: 'llm', delta: 'Hel' },
  { type: 'text_chunk', run_id: 'r1', seq: 5, ts: 100.7, node_id: 'llm', delta: 'lo' },
  { type: 'node_finished', run_id: 'r1', seq: 6, ts: 101, node_id: 'llm', node_type: 'llm', status: 'succeeded', outputs: { text: 'Hello' }, elapsed_ms: 500, usage: { total_tokens: 5 } },
  { type: 'node_finished', run_id: 'r1', seq: 7, ts: 101, node_id: 'other', node_type: 'llm', status: 'skipped' },
  { type: 'run_finished', run_id: 'r1', seq: 8, ts: 101, status: 'succeeded', outputs: { answer: 'Hello' }, elapsed_ms: 1000 },
];

describe('applyEvent', () => {
  it('folds a run into node statuses, streamed text and outputs', () => {
    const s = events.reduce(applyEvent, idleRun);
    expect(s.status).toBe('succeeded');
    expect(s.nodes.llm.status).toBe('succeeded');
    expect(s.nodes.llm.usage).toEqual({ total_tokens: 5 });
    expect(s.nodes.other.status).toBe('skipped');
    expect(s.text.llm).toBe('Hello');
    expect(s.order).toEqual(['start', 'llm', 'other']);
    expect(s.outputs).toEqual({ answer: 'Hello' });
  });

  it('shows running nodes before they finish', () => {
    const s = events.slice(0, 5).reduce(applyEvent, idleRun);
    expect(s.status).toBe('running');
    expect(s.nodes.llm.status).toBe('running');
  });

  it('lays out gantt bars over the run span', () => {
    const bars = ganttBars(events.reduce(applyEvent, idleRun));
    expect(bars.map((b) => [b.nodeId, Math.round(b.offsetPct), Math.round(b.widthPct)])).toEqual([
      ['start', 0, 50], ['llm', 50, 50], ['other', 100, 1],
    ]);
  });
});
