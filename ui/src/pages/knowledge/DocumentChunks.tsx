import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../../api/client';

// One indexed document's chunks: browse (paged), search, edit inline (re-embedded), enable/disable, add, delete
// (docs/knowledge.md, "Managing chunks and settings").
export interface Chunk { chunk_id: number; document_id: string; position: number; content: string; search_text: string; enabled: boolean }
interface Page { items: Chunk[]; total: number }

const PAGE_SIZE = 20;

export default function DocumentChunks({ kb, documentId, filename, onChanged, onClose }: {
  kb: string; documentId: string; filename: string; onChanged: () => void; onClose: () => void;
}) {
  const { t } = useTranslation('knowledge');
  const [page, setPage] = useState<Page | null>(null);
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState('');
  const [adding, setAdding] = useState('');
  const [error, setError] = useState<string | null>(null);
  const base = `/api/knowledge-bases/${encodeURIComponent(kb)}`;
  const load = useCallback(() => {
    const params = new URLSearchParams({ q: applied, offset: String(offset), limit: String(PAGE_SIZE) });
    return request<Page>('GET', `${base}/documents/${encodeURIComponent(documentId)}/chunks?${params}`)
      .then(setPage).catch((e: Error) => setError(e.message));
  }, [base, documentId, applied, offset]);
  useEffect(() => { void load(); }, [load]);
  const guard = async (f: () => Promise<unknown>) => {
    setError(null);
    try { await f(); await load(); onChanged(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  const save = (c: Chunk) => guard(async () => { await request('PATCH', `${base}/chunks/${c.chunk_id}`, { content: draft }); setEditing(null); });
  const toggle = (c: Chunk) => guard(() => request('PATCH', `${base}/chunks/${c.chunk_id}`, { enabled: !c.enabled }));
  const remove = (c: Chunk) => {
    if (!window.confirm(t('chunks.deleteConfirm', { position: c.position + 1 }))) return;
    void guard(() => request('DELETE', `${base}/chunks/${c.chunk_id}`));
  };
  const add = () => guard(async () => { await request('POST', `${base}/documents/${encodeURIComponent(documentId)}/chunks`, { content: adding }); setAdding(''); });
  const total = page?.total ?? 0;
  return (
    <div className="card" data-testid="kb-doc-chunks">
      <div className="row">
        <div className="section-title" style={{ flex: 1 }}>{t('chunks.title', { filename })}</div>
        <button type="button" onClick={onClose} data-testid="kb-chunks-close">{t('common:actions.close')}</button>
      </div>
      {error && <div className="field-error" data-testid="kb-chunks-error">{error}</div>}
      <form className="row" onSubmit={(e) => { e.preventDefault(); setOffset(0); setApplied(query); }}>
        <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('chunks.search')} data-testid="kb-chunk-search" style={{ flex: 1 }} />
        <button type="submit" data-testid="kb-chunk-search-submit">{t('common:actions.search')}</button>
      </form>
      <div className="muted" data-testid="kb-chunk-count">{t('chunks.count', { count: total })}</div>
      <ol data-testid="kb-chunk-list" start={offset + 1}>
        {page?.items.map((c) => (
          <li key={c.chunk_id} data-testid="kb-chunk" className={c.enabled ? '' : 'muted'}>
            {editing === c.chunk_id ? (
              <form onSubmit={(e) => { e.preventDefault(); void save(c); }}>
                <textarea value={draft} onChange={(e) => setDraft(e.target.value)} rows={4} style={{ width: '100%' }} data-testid="kb-chunk-editor" />
                <div className="row">
                  <button type="submit" className="primary" disabled={!draft.trim()} data-testid="kb-chunk-save">{t('common:actions.save')}</button>
                  <button type="button" onClick={() => setEditing(null)}>{t('common:actions.cancel')}</button>
                </div>
              </form>
            ) : (
              <pre className="json" data-testid="kb-chunk-content">{c.content}</pre>
            )}
            <div className="row">
              {!c.enabled && <span className="badge" data-testid="kb-chunk-disabled">{t('chunks.disabled')}</span>}
              <label className="inline"><input type="checkbox" checked={c.enabled} onChange={() => void toggle(c)} data-testid="kb-chunk-enabled" />{t('chunks.enabled')}</label>
              <button type="button" onClick={() => { setEditing(c.chunk_id); setDraft(c.content); }} data-testid="kb-chunk-edit">{t('common:actions.edit')}</button>
              <button type="button" onClick={() => remove(c)} data-testid="kb-chunk-delete">{t('common:actions.delete')}</button>
            </div>
          </li>
        ))}
      </ol>
      {total > PAGE_SIZE && (
        <div className="row">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(offset - PAGE_SIZE, 0))} data-testid="kb-chunks-prev">{t('chunks.previous')}</button>
          <span className="muted">{t('chunks.range', { from: offset + 1, to: Math.min(offset + PAGE_SIZE, total), total })}</span>
          <button type="button" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)} data-testid="kb-chunks-next">{t('chunks.next')}</button>
        </div>
      )}
      <form onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <textarea value={adding} onChange={(e) => setAdding(e.target.value)} rows={3} placeholder={t('chunks.newPlaceholder')} style={{ width: '100%' }} data-testid="kb-chunk-new" />
        <button type="submit" disabled={!adding.trim()} data-testid="kb-chunk-add">{t('chunks.add')}</button>
      </form>
    </div>
  );
}
