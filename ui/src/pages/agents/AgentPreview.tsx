import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { formatMs } from '../../nodes/shared/BaseNode';
import { agentApi } from './api';
import { applyAgentEvent, prettyJson, shownAnswer, startTurn, type AgentTurn, type PreviewStep } from './chatState';
import type { AgentConfig } from './types';

/** Live preview of the draft: opening statement, suggested questions, streamed answers with each tool call
 * and retrieval as a collapsible step, errors, restart, and a link to each turn's trace. */
export function AgentPreview({ agentId, config, beforeSend, onTrace }: { agentId: string; config: AgentConfig; beforeSend: () => Promise<boolean>; onTrace: (turnId: string) => void }) {
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
  const update = (f: (t: AgentTurn) => AgentTurn) => setTurns((ts) => (ts.length ? [...ts.slice(0, -1), f(ts[ts.length - 1])] : ts));
  const send = async (query: string) => {
    if (!query.trim() || busy) return;
    setError(null); setBusy(true); setDraft('');
    const attached = files;
    setFiles([]);
    if (!(await beforeSend())) { setError('The draft is not saved: fix the errors first.'); setBusy(false); return; }
    setTurns((ts) => [...ts, startTurn(query)]);
    const controller = new AbortController();
    abort.current = controller;
    try {
      await agentApi.chat(agentId, { query, conversation_id: conversationId ?? undefined, files: attached.map((f) => ({ file_id: f.file_id })) }, (e, name) => {
        if (typeof e.conversation_id === 'string') setConversationId(e.conversation_id);
        update((t) => applyAgentEvent(t, e, name));
      }, controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) {
        const message = err instanceof Error ? err.message : String(err);
        update((t) => ({ ...t, status: 'failed', error: message }));
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
        <button type="button" onClick={restart} data-testid="agent-chat-restart">Restart</button></div>
      {config.opening_statement && <div className="bubble assistant" data-testid="agent-opening-statement">{config.opening_statement}</div>}
      {turns.length === 0 && config.suggested_questions.filter((q) => q.trim()).map((q) => (
        <button type="button" key={q} className="suggested" onClick={() => send(q)} data-testid="agent-suggested-question">{q}</button>
      ))}
      {turns.map((t, i) => (
        <div key={i} className="agent-turn" data-testid="agent-turn">
          <div className="bubble user" data-testid="agent-chat-user">{t.query}</div>
          {t.steps.map((s, k) => <StepView key={k} step={s} />)}
          {(t.status === 'running' || shownAnswer(t)) && (
            <div className={`bubble assistant ${t.status === 'step_limit' ? 'warn' : ''}`} data-testid="agent-chat-assistant">{shownAnswer(t) || '…'}</div>
          )}
          {t.error && <div className="field-error" data-testid="agent-chat-error">{t.error}</div>}
          {t.status !== 'running' && (
            <div className="row muted" data-testid="agent-turn-footer">
              <span data-testid="agent-turn-status">{t.status}</span>
              {t.elapsedMs !== undefined && <span>{formatMs(t.elapsedMs)}</span>}
              {t.usage?.total_tokens !== undefined && <span>{t.usage.total_tokens} tokens</span>}
              {t.turnId && <button type="button" className="link" onClick={() => onTrace(t.turnId!)} data-testid="agent-turn-trace">Trace</button>}
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
        <span className="inline" title="Attach files (passed to tools that take a file, e.g. read_file)"><button type="button" className="icon" onClick={(e) => (e.currentTarget.nextElementSibling as HTMLInputElement | null)?.click()}>📎</button>
          <input type="file" multiple hidden data-testid="agent-attach" onChange={(e) => { void attach(e.target.files); e.target.value = ''; }} /></span>
        <input className="chat-input" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Ask something…" data-testid="agent-chat-input" />
        <button type="submit" disabled={busy} data-testid="agent-chat-send">Send</button>
      </form>
    </div>
  );
}

function StepView({ step }: { step: PreviewStep }) {
  if (step.kind === 'thought') return <div className="agent-thought muted" data-testid="agent-thought">{step.text}</div>;
  if (step.kind === 'retrieval') {
    return (
      <details className="tool-step" data-testid="retrieval-step">
        <summary>📚 Retrieved {step.hits.length} passage(s) from {step.knowledgeBases.join(', ')} · {formatMs(step.elapsedMs)}</summary>
        {step.hits.map((h, i) => <div key={i} className="trace-node"><span className="badge">{h.score.toFixed(3)}</span> <span className="muted">{h.document}</span><div>{h.content}</div></div>)}
      </details>
    );
  }
  const icon = step.status === 'running' ? '⏳' : step.status === 'failed' ? '⚠️' : '🔧';
  return (
    <details className={`tool-step status-${step.status}`} data-testid="tool-step">
      <summary data-testid="tool-step-summary">{icon} {step.tool}{step.elapsedMs !== undefined ? ` · ${formatMs(step.elapsedMs)}` : ' · running…'}{step.error ? ' · failed' : ''}</summary>
      <div className="muted">arguments</div><pre className="json" data-testid="tool-step-arguments">{prettyJson(step.arguments)}</pre>
      {step.status !== 'running' && (<>
        <div className="muted">result{step.truncated ? ' (truncated to the budget)' : ''}</div>
        <pre className="json" data-testid="tool-step-result">{prettyJson(step.result)}</pre>
        {step.error && <div className="field-error">{step.error}</div>}
        {step.runId && <div className="muted">workflow run {step.runId}</div>}
      </>)}
    </details>
  );
}
