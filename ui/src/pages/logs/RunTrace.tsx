import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMs } from '../../nodes/shared/BaseNode';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { logsApi, type NodeTrace, type RunDetail } from './api';
import { canRerun, canResume, nodeTokens, traceRows } from './helpers';

const POLL_MS = 500;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const json = (value: unknown) => JSON.stringify(value, null, 2);

/** One run's full trace: what it ran on and where it came from, its inputs and outputs, and every node with its
 * inputs, outputs, the prompt an LLM node sent, time, tokens and error. Re-run runs it again as it was; resume
 * runs a failed one again on the current draft from its failed node. A running run is followed until it ends. */
export function RunTrace({ runId, onOpen, onChanged }: {
  runId: string; onOpen: (runId: string) => void; onChanged: () => void;
}) {
  const { t } = useTranslation('logs');
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setRun(null); setError(null);
    const load = () => logsApi.run(runId).then((r) => {
      if (cancelled) return;
      setRun(r);
      if (r.status === 'running') timer = setTimeout(load, POLL_MS);
      else onChanged();
    }).catch((e) => { if (!cancelled) setError(message(e)); });
    void load();
    return () => { cancelled = true; if (timer) clearTimeout(timer); };
  }, [runId]); // onChanged only tells the list to refresh

  const start = async (how: 'rerun' | 'resume') => {
    setBusy(true); setError(null);
    try { onOpen((await logsApi[how](runId)).run_id); onChanged(); } catch (e) { setError(message(e)); }
    setBusy(false);
  };

  if (error && !run) return <div className="field-error" data-testid="logs-trace-error">{error}</div>;
  if (!run) return <div className="muted">{t('loading')}</div>;
  return (
    <div className="trace logs-trace" data-testid="logs-trace">
      <div className="row">
        <strong className={`status-${run.status}`} data-testid="logs-trace-status">{t(`status.${run.status}`, { defaultValue: run.status })}</strong>
        <span className="badge" data-testid="logs-trace-source">{t(`source.${run.source}`, { defaultValue: run.source })}</span>
        <span className="badge">{run.version == null ? t('draft') : t('versionN', { version: run.version })}</span>
        <span>{formatMs(run.elapsed_ms)}</span>
        <span data-testid="logs-trace-tokens">{t('tokens', { count: run.total_tokens, formatted: formatNumber(run.total_tokens) })}</span>
        <span className="spacer" />
        {canRerun(run) && <button disabled={busy} onClick={() => void start('rerun')} data-testid="logs-rerun">{t('rerun')}</button>}
        {canResume(run) && <button disabled={busy} onClick={() => void start('resume')} data-testid="logs-resume"
          title={t('resumeHint')}>{t('resume')}</button>}
      </div>
      <div className="muted">
        {t('runMeta', { id: run.run_id, time: formatDateTime(run.created_at) })}
        {run.user ? ` · ${t('user', { user: run.user })}` : ''}
        {run.resumed_from && <> · <a href="#" onClick={(e) => { e.preventDefault(); onOpen(run.resumed_from!); }}
          data-testid="logs-resumed-from">{t('resumedFrom')}</a></>}
      </div>
      {error && <div className="field-error">{error}</div>}
      {run.error && <div className="field-error" data-testid="logs-trace-run-error">{run.error}</div>}
      <div className="section-title">{t('inputs')}</div>
      <pre className="json" data-testid="logs-trace-inputs">{json(run.inputs)}</pre>
      <div className="section-title">{t('outputs')}</div>
      <pre className="json" data-testid="logs-trace-outputs">{json(run.outputs)}</pre>
      <div className="section-title">{t('nodes', { count: run.nodes.length })}</div>
      {traceRows(run.nodes).map(({ node, depth, index }) => (
        <NodeRow key={index} node={node} depth={depth} />
      ))}
    </div>
  );
}

function NodeRow({ node, depth }: { node: NodeTrace; depth: number }) {
  const { t } = useTranslation('logs');
  const tokens = nodeTokens(node);
  return (
    <details className={`trace-node status-${node.status}`} style={{ marginLeft: depth * 16 }}
      data-testid={`logs-node-${node.node_id}`} open={node.status === 'failed'}>
      <summary>
        {node.title || node.node_id} <span className="muted">{node.node_type}</span>
        {node.iteration != null ? ` · ${t('iteration', { index: node.iteration + 1 })}` : ''}
        {' · '}{t(`nodeStatus.${node.status}`, { defaultValue: node.status })}
        {node.status !== 'skipped' ? ` · ${formatMs(node.elapsed_ms)}` : ''}
        {tokens ? ` · ${t('tokens', { count: tokens, formatted: formatNumber(tokens) })}` : ''}
        {node.reused ? ` · ${t('reused')}` : ''}
        {node.attempts > 1 ? ` · ${t('attempts', { count: node.attempts })}` : ''}
      </summary>
      {node.error && <div className="field-error">{node.error}</div>}
      {node.prompt && (
        <div data-testid={`logs-prompt-${node.node_id}`}>
          <div className="muted">{t('prompt')}</div>
          {node.prompt.map((m, i) => (
            <div key={i} className="trace-message"><span className="badge">{m.role}</span><pre className="json">{m.content}</pre></div>
          ))}
        </div>
      )}
      <div className="muted">{t('inputs')}</div>
      <pre className="json">{json(node.inputs)}</pre>
      <div className="muted">{t('outputs')}{node.branch && node.branch !== 'out' ? ` · ${t('branch', { branch: node.branch })}` : ''}</div>
      <pre className="json">{json(node.outputs)}</pre>
    </details>
  );
}
