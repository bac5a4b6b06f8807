import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { formatMs } from '../../nodes/shared/BaseNode';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { logsApi, type AppChoice, type RunPage } from './api';
import { PAGE_SIZE, SOURCES, STATUSES, filtersFromParams, inputsPreview, pageRange, paramsFromFilters, runsQuery, type RunFilters } from './helpers';
import { RunTrace } from './RunTrace';

const LIST_POLL_MS = 1000;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** An app's run history: filters (status, source, version, text in the inputs) and pages kept in the URL, the
 * runs newest first, and the picked run's trace beside them. */
export function RunsView({ app }: { app: AppChoice }) {
  const { t } = useTranslation('logs');
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const selected = params.get('run');
  const [page, setPage] = useState<RunPage | null>(null);
  const [versions, setVersions] = useState<number[]>([]);
  const [search, setSearch] = useState(filters.q);
  const [reload, setReload] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const query = runsQuery(app.id, filters);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    logsApi.runs(query).then((p) => {
      if (cancelled) return;
      setPage(p); setError(null);
      if (p.items.some((r) => r.status === 'running')) timer = setTimeout(() => setReload((n) => n + 1), LIST_POLL_MS);
    }).catch((e) => { if (!cancelled) setError(message(e)); });
    return () => { cancelled = true; if (timer) clearTimeout(timer); };
  }, [query, reload]);
  useEffect(() => {
    logsApi.versions(app.id).then((vs) => setVersions(vs.map((v) => v.version))).catch(() => setVersions([]));
  }, [app.id]);

  const show = (next: RunFilters, run: string | null = selected) => {
    const rest: Record<string, string> = { tab: 'runs', ...paramsFromFilters(next) };
    if (run) rest.run = run;
    setParams(rest);
  };
  const filter = (patch: Partial<RunFilters>) => show({ ...filters, page: 0, ...patch });
  const range = pageRange(filters.page, PAGE_SIZE, page?.total ?? 0);

  return (
    <div className="row logs-runs" style={{ alignItems: 'flex-start' }}>
      <div className="logs-list">
        <form className="row toolbar" data-testid="logs-filters"
          onSubmit={(e) => { e.preventDefault(); filter({ q: search }); }}>
          <select value={filters.status} onChange={(e) => filter({ status: e.target.value })} data-testid="logs-filter-status"
            aria-label={t('filters.status')}>
            <option value="">{t('filters.anyStatus')}</option>
            {STATUSES.map((s) => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
          </select>
          <select value={filters.source} onChange={(e) => filter({ source: e.target.value })} data-testid="logs-filter-source"
            aria-label={t('filters.source')}>
            <option value="">{t('filters.anySource')}</option>
            {SOURCES.map((s) => <option key={s} value={s}>{t(`source.${s}`)}</option>)}
          </select>
          <select value={filters.version} onChange={(e) => filter({ version: e.target.value })} data-testid="logs-filter-version"
            aria-label={t('filters.version')}>
            <option value="">{t('filters.anyVersion')}</option>
            <option value="draft">{t('draft')}</option>
            {versions.map((v) => <option key={v} value={String(v)}>{t('versionN', { version: v })}</option>)}
          </select>
          <input value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t('filters.searchInputs')}
            maxLength={200} data-testid="logs-search" aria-label={t('filters.searchInputs')} />
          <button type="submit" data-testid="logs-search-go">{t('common:actions.search')}</button>
        </form>
        {error && <pre className="field-error" data-testid="logs-error">{error}</pre>}
        <table className="logs-table" data-testid="logs-runs">
          <thead><tr>
            <th>{t('columns.time')}</th><th>{t('columns.status')}</th><th>{t('columns.source')}</th>
            <th>{t('columns.version')}</th><th>{t('columns.inputs')}</th><th>{t('columns.elapsed')}</th><th>{t('columns.tokens')}</th>
          </tr></thead>
          <tbody>
            {page?.items.map((r) => (
              <tr key={r.run_id} className={r.run_id === selected ? 'selected' : ''} data-testid="logs-run-row"
                data-run-id={r.run_id} onClick={() => show(filters, r.run_id)} style={{ cursor: 'pointer' }}>
                <td>{formatDateTime(r.created_at)}</td>
                <td className={`status-${r.status}`} data-testid="logs-run-status">{t(`status.${r.status}`, { defaultValue: r.status })}</td>
                <td data-testid="logs-run-source">{t(`source.${r.source}`, { defaultValue: r.source })}</td>
                <td>{r.version == null ? t('draft') : t('versionN', { version: r.version })}</td>
                <td className="logs-inputs" title={JSON.stringify(r.inputs)}>{inputsPreview(r)}</td>
                <td>{formatMs(r.elapsed_ms)}</td>
                <td>{formatNumber(r.total_tokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {page && page.total === 0 && <div className="muted" data-testid="logs-empty">{t('noRuns')}</div>}
        <div className="row" data-testid="logs-paging">
          <button disabled={filters.page === 0} onClick={() => show({ ...filters, page: filters.page - 1 })}
            data-testid="logs-prev">{t('previous')}</button>
          <span data-testid="logs-range">{t('range', { from: range.from, to: range.to, total: page?.total ?? 0 })}</span>
          <button disabled={filters.page + 1 >= range.pages} onClick={() => show({ ...filters, page: filters.page + 1 })}
            data-testid="logs-next">{t('next')}</button>
        </div>
      </div>
      {selected && (
        <div className="logs-detail">
          <RunTrace runId={selected} onOpen={(id) => show(filters, id)} onChanged={() => setReload((n) => n + 1)} />
        </div>
      )}
    </div>
  );
}
