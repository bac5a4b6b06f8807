import { useCallback, useEffect, useState } from 'react';
import { api, request } from '../api/client';
import { fusionSummary, hitRows, hitTest, SCORE_COLUMNS, stageTimes, type HitTest } from './hits';
import ModelSettings from './knowledge/ModelSettings';
import { DocProgress } from './knowledge/DocProgress';
import DocumentChunks from './knowledge/DocumentChunks';
import SettingsEditor from './knowledge/SettingsEditor';
import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../i18n/useDocumentTitle';

type Row = Record<string, unknown>;

function rerankModelOf(kb?: Row): string | null {
  const retrieval = (kb?.settings as { retrieval?: { rerank_model?: string | null } } | undefined)?.retrieval;
  return retrieval?.rerank_model ?? null;
}

/** Knowledge bases: create, edit settings, delete; upload with live progress; browse and edit a document's
 * chunks; delete documents; chunk preview; hit test. */
export default function KnowledgePage() {
  const { t } = useTranslation('knowledge');
  const [kbs, setKbs] = useState<Row[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => api.listKnowledgeBases().then(setKbs).catch((e) => setError(e.message)), []);
  useEffect(() => { void load(); }, [load]);
  useDocumentTitle(t('title'));
  return (
    <div className="page kb-page">
      <h1>{t('title')}</h1>
      {error && <pre className="field-error" data-testid="kb-error">{error}</pre>}
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div style={{ width: 300 }}>
          <CreateKb onCreated={(name) => { void load(); setCurrent(name); }} onError={setError} />
          <div className="section-title">{t('knowledgeBases')}</div>
          {kbs.map((kb) => (
            <div key={String(kb.name)} className={`card ${current === kb.name ? 'selected' : ''}`} onClick={() => setCurrent(String(kb.name))} data-testid={`kb-card-${String(kb.name)}`} style={{ cursor: 'pointer', marginBottom: 6 }}>
              <strong>{String(kb.name)}</strong> <span className="muted">{t('counts', { docs: String(kb.documents), chunks: String(kb.chunks) })}</span>
            </div>
          ))}
        </div>
        {current && <KbDetail key={current} name={current} kb={kbs.find((k) => k.name === current)} onChanged={load}
          onDeleted={() => { setCurrent(null); void load(); }} />}
      </div>
    </div>
  );
}

function CreateKb({ onCreated, onError }: { onCreated: (name: string) => void; onError: (e: string | null) => void }) {
  const { t } = useTranslation('knowledge');
  const [name, setName] = useState('');
  const [method, setMethod] = useState('general');
  const [maxLength, setMaxLength] = useState(300);
  const [overlap, setOverlap] = useState(30);
  const [mode, setMode] = useState('hybrid');
  const [topK, setTopK] = useState(5);
  // Empty: the server's measured default for the search's score scale (docs/knowledge.md, "Default score threshold"); 0: none.
  const [threshold, setThreshold] = useState('');
  const [removeUrls, setRemoveUrls] = useState(false);
  const create = async () => {
    onError(null);
    try {
      await api.createKnowledgeBase(name, {
        cleaning: { collapse_whitespace: true, remove_urls: removeUrls, remove_emails: removeUrls },
        chunking: { method, max_length: maxLength, overlap },
        retrieval: { mode, top_k: topK, score_threshold: threshold.trim() === '' ? null : Number(threshold) },
      });
      setName('');
      onCreated(name);
    } catch (e) { onError(e instanceof Error ? e.message : String(e)); }
  };
  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); void create(); }} data-testid="kb-create">
      <div className="section-title">{t('create.title')}</div>
      <label className="field"><span className="field-label">{t('create.name')}</span><input value={name} onChange={(e) => setName(e.target.value)} data-testid="kb-name" /></label>
      <label className="field"><span className="field-label">{t('create.chunking')}</span>
        <select value={method} onChange={(e) => setMethod(e.target.value)} data-testid="kb-chunking"><option value="general">{t('create.general')}</option><option value="parent-child">{t('create.parentChild')}</option><option value="qa">{t('create.qa')}</option></select></label>
      <div className="row">
        <label className="field"><span className="field-label">{t('create.maxLength')}</span><input type="number" value={maxLength} onChange={(e) => setMaxLength(Number(e.target.value))} data-testid="kb-max-length" /></label>
        <label className="field"><span className="field-label">{t('create.overlap')}</span><input type="number" value={overlap} onChange={(e) => setOverlap(Number(e.target.value))} /></label>
      </div>
      <label className="inline"><input type="checkbox" checked={removeUrls} onChange={(e) => setRemoveUrls(e.target.checked)} />{t('create.stripUrls')}</label>
      <div className="row">
        <label className="field"><span className="field-label">{t('create.mode')}</span>
          <select value={mode} onChange={(e) => setMode(e.target.value)}><option value="vector">{t('modes.vector')}</option><option value="keyword">{t('modes.keyword')}</option><option value="hybrid">{t('modes.hybrid')}</option></select></label>
        <label className="field"><span className="field-label">Top K</span><input type="number" value={topK} onChange={(e) => setTopK(Number(e.target.value))} /></label>
        <label className="field"><span className="field-label">{t('create.threshold')}</span><input type="number" step="0.05" min="0" max="1" value={threshold} placeholder={t('create.default')} onChange={(e) => setThreshold(e.target.value)} data-testid="kb-threshold" /></label>
      </div>
      <button type="submit" className="primary" data-testid="kb-create-submit">{t('common:actions.create')}</button>
    </form>
  );
}

