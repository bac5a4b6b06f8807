import { useCallback, useState } from 'react';
import { agentApi } from './api';
import { apiExamples } from '../../editor/apiExamples';
import { KeyList } from '../../editor/KeyList';

/** Publish the draft (the public API serves the published config), create API keys, and a curl example. */
export function AgentPublish({ agentId, version, canPublish, beforePublish, onPublished }: { agentId: string; version: number; canPublish: boolean; beforePublish: () => Promise<boolean>; onPublished: (v: number) => void }) {
  const [key, setKey] = useState<string | null>(null);
  const [keysVersion, setKeysVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const loadKeys = useCallback(() => agentApi.listKeys(agentId), [agentId]);
  const revokeKey = useCallback((keyId: string) => agentApi.revokeKey(agentId, keyId), [agentId]);
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
    try { setKey((await agentApi.createKey(agentId, 'console')).key); setKeysVersion((v) => v + 1); } catch (err) { fail(err); }
  };
  const examples = apiExamples('agent', window.location.origin, agentId, key ?? 'YOUR_API_KEY');
  const curl = examples.blocking;
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
          <div className="field-label">Streaming (server-sent events)</div>
          <pre className="json" data-testid="agent-curl-streaming">{examples.streaming}</pre>
          <button type="button" onClick={() => navigator.clipboard?.writeText(examples.streaming)}>Copy curl</button>
        </div>
      )}
      <div data-testid="agent-keys"><KeyList load={loadKeys} revoke={revokeKey} version={keysVersion} /></div>
    </div>
  );
}
