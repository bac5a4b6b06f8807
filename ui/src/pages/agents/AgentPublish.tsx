import { useCallback, useState } from 'react';
import { agentApi } from './api';
import { apiExamples } from '../../editor/apiExamples';
import { KeyList } from '../../editor/KeyList';
import { ApiExamplesView, NewKey } from '../../editor/ApiExamplesView';
import { useTranslation } from 'react-i18next';

/** Publish the draft (the public API serves the published config), create API keys, and a curl example. */
export function AgentPublish({ agentId, version, canPublish, beforePublish, onPublished }: { agentId: string; version: number; canPublish: boolean; beforePublish: () => Promise<boolean>; onPublished: (v: number) => void }) {
  const { t } = useTranslation('agents');
  const [key, setKey] = useState<string | null>(null);
  const [keysVersion, setKeysVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const loadKeys = useCallback(() => agentApi.listKeys(agentId), [agentId]);
  const revokeKey = useCallback((keyId: string) => agentApi.revokeKey(agentId, keyId), [agentId]);
  const fail = (err: unknown) => setMessage(err instanceof Error ? err.message : String(err));
  const publish = async () => {
    setMessage(null);
    try {
      if (!(await beforePublish())) { setMessage(t('notSaved')); return; }
      const res = await agentApi.publish(agentId);
      onPublished(res.version);
      setMessage(res.issues.length ? t('publish.publishedWithIssues', { version: res.version, count: res.issues.length }) : t('publish.published', { version: res.version }));
    } catch (err) { fail(err); }
  };
  const createKey = async (name: string) => {
    try { setKey((await agentApi.createKey(agentId, name)).key); setKeysVersion((v) => v + 1); } catch (err) { fail(err); }
  };
  const examples = apiExamples('agent', window.location.origin, agentId, key ?? 'YOUR_API_KEY');
  return (
    <div className="publish-panel" data-testid="agent-publish">
      <div className="row">
        <button type="button" className="primary" disabled={!canPublish} onClick={publish} data-testid="agent-publish-button">{t('publish.publish')}</button>
        <span data-testid="agent-published-version">{version ? t('publish.live', { version }) : t('publish.notYet')}</span>
      </div>
      {message && <div className="muted" data-testid="agent-publish-message">{message}</div>}
      <div className="section-title">API</div>
      <div className="muted">{t('publish.endpoint', { path: `POST /v1/apps/${agentId}/chat` })}</div>
      <NewKey onCreate={(name) => void createKey(name)} disabled={!version} disabledReason={t('publish.publishFirst')} testIdPrefix="agent-" />
      {key && (
        <div>
          <div className="muted">{t('publish.copyKeyNow')}</div>
          <code data-testid="agent-api-key">{key}</code>
        </div>
      )}
      <ApiExamplesView examples={examples} ids={{ blocking: 'agent-curl', streaming: 'agent-curl-streaming', prefix: 'agent-' }} />
      <div data-testid="agent-keys"><KeyList load={loadKeys} revoke={revokeKey} version={keysVersion} /></div>
    </div>
  );
}