function KbDetail({ name, kb, onChanged, onDeleted }: { name: string; kb?: Row; onChanged: () => void; onDeleted: () => void }) {
  const { t } = useTranslation('knowledge');
  const [docs, setDocs] = useState<Row[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [chunks, setChunks] = useState<Row[] | null>(null);
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState('');
  const [fusion, setFusion] = useState('');
  const [result, setResult] = useState<HitTest | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [browsing, setBrowsing] = useState<Row | null>(null);
  const refresh = useCallback(() => api.listDocuments(name).then(setDocs).catch((e) => setError(e.message)), [name]);
  useEffect(() => { void refresh(); }, [refresh]);
  // Poll while documents are still being ingested.
  const pending = docs.some((d) => d.status === 'queued' || d.status === 'indexing');
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => { void refresh(); onChanged(); }, 700);
    return () => clearInterval(timer);
  }, [pending, refresh, onChanged]);
  const upload = async (files: File[]) => {
    setError(null); setProgress(0);
    try { await api.uploadDocuments(name, files, setProgress); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
    setProgress(null);
    void refresh();
  };
  const preview = async (file: File) => {
    try { setChunks(await api.previewChunks(name, file)); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  const deleteKb = async () => {
    if (!window.confirm(t('detail.deleteKbConfirm', { name, count: docs.length }))) return;
    try { await api.deleteKnowledgeBase(encodeURIComponent(name)); onDeleted(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  const deleteDoc = async (d: Row) => {
    if (!window.confirm(t('detail.deleteDocConfirm', { filename: String(d.filename) }))) return;
    try {
      await request('DELETE', `/api/knowledge-bases/${encodeURIComponent(name)}/documents/${encodeURIComponent(String(d.document_id))}`);
      if (browsing?.document_id === d.document_id) setBrowsing(null);
      void refresh(); onChanged();
    } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  const search = async () => {
    setError(null);
    try { setResult(await hitTest(name, { query, ...(mode ? { mode } : {}), ...(fusion ? { fusion } : {}) })); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  return (
    <div className="card" style={{ flex: 1 }} data-testid="kb-detail">
      <div className="row">
        <h2 style={{ flex: 1 }}>{name}</h2>
        <button type="button" className="danger" onClick={() => void deleteKb()} data-testid="kb-delete">{t('detail.deleteKb')}</button>
      </div>
      {kb?.settings ? <SettingsEditor kb={name} settings={kb.settings as Parameters<typeof SettingsEditor>[0]['settings']} onSaved={() => { onChanged(); void refresh(); }} /> : null}
      <ModelSettings kb={name} rerankModel={rerankModelOf(kb)} onChanged={onChanged} />
      {error && <div className="field-error">{error}</div>}
      <div className="section-title">{t('detail.documents')}</div>
      <input type="file" multiple onChange={(e) => { const f = [...(e.target.files ?? [])]; if (f.length) void upload(f); e.target.value = ''; }} data-testid="kb-upload" />
      {progress !== null && <progress value={progress} max={1} data-testid="kb-upload-progress" />}
      <table data-testid="kb-documents"><tbody>
        {docs.map((d) => (
          <tr key={String(d.document_id)}>
            <td>{String(d.filename)}</td>
            <td data-testid={`doc-status-${String(d.filename)}`}>{t(`docStatus.${String(d.status)}`, { defaultValue: String(d.status) })}</td>
            <td><DocProgress doc={d} /></td>
            <td className="field-error">{d.error ? String(d.error) : ''}</td>
            <td>
              {d.status === 'ready' && <button type="button" onClick={() => setBrowsing(d)} data-testid={`doc-chunks-${String(d.filename)}`}>{t('detail.chunks')}</button>}
              <button type="button" onClick={() => void deleteDoc(d)} data-testid={`doc-delete-${String(d.filename)}`}>{t('common:actions.delete')}</button>
            </td>
          </tr>
        ))}
      </tbody></table>
      {browsing && <DocumentChunks key={String(browsing.document_id)} kb={name} documentId={String(browsing.document_id)} filename={String(browsing.filename)}
        onChanged={() => { void refresh(); onChanged(); }} onClose={() => setBrowsing(null)} />}
      <div className="section-title">{t('detail.chunkPreview')}</div>
      <input type="file" onChange={(e) => { const f = e.target.files?.[0]; if (f) void preview(f); e.target.value = ''; }} data-testid="kb-preview-file" />
      {chunks && <ol data-testid="kb-chunks">{chunks.map((c, i) => <li key={i}><pre className="json">{String(c.content)}</pre></li>)}</ol>}
      <div className="section-title">{t('detail.hitTest')}</div>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('detail.query')} data-testid="kb-query" style={{ flex: 1 }} />
        <select value={mode} onChange={(e) => setMode(e.target.value)} data-testid="kb-mode"><option value="">{t('detail.kbDefault')}</option><option value="vector">{t('modes.vector')}</option><option value="keyword">{t('modes.keyword')}</option><option value="hybrid">{t('modes.hybrid')}</option></select>
        <select value={fusion} onChange={(e) => setFusion(e.target.value)} data-testid="kb-fusion-method" title={t('detail.fusionHint')}><option value="">{t('detail.kbFusion')}</option><option value="weighted">weighted</option><option value="rrf">rrf</option></select>
        <button type="submit" data-testid="kb-search">{t('common:actions.search')}</button>
      </form>
      {result && <HitTestResult result={result} />}
    </div>
  );
}

/** Hit-test result: how the search fused, each stage's time, and per hit its score at every stage and its fate. */
function HitTestResult({ result }: { result: HitTest }) {
  const { t } = useTranslation('knowledge');
  const { fusion, stages, dropped } = result.trace;
  const summary = fusionSummary(fusion);
  const rows = hitRows(result.hits, dropped);
  return (
    <div data-testid="kb-hit-test">
      {summary && <div className="muted" data-testid="kb-fusion">{summary}</div>}
      {fusion.fallback && <div className="field-error" data-testid="kb-fusion-fallback">{t('hits.fallback', { reason: String(fusion.reason ?? '') })}</div>}
      {stages.length > 0 && <div className="muted" data-testid="kb-stage-times">{stageTimes(stages)}</div>}
      {result.hits.length === 0 && <div className="muted" data-testid="kb-no-hits">{t('hits.none')}</div>}
      {rows.length > 0 && (
        <table data-testid="kb-hits">
          <thead><tr><th>{t('hits.score')}</th>{SCORE_COLUMNS.map((c) => <th key={c} data-testid={`kb-col-${c}`}>{c}</th>)}<th>{t('hits.stage')}</th><th>{t('hits.document')}</th><th>{t('hits.content')}</th></tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} data-testid={r.kept ? 'kb-hit' : 'kb-hit-dropped'} className={r.kept ? '' : 'muted'}>
                <td><span className="badge" data-testid={r.kept ? 'kb-hit-score' : 'kb-dropped-score'}>{Number(r.hit.score).toFixed(3)}</span></td>
                {SCORE_COLUMNS.map((c) => <td key={c} data-testid={`kb-hit-${c}`}>{r.scores[c]}</td>)}
                <td data-testid="kb-hit-stage">{r.stage}</td>
                <td className="muted">{String(r.hit.document)}</td>
                <td>{String(r.hit.content)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
