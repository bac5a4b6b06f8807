import i18n from '../../i18n';
// Where a document's ingestion stands: queued, parsing, embedded N / M chunks (from the server's counts), or its
// chunk count once ready.
type Row = Record<string, unknown>;

/** The progress text of a document row from GET /api/knowledge-bases/{kb}/documents. */
export function progressText(d: Row): string {
  const total = Number(d.chunks_total ?? 0);
  const embedded = Number(d.chunks_embedded ?? 0);
  if (d.status === 'queued') return i18n.t('knowledge:docStatus.queued');
  if (d.status !== 'indexing') return i18n.t('knowledge:progress.chunks', { count: Number(d.chunks ?? 0) });
  if (!total) return i18n.t('knowledge:progress.parsing');
  return i18n.t('knowledge:progress.embedded', { embedded, total, percent: Math.round((embedded / total) * 100) });
}

export function DocProgress({ doc }: { doc: Row }) {
  const total = Number(doc.chunks_total ?? 0);
  return (
    <span data-testid={`doc-progress-${String(doc.filename)}`}>
      {progressText(doc)}
      {doc.status === 'indexing' && total > 0 && <> <progress value={Number(doc.chunks_embedded ?? 0)} max={total} /></>}
    </span>
  );
}
