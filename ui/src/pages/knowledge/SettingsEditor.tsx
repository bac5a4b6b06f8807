import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../../api/client';

// A KB's settings after creation: retrieval settings are just saved; new cleaning or chunking settings cut and
// embed every document again in the background (the documents table shows its progress).
interface Settings {
  description?: string;
  cleaning: { collapse_whitespace: boolean; remove_urls: boolean; remove_emails: boolean };
  chunking: Record<string, unknown> & { method: string; max_length: number; overlap: number };
  retrieval: Record<string, unknown> & { mode: string; top_k: number; score_threshold: number | null };
}

export default function SettingsEditor({ kb, settings, onSaved }: { kb: string; settings: Settings; onSaved: () => void }) {
  const { t } = useTranslation('knowledge');
  const [description, setDescription] = useState(settings.description ?? '');
  const [method, setMethod] = useState(settings.chunking.method);
  const [maxLength, setMaxLength] = useState(settings.chunking.max_length);
  const [overlap, setOverlap] = useState(settings.chunking.overlap);
  const [removeUrls, setRemoveUrls] = useState(settings.cleaning.remove_urls);
  const [mode, setMode] = useState(settings.retrieval.mode);
  const [topK, setTopK] = useState(settings.retrieval.top_k);
  const [threshold, setThreshold] = useState(settings.retrieval.score_threshold === null ? '' : String(settings.retrieval.score_threshold));
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rechunks = method !== settings.chunking.method || maxLength !== settings.chunking.max_length
    || overlap !== settings.chunking.overlap || removeUrls !== settings.cleaning.remove_urls;
  const save = async () => {
    setError(null); setMessage(null);
    if (rechunks && !window.confirm(t('settings.reindexConfirm'))) return;
    try {
      const body = {
        description,
        cleaning: { ...settings.cleaning, remove_urls: removeUrls, remove_emails: removeUrls },
        chunking: { ...settings.chunking, method, max_length: maxLength, overlap },
        retrieval: { ...settings.retrieval, mode, top_k: topK, score_threshold: threshold.trim() === '' ? null : Number(threshold) },
      };
      const res = await request<{ reindexing: string[] }>('PATCH', `/api/knowledge-bases/${encodeURIComponent(kb)}/settings`, body);
      setMessage(res.reindexing.length ? t('settings.reindexing', { count: res.reindexing.length }) : t('settings.saved'));
      onSaved();
    } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  return (
    <details data-testid="kb-settings">
      <summary>{t('detail.settings')}</summary>
      <form onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <label className="field"><span className="field-label">{t('settings.description')}</span><input value={description} onChange={(e) => setDescription(e.target.value)} data-testid="kb-settings-description" /></label>
        <div className="row">
          <label className="field"><span className="field-label">{t('create.chunking')}</span>
            <select value={method} onChange={(e) => setMethod(e.target.value)} data-testid="kb-settings-chunking"><option value="general">{t('create.general')}</option><option value="parent-child">{t('create.parentChild')}</option><option value="qa">{t('create.qa')}</option></select></label>
          <label className="field"><span className="field-label">{t('create.maxLength')}</span><input type="number" value={maxLength} onChange={(e) => setMaxLength(Number(e.target.value))} data-testid="kb-settings-max-length" /></label>
          <label className="field"><span className="field-label">{t('create.overlap')}</span><input type="number" value={overlap} onChange={(e) => setOverlap(Number(e.target.value))} data-testid="kb-settings-overlap" /></label>
        </div>
        <label className="inline"><input type="checkbox" checked={removeUrls} onChange={(e) => setRemoveUrls(e.target.checked)} />{t('create.stripUrls')}</label>
        <div className="row">
          <label className="field"><span className="field-label">{t('create.mode')}</span>
            <select value={mode} onChange={(e) => setMode(e.target.value)} data-testid="kb-settings-mode"><option value="vector">{t('modes.vector')}</option><option value="keyword">{t('modes.keyword')}</option><option value="hybrid">{t('modes.hybrid')}</option></select></label>
          <label className="field"><span className="field-label">Top K</span><input type="number" value={topK} onChange={(e) => setTopK(Number(e.target.value))} data-testid="kb-settings-top-k" /></label>
          <label className="field"><span className="field-label">{t('create.threshold')}</span><input type="number" step="0.05" min="0" max="1" value={threshold} placeholder={t('create.default')} onChange={(e) => setThreshold(e.target.value)} /></label>
        </div>
        {rechunks && <div className="muted" data-testid="kb-settings-reindex-note">{t('settings.reindexNote')}</div>}
        <button type="submit" className="primary" data-testid="kb-settings-save">{t('common:actions.save')}</button>
        {message && <span className="muted" data-testid="kb-settings-message"> {message}</span>}
        {error && <div className="field-error" data-testid="kb-settings-error">{error}</div>}
      </form>
      <details><summary>{t('settings.all')}</summary><pre className="json">{JSON.stringify(settings, null, 2)}</pre></details>
    </details>
  );
}
