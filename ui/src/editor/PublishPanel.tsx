import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import { apiExamples, type AppKind } from './apiExamples';
import { KeyList, type KeyRow } from './KeyList';
import { ApiExamplesView, NewKey } from './ApiExamplesView';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../i18n/format';

export function PublishPanel({ workflowId, kind, canPublish, exampleInputs, beforePublish }: { workflowId: string; kind: AppKind; canPublish: boolean; exampleInputs: Record<string, unknown>; beforePublish: () => Promise<boolean> }) {
  const { t } = useTranslation('editor');
  const [versions, setVersions] = useState<Record<string, unknown>[]>([]);
  const [key, setKey] = useState<string | null>(null);
  const [keysVersion, setKeysVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const load = () => api.versions(workflowId).then(setVersions).catch(() => setVersions([]));
  useEffect(() => { void load(); }, [workflowId]);
  const loadKeys = useCallback(async () => (await api.listKeys(workflowId)) as unknown as KeyRow[], [workflowId]);
  const revokeKey = useCallback((id: string) => api.revokeKey(workflowId, id), [workflowId]);
  const publish = async () => {
    setMessage(null);
    try {
      if (!(await beforePublish())) { setMessage(t('fixFirst')); return; }
      const res = await api.publish(workflowId);
      setMessage(t('publish.published', { version: String(res.version ?? '') }).trim());
      await load();
    } catch (err) { setMessage(err instanceof Error ? err.message : String(err)); }
  };
  const createKey = async (name: string) => {
    try { setKey((await api.createKey(workflowId, name)).key); setKeysVersion((v) => v + 1); } catch (err) { setMessage(err instanceof Error ? err.message : String(err)); }
  };
  const examples = apiExamples(kind, window.location.origin, workflowId, key ?? 'YOUR_API_KEY', exampleInputs);
  return (
    <div className="publish-panel" data-testid="publish-panel">
      <button type="button" className="primary" disabled={!canPublish} onClick={publish} data-testid="publish" title={canPublish ? '' : t('publish.hasErrors')}>{t('toolbar.publish')}</button>
      {message && <div className="muted" data-testid="publish-message">{message}</div>}
      <div className="section-title">{t('publish.versions')}</div>
      <ul data-testid="versions">
        {versions.map((v, i) => <li key={i}>v{String(v.version ?? i + 1)} {v.published_at ? `· ${typeof v.published_at === 'number' ? formatDateTime(v.published_at) : String(v.published_at)}` : ''}</li>)}
        {versions.length === 0 && <li className="muted">{t('publish.notYet')}</li>}
      </ul>
      <div className="section-title">API</div>
      <div className="muted">{kind === 'workflow' ? t('publish.workflowApi') : t('publish.chatApi')}</div>
      <NewKey onCreate={(name) => void createKey(name)} testIdPrefix="" />
      {key && (
        <div>
          <div className="muted">{t('publish.copyKeyNow')}</div>
          <code data-testid="api-key">{key}</code>
        </div>
      )}
      <ApiExamplesView examples={examples} ids={{ blocking: 'curl-example', streaming: 'curl-streaming', prefix: '' }} />
      <div className="section-title">{t('publish.keys')}</div>
      <KeyList load={loadKeys} revoke={revokeKey} version={keysVersion} />
    </div>
  );
}
