import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import { apiExamples, type AppKind } from './apiExamples';
import { KeyList, type KeyRow } from './KeyList';
import { ApiExamplesView, NewKey } from './ApiExamplesView';

export function PublishPanel({ workflowId, kind, canPublish, exampleInputs, beforePublish }: { workflowId: string; kind: AppKind; canPublish: boolean; exampleInputs: Record<string, unknown>; beforePublish: () => Promise<boolean> }) {
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
      if (!(await beforePublish())) { setMessage('Fix the validation errors first.'); return; }
      const res = await api.publish(workflowId);
      setMessage(`Published version ${String(res.version ?? '')}`.trim());
      await load();
    } catch (err) { setMessage(err instanceof Error ? err.message : String(err)); }
  };
  const createKey = async (name: string) => {
    try { setKey((await api.createKey(workflowId, name)).key); setKeysVersion((v) => v + 1); } catch (err) { setMessage(err instanceof Error ? err.message : String(err)); }
  };
  const examples = apiExamples(kind, window.location.origin, workflowId, key ?? 'YOUR_API_KEY', exampleInputs);
  return (
    <div className="publish-panel" data-testid="publish-panel">
      <button type="button" className="primary" disabled={!canPublish} onClick={publish} data-testid="publish" title={canPublish ? '' : 'The workflow has validation errors'}>Publish</button>
      {message && <div className="muted" data-testid="publish-message">{message}</div>}
      <div className="section-title">Versions</div>
      <ul data-testid="versions">
        {versions.map((v, i) => <li key={i}>v{String(v.version ?? i + 1)} {v.published_at ? `· ${String(v.published_at)}` : ''}</li>)}
        {versions.length === 0 && <li className="muted">Not published yet.</li>}
      </ul>
      <div className="section-title">API</div>
      <div className="muted">{kind === 'workflow' ? 'Runs the published version once.' : 'Chats with the published version; pass conversation_id to continue a conversation.'}</div>
      <NewKey onCreate={(name) => void createKey(name)} testIdPrefix="" />
      {key && (
        <div>
          <div className="muted">Copy the key now; it is shown once.</div>
          <code data-testid="api-key">{key}</code>
        </div>
      )}
      <ApiExamplesView examples={examples} ids={{ blocking: 'curl-example', streaming: 'curl-streaming', prefix: '' }} />
      <div className="section-title">API keys</div>
      <KeyList load={loadKeys} revoke={revokeKey} version={keysVersion} />
    </div>
  );
}
