import { useContext, useState } from 'react';
import { EditorContext } from './context';
import { useStore } from './store';
import { ganttBars } from './runState';
import { formatMs } from '../nodes/shared/BaseNode';

/** Each node's inputs/outputs/error/tokens and a Gantt timeline of the run. */
export function TracePanel() {
  const run = useStore(useContext(EditorContext).run, (s) => s);
  const [open, setOpen] = useState<string | null>(null);
  if (run.status === 'idle') return <div className="muted">No run yet.</div>;
  const bars = ganttBars(run);
  return (
    <div className="trace" data-testid="trace-panel">
      <div className="row">
        <strong data-testid="run-status">{run.status}</strong>
        {run.elapsedMs !== undefined && <span>{formatMs(run.elapsedMs)}</span>}
        {run.usage?.total_tokens !== undefined && <span>{run.usage.total_tokens} tokens</span>}
      </div>
      {run.error && <div className="field-error" data-testid="run-error">{run.error}</div>}
      <div className="gantt" data-testid="gantt">
        {bars.map((b) => (
          <div key={b.nodeId} className="gantt-row" onClick={() => setOpen(open === b.nodeId ? null : b.nodeId)}>
            <span className="gantt-label">{b.label}</span>
            <span className="gantt-track">
              <span className={`gantt-bar status-${b.status}`} style={{ left: `${b.offsetPct}%`, width: `${b.widthPct}%` }} title={`${b.status} ${formatMs(b.elapsedMs)}`} />
            </span>
            <span className="gantt-ms">{b.status === 'skipped' ? 'skipped' : formatMs(b.elapsedMs)}</span>
          </div>
        ))}
      </div>
      {run.order.map((id) => {
        const n = run.nodes[id];
        return (
          <details key={id} open={open === id} className={`trace-node status-${n.status}`} data-testid={`trace-${id}`}>
            <summary>{n.title || id} · {n.status}{n.usage?.total_tokens ? ` · ${n.usage.total_tokens} tokens` : ''}</summary>
            {n.error && <div className="field-error">{n.error}</div>}
            <div className="muted">inputs</div><pre className="json">{JSON.stringify(n.inputs ?? {}, null, 2)}</pre>
            <div className="muted">outputs</div><pre className="json">{JSON.stringify(n.outputs ?? {}, null, 2)}</pre>
          </details>
        );
      })}
    </div>
  );
}
