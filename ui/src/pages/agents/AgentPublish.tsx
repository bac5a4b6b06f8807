import { useEffect, useState } from 'react';
import { agentApi, type KeyCreated } from './api';
import { agentCurl } from './skills';

/** Publish the draft (the public API serves the published config), create API keys, and a curl example. */
export function AgentPublish({ agentId, version, canPublish, beforePublish, onPublished }: { agentId: string; version: number; canPublish: boolean; beforePublish: () => Promise<boolean>; onPublished: (v: number) => void }) {
  const [keys, setKeys] = useState<KeyCreated[]>([]);
  const [key, setKey] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const loadKeys = () => agentApi.listKeys(agentId).then(setKeys).catch(() => setKeys([]));
  useEffect(() => { void loadKeys(); }, [agentId]);
  const fail = (err: unknown) => setMessage(err instanceof Error ? err.message : String(err));
  const publish = async () => {
    setMessage(null);
    try {
      if (!(await beforePublish())) { setMessage('The draft is not saved: fix the errors first.'); return; }
      const res = await agentApi.publish(agentId);
      onPublished(res.version);
      setMessage(`Published version ${res.version}${res.issues.length ? ` (with ${res.issues.length} unresolved reference(s): chats will fail until fixed)` : ''}`);
    } catch (err) { fail(err); }
  };
  const createKey = async () => {
    try { setKey((await agentApi.createKey(agentId, 'console')).key); await loadKeys(); } catch (err) { fail(err); }
  };
  const curl = key ? agentCurl(window.location.origin, agentId, key, 'Hello') : '';
  return (
    <div className="publish-panel" data-testid="agent-publish">
      <div className="row">
        <button type="button" className="primary" disabled={!canPublish} onClick={publish} data-testid="agent-publish-button">Publish</button>
        <span data-testid="agent-published-version">{version ? `v${version} is live` : 'Not published yet.'}</span>
      </div>
      {message && <div className="muted" data-testid="agent-publish-message">{message}</div>}
      <div className="section-title">API</div>
      <div className="muted">POST /v1/apps/{agentId}/chat — the same request as a chat workflow; streaming answers carry the tool calls.</div>
      <button type="button" onClick={createKey} disabled={!version} title={version ? '' : 'Publish first'} data-testid="agent-create-key">Create API key</button>
      {key && (
        <div>
          <div className="muted">Copy the key now; it is shown once.</div>
          <code data-testid="agent-api-key">{key}</code>
          <pre className="json" data-testid="agent-curl">{curl}</pre>
          <button type="button" onClick={() => navigator.clipboard?.writeText(curl)}>Copy curl</button>
        </div>
      )}
      {keys.length > 0 && (
        <table data-testid="agent-keys"><tbody>
          {keys.map((k) => <tr key={k.id}><td><code>{k.prefix}…</code></td><td>{k.name}</td><td>{k.revoked_at ? 'revoked' : 'active'}</td></tr>)}
        </tbody></table>
      )}
    </div>
  );
}
