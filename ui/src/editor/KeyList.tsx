// An app's API keys: name, prefix, created, last used, state; revoke with confirmation.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../i18n/format';

export interface KeyRow { id: string; name: string; prefix: string; created_at: number; last_used_at?: number | null; revoked_at?: number | null }

/** Lists the keys `load` returns (again whenever `version` changes) and revokes them through `revoke`. */
export function KeyList({ load, revoke, version }: { load: () => Promise<KeyRow[]>; revoke: (id: string) => Promise<unknown>; version: number }) {
  const { t } = useTranslation('publish');
  const [keys, setKeys] = useState<KeyRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => load().then(setKeys).catch((e) => setError(e instanceof Error ? e.message : String(e))), [load]);
  useEffect(() => { void refresh(); }, [refresh, version]);
  const onRevoke = async (k: KeyRow) => {
    if (!window.confirm(t('keys.revokeConfirm', { prefix: k.prefix, name: k.name ? ` (${k.name})` : '' }))) return;
    setError(null);
    try { await revoke(k.id); await refresh(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  if (!keys.length && !error) return <div className="muted" data-testid="keys-empty">{t('keys.empty')}</div>;
  return (
    <div>
      {error && <div className="field-error">{error}</div>}
      <table data-testid="api-keys">
        <thead><tr><th>{t('keys.key')}</th><th>{t('keys.name')}</th><th>{t('keys.created')}</th><th>{t('keys.lastUsed')}</th><th /></tr></thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} data-testid="key-row">
              <td><code>{k.prefix}…</code></td>
              <td data-testid="key-name">{k.name || '—'}</td>
              <td data-testid="key-created">{formatDateTime(k.created_at)}</td>
              <td data-testid="key-last-used">{k.last_used_at ? formatDateTime(k.last_used_at) : t('keys.never')}</td>
              <td>{k.revoked_at ? <span className="muted">{t('keys.revoked')}</span>
                : <>{t('keys.active')} <button type="button" onClick={() => void onRevoke(k)} data-testid="revoke-key">{t('keys.revoke')}</button></>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
