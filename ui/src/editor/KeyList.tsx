// An app's API keys: name, prefix, created, last used, state; revoke with confirmation.
import { useCallback, useEffect, useState } from 'react';

export interface KeyRow { id: string; name: string; prefix: string; created_at: number; last_used_at?: number | null; revoked_at?: number | null }

const when = (ts?: number | null) => (ts ? new Date(ts * 1000).toLocaleString() : '—');

/** Lists the keys `load` returns (again whenever `version` changes) and revokes them through `revoke`. */
export function KeyList({ load, revoke, version }: { load: () => Promise<KeyRow[]>; revoke: (id: string) => Promise<unknown>; version: number }) {
  const [keys, setKeys] = useState<KeyRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => load().then(setKeys).catch((e) => setError(e instanceof Error ? e.message : String(e))), [load]);
  useEffect(() => { void refresh(); }, [refresh, version]);
  const onRevoke = async (k: KeyRow) => {
    if (!window.confirm(`Revoke the key ${k.prefix}…${k.name ? ` (${k.name})` : ''}? Apps using it stop working at once.`)) return;
    setError(null);
    try { await revoke(k.id); await refresh(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  if (!keys.length && !error) return <div className="muted" data-testid="keys-empty">No API keys yet.</div>;
  return (
    <div>
      {error && <div className="field-error">{error}</div>}
      <table data-testid="api-keys">
        <thead><tr><th>Key</th><th>Name</th><th>Created</th><th>Last used</th><th /></tr></thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} data-testid="key-row">
              <td><code>{k.prefix}…</code></td>
              <td>{k.name || '—'}</td>
              <td data-testid="key-created">{when(k.created_at)}</td>
              <td>{when(k.last_used_at)}</td>
              <td>{k.revoked_at ? <span className="muted">revoked</span>
                : <>active <button type="button" onClick={() => void onRevoke(k)} data-testid="revoke-key">Revoke</button></>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
