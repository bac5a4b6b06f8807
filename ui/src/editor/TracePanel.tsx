import { useContext, useState } from 'react';
import { EditorContext } from './context';
import { useStore } from './store';
import { ganttBars } from './runState';
import { formatMs } from '../nodes/shared/BaseNode';
import { useTranslation } from 'react-i18next';

/** Each node's inputs/outputs/error/tokens and a Gantt timeline of the run. */
export function TracePanel() {
  const { t } = useTranslation('editor');
  const run = useStore(useContext(EditorContext).run, (s) => s);
  const [open, setOpen] = useState<string | null>(null);
  if (run.status === 'idle') return <div className="muted">{t('trace.noRun')}</div>;
  const bars = ganttBars(run);
  return (
    <div className="trace" data-testid="trace-panel">
      <div className="row">
        <strong data-testid="run-status">{t(`trace.status.${run.status}`, { defaultValue: run.status })}</strong>
        {run.elapsedMs !== undefined && <span>{formatMs(run.elapsedMs)}</span>}
        {run.usage?.total_tokens !== undefined && <span>{t('trace.tokens', { count: run.usage.total_tokens })}</span>}
      </div>
      {run.error && <div className="field-error" data-testid="run-error">{run.error}</div>}
      <div className="gantt" data-testid="gantt">
        {bars.map((b) => (
          <div key={b.nodeId} className="gantt-row" onClick={() => setOpen(open === b.nodeId ? null : b.nodeId)}>
            <span className="gantt-label">{b.label}</span>
            <span className="gantt-track">
              <span className={`gantt-bar status-${b.status}`} style={{ left: `${b.offsetPct}%`, width: `${b.widthPct}%` }} title={`${t(`trace.status.${b.status}`, { defaultValue: b.status })} ${formatMs(b.elapsedMs)}`} />
            </span>
            <span className="gantt-ms">{b.status === 'skipped' ? t('trace.status.skipped') : formatMs(b.elapsedMs)}</span>
          </div>
        ))}
      </div>
      {run.order.map((id) => {
        const n = run.nodes[id];
        return (
          <details key={id} open={open === id} className={`trace-node status-${n.status}`} data-testid={`trace-${id}`}>
            <summary>{n.title || id} · {t(`trace.status.${n.status}`, { defaultValue: n.status })}{n.usage?.total_tokens ? ` · ${t('trace.tokens', { count: n.usage.total_tokens })}` : ''}</summary>
            {n.error && <div className="field-error">{n.error}</div>}
            <div className="muted">{t('trace.inputs')}</div><pre className="json">{JSON.stringify(n.inputs ?? {}, null, 2)}</pre>
            <div className="muted">{t('trace.outputs')}</div><pre className="json">{JSON.stringify(n.outputs ?? {}, null, 2)}</pre>
          </details>
        );
      })}
    </div>
  );
}
