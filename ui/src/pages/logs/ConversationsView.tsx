import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { Markdown } from '../../editor/Markdown';
import { formatMs } from '../../nodes/shared/BaseNode';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { TurnTrace } from '../agents/TurnTrace';
import { logsApi, type AppChoice, type Conversation, type Message } from './api';
import { RunTrace } from './RunTrace';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A chat app's or agent's conversations, newest first; the picked one's messages in order, each with its turn's
 * status, time and tokens, and its trace (a chat workflow's run, an agent's turn) beside them. */
export function ConversationsView({ app }: { app: AppChoice }) {
  const { t } = useTranslation('logs');
  const [params, setParams] = useSearchParams();
  const selected = params.get('conversation');
  const turn = params.get('turn');
  const [conversations, setConversations] = useState<Conversation[] | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    logsApi.conversations(app.id).then(setConversations).catch((e) => setError(message(e)));
  }, [app.id]);
  useEffect(() => {
    setMessages([]);
    if (selected) logsApi.messages(app.id, selected).then(setMessages).catch((e) => setError(message(e)));
  }, [app.id, selected]);

  const open = (conversation: string | null, turnId: string | null = null) => {
    const next: Record<string, string> = { tab: 'conversations' };
    if (conversation) next.conversation = conversation;
    if (turnId) next.turn = turnId;
    setParams(next);
  };
  const picked = messages.find((m) => m.id === turn);

  return (
    <div className="row logs-conversations" style={{ alignItems: 'flex-start' }}>
      <div className="logs-conversation-list" data-testid="logs-conversations">
        {error && <pre className="field-error">{error}</pre>}
        {conversations?.length === 0 && <div className="muted" data-testid="logs-no-conversations">{t('noConversations')}</div>}
        {conversations?.map((c) => (
          <div key={c.id} className={`card ${c.id === selected ? 'selected' : ''}`} style={{ cursor: 'pointer', marginBottom: 6 }}
            onClick={() => open(c.id)} data-testid="logs-conversation">
            <strong>{c.name || t('untitled')}</strong>
            <div className="muted">{formatDateTime(c.updated_at)} · {t(`conversationSource.${c.source}`, { defaultValue: c.source })}
              {c.user ? ` · ${c.user}` : ''}</div>
          </div>
        ))}
      </div>
      {selected && (
        <div className="chat logs-messages" data-testid="logs-messages">
          {messages.map((m) => (
            <div key={m.id} className="logs-message" data-testid="logs-message">
              <div className="bubble user">{m.query}</div>
              <div className={`bubble assistant ${m.status === 'succeeded' ? '' : 'warn'}`}>
                {m.answer ? <Markdown text={m.answer} /> : <span className="muted">{t('noAnswer')}</span>}
                {m.error && <div className="field-error">{m.error}</div>}
              </div>
              <div className="muted row">
                <span data-testid="logs-message-status">{t(`status.${m.status}`, { defaultValue: m.status })}</span>
                <span>{formatMs(m.elapsed_ms)}</span>
                <span>{t('tokens', { count: m.usage?.total_tokens ?? 0, formatted: formatNumber(m.usage?.total_tokens ?? 0) })}</span>
                <button onClick={() => open(selected, m.id)} data-testid="logs-message-trace">{t('trace')}</button>
              </div>
            </div>
          ))}
        </div>
      )}
      {picked && (
        <div className="logs-detail" data-testid="logs-turn">
          {app.kind === 'agent'
            ? <TurnTrace agentId={app.id} turnId={picked.id} onPick={(id) => open(selected, id)} />
            : picked.run_id
              ? <RunTrace runId={picked.run_id} onOpen={() => undefined} onChanged={() => undefined} />
              : <div className="muted">{t('noRun')}</div>}
        </div>
      )}
    </div>
  );
}
