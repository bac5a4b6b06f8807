import { useCallback, useEffect, useState } from 'react';
import { request } from '../../api/client';
import { useTranslation } from 'react-i18next';

// A KB's embedding and rerank models (docs/knowledge.md, "Embedding and rerank models").
interface Reembed { state: 'idle' | 'running' | 'done' | 'failed'; model: string | null; previous: string | null; done: number; total: number; progress: number; error: string | null }
interface EmbeddingStatus { kb: string; model: string; dimension: number | null; reembed: Reembed }
interface ModelList { items: { name: string }[]; configured: { name: string }[] }

const POLL_MS = 700;

async function modelNames(task: 'embedding' | 'rerank'): Promise<string[]> {
  const res = await request<ModelList>('GET', `/api/models?task=${task}`);
  return [...new Set([...res.configured.map((m) => m.name), ...res.items.map((m) => m.name)])];
}

/** Pick the KB's embedding model (re-embeds every chunk in the background, with progress) and rerank model. */
export default function ModelSettings({ kb, rerankModel, onChanged }: { kb: string; rerankModel: string | null; onChanged: () => void }) {
  const { t } = useTranslation('knowledge');
  const [status, setStatus] = useState<EmbeddingStatus | null>(null);
  const [embedders, setEmbedders] = useState<string[]>([]);
  const [rerankers, setRerankers] = useState<string[]>([]);
  const [embedding, setEmbedding] = useState('');
  const [rerank, setRerank] = useState(rerankModel ?? '');
  const [error, setError] = useState<string | null>(null);
  const base = `/api/knowledge-bases/${encodeURIComponent(kb)}`;
  const load = useCallback(() => request<EmbeddingStatus>('GET', `${base}/embedding`).then(setStatus), [base]);
  const guard = async (f: () => Promise<unknown>) => {
    setError(null);
    try { await f(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  };
  useEffect(() => {
    void guard(async () => { await load(); setEmbedders(await modelNames('embedding')); setRerankers(await modelNames('rerank')); });
  }, [load]);
  const running = status?.reembed.state === 'running';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => { load().then(onChanged).catch(() => undefined); }, POLL_MS);
    return () => clearInterval(timer);
  }, [running, load, onChanged]);
  const reembed = () => guard(async () => { setStatus(await request<EmbeddingStatus>('PUT', `${base}/embedding`, { model: embedding })); });
  const saveRerank = () => guard(async () => { await request('PUT', `${base}/rerank`, { model: rerank || null }); onChanged(); });
  const r = status?.reembed;
  return (
    <details data-testid="kb-models" open>
      <summary>{t('models.title')}</summary>
      {error && <div className="field-error" data-testid="kb-models-error">{error}</div>}
      <div className="row">
        <span className="field-label">{t('models.embedding')}</span>
        <strong data-testid="kb-embedding-model">{status?.model ?? '…'}</strong>
        {status?.dimension ? <span className="muted">{t('models.dimensions', { count: status.dimension })}</span> : null}
      </div>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void reembed(); }}>
        <input value={embedding} onChange={(e) => setEmbedding(e.target.value)} list={`${kb}-embedders`} placeholder={t('models.embeddingPlaceholder')} data-testid="kb-embedding-input" />
        <datalist id={`${kb}-embedders`}>{embedders.map((n) => <option key={n} value={n} />)}</datalist>
        <button type="submit" disabled={!embedding || running} data-testid="kb-reembed">{t('models.reembed')}</button>
      </form>
      {r && r.state !== 'idle' && (
        <div className="row" data-testid="kb-reembed-status">
          <span className="badge">{t(`models.state.${r.state}`, { defaultValue: r.state })}</span>
          <span className="muted">{t('models.reembedProgress', { previous: r.previous, model: r.model, done: r.done, total: r.total })}</span>
          {running && <progress value={r.progress} max={1} />}
          {r.error && <span className="field-error">{r.error}</span>}
        </div>
      )}
      <form className="row" onSubmit={(e) => { e.preventDefault(); void saveRerank(); }}>
        <span className="field-label">{t('models.rerank')}</span>
        <input value={rerank} onChange={(e) => setRerank(e.target.value)} list={`${kb}-rerankers`} placeholder={t('models.none')} data-testid="kb-rerank-input" />
        <datalist id={`${kb}-rerankers`}>{rerankers.map((n) => <option key={n} value={n} />)}</datalist>
        <button type="submit" data-testid="kb-rerank-save">{t('common:actions.save')}</button>
      </form>
    </details>
  );
}
