import { useEffect, useState } from 'react';
import { formatMs } from '../../nodes/shared/BaseNode';
import { agentApi } from './api';
import { stepElapsed, stepLabel, traceBars, traceTokens } from './traceView';
import type { TraceStep, TurnDetail, TurnSummary } from './types';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../../i18n/format';

/** A turn's trace like a workflow run's: a timeline, then each model call (messages, tokens, latency) and
 * each tool call (arguments, result, time). The recent turns of the app can be picked from a list. */
export function TurnTrace({ agentId, turnId, onPick }: { agentId: string; turnId: string | null; onPick: (id: string) => void }) {
  const { t } = useTranslation('agents');
  const [turns, setTurns] = useState<TurnSummary[]>([]);
  const [detail, setDetail] = useState<TurnDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => {
    agentApi.turns(agentId).then((ts) => { setTurns(ts); if (!turnId && ts.length) onPick(ts[0].id); }).catch((e) => setError(e.message));
  }, [agentId]); // onPick and turnId only seed the first pick
  useEffect(() => {
    if (!turnId) return;
    setDetail(null);
    agentApi.turn(turnId).then(setDetail).catch((e) => setError(e.message));
  }, [turnId]);

  return (
    <div className="trace" data-testid="agent-trace">
      <label className="field"><span className="field-label">{t('trace.turn')}</span>
        <select value={turnId ?? ''} onChange={(e) => onPick(e.target.value)} data-testid="agent-trace-turn">
          {!turnId && <option value="">—</option>}
          {turnId && !turns.some((x) => x.id === turnId) && <option value={turnId}>{turnId}</option>}
          {turns.map((x) => <option key={x.id} value={x.id}>{formatTime(x.created_at)} · {x.query.slice(0, 40)} · {x.status}</option>)}
        </select></label>
      {error && <div className="field-error">{error}</div>}
      {!turnId && !error && <div className="muted">{t('trace.empty')}</div>}
      {detail && <TraceBody detail={detail} open={open} setOpen={setOpen} />}
    </div>
  );
}

function TraceBody({ detail, open, setOpen }: { detail: TurnDetail; open: number | null; setOpen: (i: number | null) => void }) {
  const { t } = useTranslation('agents');
  const bars = traceBars(detail.trace);
  return (
    <>
      <div className="row">
        <strong data-testid="agent-trace-status">{detail.status}</strong>
        <span>{formatMs(detail.elapsed_ms)}</span>
        <span data-testid="agent-trace-tokens">{t('tokens', { count: traceTokens(detail.trace) })}</span>
      </div>
      {detail.error && <div className="field-error">{detail.error}</div>}
      <div className="muted">{t('trace.question', { query: detail.query })}</div>
      <div className="gantt" data-testid="agent-gantt">
        {bars.map((b) => (
          <div key={b.index} className="gantt-row" onClick={() => setOpen(open === b.index ? null : b.index)}>
            <span className="gantt-label" title={b.label}>{b.label}</span>
            <span className="gantt-track">
              <span className={`gantt-bar ${b.failed ? 'status-failed' : b.kind === 'model' ? '' : 'status-succeeded'}`} style={{ left: `${b.offsetPct}%`, width: `${b.widthPct}%` }} title={formatMs(b.elapsedMs)} />
            </span>
            <span className="gantt-ms">{formatMs(b.elapsedMs)}</span>
          </div>
        ))}
      </div>
      {detail.trace.map((s, i) => (
        <details key={i} open={open === i} className={`trace-node ${s.error ? 'status-failed' : ''}`} data-testid={`agent-trace-${s.kind}`}>
          <summary>{stepLabel(s)} · {formatMs(stepElapsed(s))}{s.kind === 'model' && s.usage ? ` · ${t('tokens', { count: Number((s.usage as Record<string, unknown>).total_tokens ?? 0) })}` : ''}{s.error ? ` · ${t('preview.failed')}` : ''}</summary>
          <StepDetail step={s} />
        </details>
      ))}
    </>
  );
}

const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

function StepDetail({ step: s }: { step: TraceStep }) {
  const { t } = useTranslation('agents');
  if (s.kind === 'model') {
    const usage = (s.usage ?? {}) as Record<string, unknown>;
    const messages = (s.messages as { role: string; content: unknown; tool_calls?: unknown; tool_call_id?: string }[] | undefined) ?? [];
    return (
      <div data-testid="agent-trace-model-detail">
        <div className="muted">{t('trace.modelLine', { model: String(s.model), latency: formatMs(Number(s.latency_ms ?? 0)) })}{s.first_token_ms != null ? ` · ${t('trace.firstToken', { ms: formatMs(Number(s.first_token_ms)) })}` : ''} · {t('trace.usage', { prompt: String(usage.prompt_tokens ?? '?'), completion: String(usage.completion_tokens ?? '?') })}{s.finish_reason ? ` · ${String(s.finish_reason)}` : ''}</div>
        {Array.isArray(s.tools) && s.tools.length > 0 && <div className="muted">{t('trace.toolsOffered', { tools: (s.tools as string[]).join(', ') })}</div>}
        {s.error ? <div className="field-error">{String(s.error)}</div> : null}
        <div className="muted">{t('trace.messages', { count: messages.length })}</div>
        {messages.map((m, i) => (
          <div key={i} className="trace-message"><span className="badge">{m.role}{m.tool_call_id ? ` · ${m.tool_call_id}` : ''}</span>
            <pre className="json">{m.content == null ? '' : json(m.content)}{m.tool_calls ? `\n${json(m.tool_calls)}` : ''}</pre></div>
        ))}
        {s.text ? <><div className="muted">{t('trace.reply')}</div><pre className="json">{String(s.text)}</pre></> : null}
        {Array.isArray(s.tool_calls) && s.tool_calls.length > 0 && <><div className="muted">{t('trace.toolCalls')}</div><pre className="json">{json(s.tool_calls)}</pre></>}
      </div>
    );
  }
  if (s.kind === 'tool') {
    return (
      <div data-testid="agent-trace-tool-detail">
        <div className="muted">{String(s.kind_of ?? '')} {String(s.source ?? '')} · {formatMs(Number(s.elapsed_ms ?? 0))}{s.truncated ? ` · ${t('trace.truncated', { size: String(s.size) })}` : ''}{s.run_id ? ` · ${t('trace.run', { id: String(s.run_id) })}` : ''}</div>
        <div className="muted">{t('trace.arguments')}</div><pre className="json">{json(s.arguments)}</pre>
        <div className="muted">{t('trace.result')}</div><pre className="json">{String(s.result ?? '')}</pre>
        {s.error ? <div className="field-error">{String(s.error)}</div> : null}
      </div>
    );
  }
  return <pre className="json">{json({ query: s.query, knowledge_bases: s.knowledge_bases, hits: s.hits })}</pre>;
}
