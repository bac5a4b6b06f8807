import { useEffect, useState } from 'react';
import { api } from '../api/client';

/** The curl call of a published workflow's /v1 endpoint with the given key. */
export function curlExample(origin: string, workflowId: string, key: string, inputs: Record<string, unknown>): string {
  const body = JSON.stringify({ inputs, response_mode: 'blocking' });
  return `curl -X POST '${origin}/v1/workflows/${workflowId}/run' \\\n  -H 'Authorization: Bearer ${key}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
}

export function PublishPanel({ workflowId, canPublish, exampleInputs, beforePublish }: { workflowId: string; canPublish: boolean; exampleInputs: Record<string, unknown>; beforePublish: () => Promise<boolean> }) {
  const [versions, setVersions] = useState<Record<string, unknown>[]>([]);
  const [key, setKey] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const load = () => api.versions(workflowId).then(setVersions).catch(() => setVersions([]));
  useEffect(() => { void load(); }, [workflowId]);
  const publish = async () => {
    setMessage(null);
    try {
      if (!(await beforePublish())) { setMessage('Fix the validation errors first.'); return; }
      const res = await api.publish(workflowId);
      setMessage(`Published version ${String(res.version ?? '')}`.trim());
      await load();
    } catch (err) { setMessage(err instanceof Error ? err.message : String(err)); }
  };
  const createKey = async () => {
    try { setKey((await api.createKey(workflowId)).key); } catch (err) { setMessage(err instanceof Error ? err.message : String(err)); }
  };
  const curl = key ? curlExample(window.location.origin, workflowId, key, exampleInputs) : '';
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
      <button type="button" onClick={createKey} data-testid="create-key">Create API key</button>
      {key && (
        <div>
          <div className="muted">Copy the key now; it is shown once.</div>
          <code data-testid="api-key">{key}</code>
          <pre className="json" data-testid="curl-example">{curl}</pre>
          <button type="button" onClick={() => navigator.clipboard?.writeText(curl)} data-testid="copy-curl">Copy curl</button>
        </div>
      )}
    </div>
  );
}
