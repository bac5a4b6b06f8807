// Lays a turn's trace (docs/agents.md "The trace") out on a timeline like a workflow run's Gantt chart:
// model calls and retrievals one after another, the tool calls of one step side by side from their
// recorded start times (they run concurrently).
import type { TraceStep } from './types';

export interface TraceBar {
  index: number; label: string; kind: TraceStep['kind']; failed: boolean;
  startMs: number; elapsedMs: number; offsetPct: number; widthPct: number;
}

function num(v: unknown): number { return typeof v === 'number' && Number.isFinite(v) ? v : 0; }

export function stepLabel(s: TraceStep): string {
  if (s.kind === 'model') return `model · step ${s.step ?? '?'}`;
  if (s.kind === 'tool') return String(s.tool ?? 'tool');
  return 'retrieval';
}

export function stepElapsed(s: TraceStep): number {
  return s.kind === 'model' ? num(s.latency_ms) : num(s.elapsed_ms);
}

export function traceBars(trace: TraceStep[]): TraceBar[] {
  const placed: { index: number; start: number; elapsed: number }[] = [];
  let cursor = 0;
  for (let i = 0; i < trace.length;) {
    const s = trace[i];
    if (s.kind === 'tool') {
      let j = i;
      while (j < trace.length && trace[j].kind === 'tool' && trace[j].step === s.step) j++;
      const group = trace.slice(i, j);
      const base = Math.min(...group.map((t) => num(t.started_at) || Infinity));
      let end = cursor;
      group.forEach((t, k) => {
        const offset = Number.isFinite(base) && num(t.started_at) ? (num(t.started_at) - base) * 1000 : 0;
        const start = cursor + offset;
        placed.push({ index: i + k, start, elapsed: stepElapsed(t) });
        end = Math.max(end, start + stepElapsed(t));
      });
      cursor = end;
      i = j;
    } else {
      placed.push({ index: i, start: cursor, elapsed: stepElapsed(s) });
      cursor += stepElapsed(s);
      i++;
    }
  }
  const total = cursor || 1;
  return placed.map(({ index, start, elapsed }) => {
    const s = trace[index];
    return {
      index, label: stepLabel(s), kind: s.kind, failed: Boolean(s.error), startMs: start, elapsedMs: elapsed,
      offsetPct: (start / total) * 100, widthPct: Math.max((elapsed / total) * 100, 0.5),
    };
  });
}

/** Total tokens of the model calls in a trace. */
export function traceTokens(trace: TraceStep[]): number {
  return trace.reduce((sum, s) => sum + (s.kind === 'model' ? num((s.usage as Record<string, unknown> | undefined)?.total_tokens) : 0), 0);
}
