import { useContext, useMemo, useState } from 'react';
import { api } from '../api/client';
import type { WorkflowMeta } from '../workflow/serialize';
import { EditorContext } from './context';
import { applyEvent, idleRun } from './runState';
import { TracePanel } from './TracePanel';
import { Markdown } from './Markdown';
import { useTranslation } from 'react-i18next';
import type { StartVariable } from '../nodes/start/defaults';
import { StartInputFields, useStartForm } from './StartInputs';
import { composerKey } from './composer';
import { chatFormVariables } from './startInputs';

const NO_VARIABLES: StartVariable[] = [];

interface Turn { role: 'user' | 'assistant'; content: string; runId?: string }

/** Chat preview of a chat-mode draft: opening statement, suggested questions, streaming, history. */
export function ChatPreview({ workflowId, meta, variables = NO_VARIABLES, beforeRun }: { workflowId: string; meta: WorkflowMeta; variables?: StartVariable[]; beforeRun: () => Promise<boolean> }) {
  const stores = useContext(EditorContext);
  const { t } = useTranslation('startInputs');
  const fields = useMemo(() => chatFormVariables(variables), [variables]);
  const form = useStartForm(fields);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [showTrace, setShowTrace] = useState(false);
  const app = meta.app ?? { opening_statement: '', suggested_questions: [] };

  const send = async (query: string) => {
    if (!query.trim() || busy) return;
    const blocked = form.check();
    if (blocked) { setError(blocked); return; }
    setError(null); setBusy(true); setDraft('');
    if (!(await beforeRun())) { setError(t('editor:fixFirst')); setBusy(false); return; }
    setTurns((t) => [...t, { role: 'user', content: query }, { role: 'assistant', content: '' }]);
    stores.run.set({ ...idleRun, status: 'running' });
    const setAnswer = (f: (s: string) => string, runId?: string) => setTurns((t) => {
      const last = t[t.length - 1];
      return [...t.slice(0, -1), { ...last, content: f(last.content), runId: runId ?? last.runId }];
    });
    let answered = false; // once an answer node streams, the reply is its text, not the models' raw chunks
    try {
      await api.chat(workflowId, { query, conversation_id: conversationId ?? undefined, inputs: form.inputs() }, (e, name) => {
        if (name !== 'message') stores.run.set((s) => applyEvent(s, e));
        if (typeof e.conversation_id === 'string') setConversationId(e.conversation_id);
        if (e.type === 'text_chunk' && !answered) setAnswer((s) => s + String(e.delta ?? ''));
        if (e.type === 'answer_chunk') {
          const first = !answered;
          answered = true;
          setAnswer((s) => (first ? '' : s) + String(e.delta ?? ''));
        }
        if (e.type === 'run_finished') {
          const answer = typeof e.answer === 'string' ? e.answer : (e.outputs as Record<string, unknown> | undefined)?.answer;
          if (typeof answer === 'string') setAnswer(() => answer, String(e.run_id));
          if (e.status !== 'succeeded') setError(String(e.error ?? e.status));
        }
        if (name === 'message' && typeof e.answer === 'string') setAnswer(() => String(e.answer), String(e.run_id));
      });
    } catch (err) { setError(err instanceof Error ? err.message : String(err)); }
    setBusy(false);
  };

  return (
    <div className="chat" data-testid="chat-preview">
      <div className="row"><strong>{t('editor:toolbar.preview')}</strong><span className="spacer" />
        <button type="button" onClick={() => { setTurns([]); setConversationId(null); stores.run.set(idleRun); }} data-testid="chat-restart">{t('editor:chat.restart')}</button></div>
      {fields.length > 0 && (
        <details className="chat-inputs" open={turns.length === 0} data-testid="chat-inputs">
          <summary>{t('inputs')}</summary>
          <StartInputFields variables={fields} form={form} testIdPrefix="chat-input" />
        </details>
      )}
      {app.opening_statement && <div className="bubble assistant" data-testid="opening-statement">{app.opening_statement}</div>}
      {turns.length === 0 && app.suggested_questions.filter(Boolean).map((q) => (
        <button type="button" key={q} className="suggested" onClick={() => send(q)} data-testid="suggested-question">{q}</button>
      ))}
      {turns.map((t, i) => (
        <div key={i} className={`bubble ${t.role}`} data-testid={`chat-${t.role}`}>
          {t.role === 'assistant' && t.content ? <Markdown text={t.content} /> : t.content || (busy && i === turns.length - 1 ? '…' : '')}
        </div>
      ))}
      {error && <div className="field-error">{error}</div>}
      <form className="row" onSubmit={(e) => { e.preventDefault(); void send(draft); }}>
        <textarea value={draft} rows={Math.min(6, draft.split('\n').length)} onChange={(e) => setDraft(e.target.value)} placeholder={t('editor:chat.ask')} data-testid="chat-input"
          title={t('composerHint')} onKeyDown={(e) => { if (composerKey(e) === 'send') { e.preventDefault(); void send(draft); } }} />
        <button type="submit" disabled={busy} data-testid="chat-send">{t('editor:chat.send')}</button>
      </form>
      <button type="button" onClick={() => setShowTrace(!showTrace)}>{showTrace ? t('editor:chat.hideTrace') : t('editor:chat.showTrace')}</button>
      {showTrace && <TracePanel />}
    </div>
  );
}
