import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { formatMs } from '../../nodes/shared/BaseNode';
import { agentApi } from './api';
import { applyAgentEvent, prettyJson, shownAnswer, startTurn, type AgentTurn, type PreviewStep } from './chatState';
import type { AgentConfig } from './types';
import { useTranslation } from 'react-i18next';

/** Live preview of the draft: opening statement, suggested questions, streamed answers with each tool call
 * and retrieval as a collapsible step, errors, restart, and a link to each turn's trace. */
export function AgentPreview({ agentId, config, beforeSend, onTrace }: { agentId: string; config: AgentConfig; beforeSend: () => Promise<boolean>; onTrace: (turnId: string) => void }) {
  const { t } = useTranslation('agents');
  const [turns, setTurns] = useState<AgentTurn[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [files, setFiles] = useState<{ file_id: string; name: string }[]>([]);
  const abort = useRef<AbortController | null>(null);
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => { bottom.current?.scrollIntoView?.({ block: 'nearest' }); }, [turns]);

  // After a restart, late events of the aborted turn have no turn to land in.
  const update = (f: (turn: AgentTurn) => AgentTurn) => setTurns((ts) => (ts.length ? [...ts.slice(0, -1), f(ts[ts.length - 1])] : ts));
  const send = async (query: string) => {
    if (!query.trim() || busy) return;
    setError(null); setBusy(true); setDraft('');
    const attached = files;
    setFiles([]);
    if (!(await beforeSend())) { setError(t('notSaved')); setBusy(false); return; }
    setTurns((ts) => [...ts, startTurn(query)]);
    const controller = new AbortController();
    abort.current = controller;
    try {
      await agentApi.chat(agentId, { query, conversation_id: conversationId ?? undefined, files: attached.map((f) => ({ file_id: f.file_id })) }, (e, name) => {
        if (typeof e.conversation_id === 'string') setConversationId(e.conversation_id);
        update((turn) => applyAgentEvent(turn, e, name));
      }, controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) {
        const message = err instanceof Error ? err.message : String(err);
        update((turn) => ({ ...turn, status: 'failed', error: message }));
      }
    }
    setBusy(false);
  };
  const attach = async (list: FileList | null) => {
    try {
      for (const f of Array.from(list ?? [])) {
        const info = await api.uploadFile(f);
        setFiles((fs) => [...fs, { file_id: String(info.file_id), name: String(info.name ?? f.name) }]);
      }
    } catch (err) { setError(err instanceof Error ? err.message : String(err)); }
  };
  const restart = () => { abort.current?.abort(); setTurns([]); setConversationId(null); setError(null); setBusy(false); };

  return (
    <div className="chat agent-chat" data-testid="agent-preview">
      <div className="row"><strong>{config.icon} {config.name}</strong><span className="spacer" />
        <button type="button" onClick={restart} data-testid="agent-chat-restart">{t('preview.restart')}</button></div>
      {config.opening_statement && <div className="bubble assistant" data-testid="agent-opening-statement">{config.opening_statement}</div>}
      {turns.length === 0 && config.suggested_questions.filter((q) => q.trim()).map((q) => (
        <button type="button" key={q} className="suggested" onClick={() => send(q)} data-testid="agent-suggested-question">{q}</button>
      ))}
      {turns.map((turn, i) => (
        <div key={i} className="agent-turn" data-testid="agent-turn">
          <div className="bubble user" data-testid="agent-chat-user">{turn.query}</div>
          {turn.steps.map((s, k) => <StepView key={k} step={s} />)}
          {(turn.status === 'running' || shownAnswer(turn)) && (
            <div className={`bubble assistant ${turn.status === 'step_limit' ? 'warn' : ''}`} data-testid="agent-chat-assistant">{shownAnswer(turn) || '…'}</div>
          )}
          {turn.error && <div className="field-error" data-testid="agent-chat-error">{turn.error}</div>}
          {turn.status !== 'running' && (
            <div className="row muted" data-testid="agent-turn-footer">
              <span data-testid="agent-turn-status">{turn.status}</span>
              {turn.elapsedMs !== undefined && <span>{formatMs(turn.elapsedMs)}</span>}
              {turn.usage?.total_tokens !== undefined && <span>{t('tokens', { count: turn.usage.total_tokens })}</span>}
              {turn.turnId && <button type="button" className="link" onClick={() => onTrace(turn.turnId!)} data-testid="agent-turn-trace">{t('tabs.trace')}</button>}
            </div>
          )}
        </div>
      ))}
      {error && <div className="field-error" data-testid="agent-preview-error">{error}</div>}
      <div ref={bottom} />
      {files.length > 0 && (
        <div className="row" data-testid="agent-attached">{files.map((f) => (
          <span key={f.file_id} className="chip">📎 {f.name} <button type="button" className="icon" onClick={() => setFiles((fs) => fs.filter((x) => x !== f))}>✕</button></span>
        ))}</div>
      )}
      <form className="row" onSubmit={(e) => { e.preventDefault(); void send(draft); }}>
        <span className="inline" title={t('preview.attach')}><button type="button" className="icon" onClick={(e) => (e.currentTarget.nextElementSibling as HTMLInputElement | null)?.click()}>📎</button>
          <input type="file" multiple hidden data-testid="agent-attach" onChange={(e) => { void attach(e.target.files); e.target.value = ''; }} /></span>
        <input className="chat-input" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={t('preview.ask')} data-testid="agent-chat-input" />
        <button type="submit" disabled={busy} data-testid="agent-chat-send">{t('preview.send')}</button>
      </form>
    </div>
  );
}

function StepView({ step }: { step: PreviewStep }) {
  const { t } = useTranslation('agents');
  if (step.kind === 'thought') return <div className="agent-thought muted" data-testid="agent-thought">{step.text}</div>;
  if (step.kind === 'retrieval') {
    return (
      <details className="tool-step" data-testid="retrieval-step">
        <summary>📚 {t('preview.retrieved', { count: step.hits.length, kbs: step.knowledgeBases.join(', ') })} · {formatMs(step.elapsedMs)}</summary>
        {step.hits.map((h, i) => <div key={i} className="trace-node"><span className="badge">{h.score.toFixed(3)}</span> <span className="muted">{h.document}</span><div>{h.content}</div></div>)}
      </details>
    );
  }
  const icon = step.status === 'running' ? '⏳' : step.status === 'failed' ? '⚠️' : '🔧';
  return (
    <details className={`tool-step status-${step.status}`} data-testid="tool-step">
      <summary data-testid="tool-step-summary">{icon} {step.tool}{step.elapsedMs !== undefined ? ` · ${formatMs(step.elapsedMs)}` : ` · ${t('preview.running')}`}{step.error ? ` · ${t('preview.failed')}` : ''}</summary>
      <div className="muted">{t('trace.arguments')}</div><pre className="json" data-testid="tool-step-arguments">{prettyJson(step.arguments)}</pre>
      {step.status !== 'running' && (<>
        <div className="muted">{step.truncated ? t('preview.resultTruncated') : t('trace.result')}</div>
        <pre className="json" data-testid="tool-step-result">{prettyJson(step.result)}</pre>
        {step.error && <div className="field-error">{step.error}</div>}
        {step.runId && <div className="muted">{t('preview.workflowRun', { id: step.runId })}</div>}
      </>)}
    </details>
  );
}
