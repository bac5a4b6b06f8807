import { useCallback, useEffect, useState } from 'react';
import { evalApi, type Agreement, type Diff, type EvalRun, type Report, type Results, type ReviewItem } from './api';
import { byMetric, fmt, percent, withInterval } from './helpers';
import { useTranslation } from 'react-i18next';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const ACTIVE = new Set(['queued', 'running']);

function save(filename: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url; link.download = filename;
  document.body.appendChild(link); link.click(); link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** One run: live progress, cost, report with intervals and per tag, the per-sample table, diff, export, review. */
export default function RunView({ runId, onChanged }: { runId: string; onChanged: () => void }) {
  const { t } = useTranslation('evaluation');
  const [run, setRun] = useState<EvalRun | null>(null);
  const [tab, setTab] = useState<'results' | 'diff' | 'review'>('results');
  const [error, setError] = useState<string | null>(null);
  const [finishedAt, setFinishedAt] = useState(0);
  const load = useCallback(() => evalApi.run(runId).then(setRun).catch((e) => setError(message(e))), [runId]);
  useEffect(() => { void load(); }, [load]);
  const active = run ? ACTIVE.has(run.status) : false;
  useEffect(() => {
    if (!active) return undefined;
    const abort = new AbortController();
    evalApi.events(runId, (r) => setRun((old) => (old ? { ...old, ...r } : old)), abort.signal)
      .then(() => { void load(); setFinishedAt(Date.now()); onChanged(); })
      .catch(() => undefined);
    return () => abort.abort();
  }, [active, runId, load, onChanged]);
  const act = async (action: () => Promise<EvalRun>) => {
    setError(null);
    try { setRun(await action()); onChanged(); } catch (e) { setError(message(e)); }
  };
  if (!run) return error ? <pre className="field-error">{error}</pre> : <p className="muted">{t('common:loading')}</p>;
  const names = Object.fromEntries(run.candidates.map((c) => [c.candidate_id, c.name || c.candidate_id]));
  const p = run.progress;
  return (
    <div data-testid="run-view">
      <h2>{run.name || run.run_id.slice(0, 8)} <span className={`badge status-${run.status}`} data-testid="run-status">{t(`status.${run.status}`, { defaultValue: run.status })}</span></h2>
      {error && <pre className="field-error" data-testid="run-error">{error}</pre>}
      {run.error && <pre className="field-error">{run.error}</pre>}
      <div className="row">
        <progress max={100} value={percent(p.done + p.failed, p.total)} style={{ width: 240 }} />
        <span data-testid="run-progress">{p.done + p.failed}/{p.total}{p.failed ? ` ${t('run.failedCount', { count: p.failed })}` : ''}</span>
        {active && <button onClick={() => void act(() => evalApi.cancel(run.run_id))} data-testid="run-cancel">{t('common:actions.cancel')}</button>}
        {(run.status === 'cancelled' || run.status === 'failed') && <button onClick={() => void act(() => evalApi.resume(run.run_id))} data-testid="run-resume">{t('run.resume')}</button>}
        <button onClick={() => void evalApi.exportText(run.run_id, 'csv').then((text) => save(`evaluation-${run.run_id.slice(0, 8)}.csv`, text, 'text/csv'))} data-testid="export-csv">{t('run.exportCsv')}</button>
        <button onClick={() => void evalApi.exportText(run.run_id, 'jsonl').then((text) => save(`evaluation-${run.run_id.slice(0, 8)}.jsonl`, text, 'application/x-ndjson'))} data-testid="export-jsonl">{t('run.exportJsonl')}</button>
      </div>
      <table className="table" data-testid="cost-table">
        <thead><tr><th>{t('cost.candidate')}</th><th>{t('cost.samples')}</th><th>{t('cost.errors')}</th><th>{t('cost.tokensIn')}</th><th>{t('cost.tokensOut')}</th><th>{t('cost.latency')}</th><th>{t('cost.wall')}</th></tr></thead>
        <tbody>{run.candidates.map((c) => {
          const cost = run.cost[c.candidate_id];
          return <tr key={c.candidate_id}><td>{names[c.candidate_id]}</td><td>{cost?.samples ?? '—'}</td><td>{cost?.errors ?? '—'}</td>
            <td>{cost?.tokens_in ?? '—'}</td><td>{cost?.tokens_out ?? '—'}</td><td>{fmt(cost?.latency_s, 2)}</td><td>{fmt(cost?.wall_s, 2)}</td></tr>;
        })}</tbody>
      </table>
      {!active && <ReportView run={run} names={names} refresh={finishedAt} />}
      <div className="row" style={{ marginTop: 12 }}>
        {(['results', 'diff', 'review'] as const).map((name) => (
          <button key={name} onClick={() => setTab(name)} disabled={tab === name} data-testid={`tab-${name}`}>{t(`run.tabs.${name}`)}</button>))}
      </div>
      {tab === 'results' && <Samples run={run} names={names} refresh={`${finishedAt}-${p.done}`} />}
      {tab === 'diff' && <DiffView run={run} names={names} />}
      {tab === 'review' && <ReviewView run={run} />}
    </div>
  );
}

function ReportView({ run, names, refresh }: { run: EvalRun; names: Record<string, string>; refresh: number }) {
  const { t } = useTranslation('evaluation');
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { evalApi.report(run.run_id).then(setReport).catch((e) => setError(message(e))); }, [run.run_id, run.status, refresh]);
  if (error) return <pre className="field-error">{error}</pre>;
  if (!report) return null;
  const ids = run.candidates.map((c) => c.candidate_id);
  const table = (aggregates: typeof report.aggregates, testid: string) => {
    const rows = byMetric(aggregates);
    return (
      <table className="table" data-testid={testid}>
        <thead><tr><th>{t('report.metric')}</th>{ids.map((id) => <th key={id}>{names[id]}</th>)}</tr></thead>
        <tbody>{[...rows.entries()].map(([metric, row]) => (
          <tr key={metric}><td>{metric}</td>{ids.map((id) => {
            const a = row.get(id);
            return <td key={id} data-testid={`score-${metric}-${id}`}>{a ? withInterval(a) : '—'}{a ? <span className="muted"> n={a.n}</span> : null}</td>;
          })}</tr>))}</tbody>
      </table>);
  };
  return (
    <div>
      <div className="section-title">{t('report.scores')}</div>
      {table(report.aggregates, 'aggregates')}
      {Object.keys(report.by_tag).length > 0 && <div className="section-title">{t('report.byTag')}</div>}
      {Object.entries(report.by_tag).map(([tag, aggregates]) => (
        <div key={tag} data-testid={`tag-${tag}`}><strong>{tag}</strong>{table(aggregates, `tag-table-${tag}`)}</div>))}
    </div>
  );
}

function Samples({ run, names, refresh }: { run: EvalRun; names: Record<string, string>; refresh: string }) {
  const { t } = useTranslation('evaluation');
  const [results, setResults] = useState<Results | null>(null);
  const [tag, setTag] = useState('');
  useEffect(() => { evalApi.results(run.run_id).then(setResults).catch(() => undefined); }, [run.run_id, refresh]);
  if (!results) return null;
  const tags = [...new Set(results.items.flatMap((r) => r.tags))];
  const rows = tag ? results.items.filter((r) => r.tags.includes(tag)) : results.items;
  return (
    <div>
      {tags.length > 0 && <select value={tag} onChange={(e) => setTag(e.target.value)} data-testid="samples-tag">
        <option value="">{t('samples.allTags')}</option>{tags.map((tg) => <option key={tg} value={tg}>{tg}</option>)}</select>}
      <table className="table" data-testid="samples">
        <thead><tr><th>{t('samples.item')}</th><th>{t('samples.input')}</th><th>{t('samples.reference')}</th>{run.candidates.map((c) => <th key={c.candidate_id}>{names[c.candidate_id]}</th>)}</tr></thead>
        <tbody>{rows.map((row) => (
          <tr key={row.item_id} data-testid={`sample-${row.item_id}`}>
            <td>{row.item_id}{row.tags.length ? <div className="muted">{row.tags.join(', ')}</div> : null}</td>
            <td style={{ whiteSpace: 'pre-wrap' }}>{row.input}</td>
            <td style={{ whiteSpace: 'pre-wrap' }}>{row.reference ?? '—'}</td>
            {run.candidates.map((c) => {
              const a = row.candidates[c.candidate_id];
              return (
                <td key={c.candidate_id} style={{ whiteSpace: 'pre-wrap', verticalAlign: 'top' }} data-testid={`output-${row.item_id}-${c.candidate_id}`}>
                  {a === null ? <span className="muted">{t('samples.pending')}</span> : a.error ? <span className="field-error">{a.error}</span> : a.output}
                  {a && Object.keys(a.scores).length > 0 && <div className="muted">{Object.entries(a.scores).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(' · ')}</div>}
                  {a && Object.values(a.judge_reasons).map((r, i) => <div key={i} className="muted" title={t('samples.judgeReasons')}>⚖ {r}</div>)}
                </td>);
            })}
          </tr>))}</tbody>
      </table>
    </div>
  );
}

function DiffView({ run, names }: { run: EvalRun; names: Record<string, string> }) {
  const { t } = useTranslation('evaluation');
  const ids = run.candidates.map((c) => c.candidate_id);
  const keys = [...run.metrics.map((m) => m.alias || m.name), ...(run.judge ? [run.judge.mode === 'score' ? 'judge' : 'pairwise'] : [])];
  const [before, setBefore] = useState(ids[0] ?? '');
  const [after, setAfter] = useState(ids[1] ?? ids[0] ?? '');
  const [metric, setMetric] = useState(keys[0] ?? '');
  const [diff, setDiff] = useState<Diff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const compare = () => { setError(null); evalApi.diff(run.run_id, before, after, metric).then(setDiff).catch((e) => setError(message(e))); };
  const pick = (value: string, set: (v: string) => void, testid: string) => (
    <select value={value} onChange={(e) => set(e.target.value)} data-testid={testid}>{ids.map((id) => <option key={id} value={id}>{names[id]}</option>)}</select>);
  return (
    <div data-testid="diff-view">
      <div className="row">{t('diff.before')} {pick(before, setBefore, 'diff-before')} {t('diff.after')} {pick(after, setAfter, 'diff-after')}
        <select value={metric} onChange={(e) => setMetric(e.target.value)} data-testid="diff-metric">{keys.map((k) => <option key={k}>{k}</option>)}</select>
        <button onClick={compare} data-testid="diff-compare">{t('compare.submit')}</button></div>
      {error && <pre className="field-error">{error}</pre>}
      {diff && (
        <div data-testid="diff-result">
          <div>{t('diff.better', { count: diff.better.length, items: diff.better.join(', ') || '—' })}</div>
          <div>{t('diff.worse', { count: diff.worse.length, items: diff.worse.join(', ') || '—' })}</div>
          <div className="muted">{t('diff.same', { same: diff.same.length, missing: diff.missing.length })}</div>
        </div>)}
    </div>
  );
}

function ReviewView({ run }: { run: EvalRun }) {
  const { t } = useTranslation('evaluation');
  const [reviewer, setReviewer] = useState(localStorage.getItem('loom.reviewer') ?? '');
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  const [index, setIndex] = useState(0);
  const [agreement, setAgreement] = useState<Agreement | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = () => {
    if (!reviewer) { setError(t('review.enterName')); return; }
    localStorage.setItem('loom.reviewer', reviewer); setError(null);
    evalApi.review(run.run_id, reviewer).then((r) => setItems(r.items)).catch((e) => setError(message(e)));
    evalApi.agreement(run.run_id).then(setAgreement).catch(() => undefined);
  };
  const mark = async (item: ReviewItem, label: string, patch: { verdict?: 'pass' | 'fail' | null; score?: number | null; flagged?: boolean; note?: string }) => {
    const answer = item.answers.find((a) => a.label === label);
    const current = answer?.review ?? { verdict: null, score: null, flagged: false, note: '' };
    const next = { ...current, ...patch };
    setError(null);
    try {
      await evalApi.addReview(run.run_id, { reviewer, item_id: item.item_id, label, ...next });
      setItems((old) => old && old.map((it) => (it.item_id !== item.item_id ? it : {
        ...it, answers: it.answers.map((a) => (a.label === label ? { ...a, review: next } : a)) })));
      evalApi.agreement(run.run_id).then(setAgreement).catch(() => undefined);
    } catch (e) { setError(message(e)); }
  };
  const item = items?.[index];
  return (
    <div data-testid="review-view">
      <div className="row">
        <input value={reviewer} onChange={(e) => setReviewer(e.target.value)} placeholder={t('review.yourName')} data-testid="reviewer" />
        <button onClick={open} data-testid="review-open">{t('review.open')}</button>
        {items && <span className="muted">{t('review.position', { n: index + 1, total: items.length })}</span>}
        {items && <button disabled={index === 0} onClick={() => setIndex(index - 1)}>{t('review.prev')}</button>}
        {items && <button disabled={index >= items.length - 1} onClick={() => setIndex(index + 1)} data-testid="review-next">{t('review.next')}</button>}
      </div>
      {error && <pre className="field-error">{error}</pre>}
      {item && (
        <div className="card" data-testid="review-item">
          <div><strong>{t('review.input')}</strong> <span style={{ whiteSpace: 'pre-wrap' }}>{typeof item.inputs.query === 'string' ? item.inputs.query : JSON.stringify(item.inputs)}</span></div>
          <div><strong>{t('review.reference')}</strong> {item.reference ?? '—'}</div>
          {item.answers.map((a) => (
            <div key={a.label} className="card" data-testid={`review-answer-${a.label}`} style={{ marginTop: 6 }}>
              <strong>{a.label}</strong> <span style={{ whiteSpace: 'pre-wrap' }}>{a.output ?? t('review.noAnswer')}</span>
              <div className="row">
                <button onClick={() => void mark(item, a.label, { verdict: 'pass' })} disabled={a.review?.verdict === 'pass'} data-testid={`pass-${a.label}`}>{t('review.pass')}</button>
                <button onClick={() => void mark(item, a.label, { verdict: 'fail' })} disabled={a.review?.verdict === 'fail'} data-testid={`fail-${a.label}`}>{t('review.fail')}</button>
                <label>{t('review.score')} <input type="number" min={1} max={5} style={{ width: 50 }} value={a.review?.score ?? ''}
                  onChange={(e) => void mark(item, a.label, { score: e.target.value ? Number(e.target.value) : null })} /></label>
                <label><input type="checkbox" checked={a.review?.flagged ?? false} onChange={(e) => void mark(item, a.label, { flagged: e.target.checked })} data-testid={`flag-${a.label}`} /> {t('review.doubtful')}</label>
                <input placeholder={t('review.note')} defaultValue={a.review?.note ?? ''} onBlur={(e) => { if (e.target.value !== (a.review?.note ?? '')) void mark(item, a.label, { note: e.target.value }); }} />
              </div>
            </div>))}
        </div>)}
      {agreement && (
        <div data-testid="agreement">
          <div className="section-title">{t('review.agreement')}</div>
          <div>{t('review.summary', { reviewers: agreement.verdict.reviewers.join(', ') || '—', units: agreement.verdict.units,
            percent: agreement.verdict.percent === null ? '—' : `${Math.round(agreement.verdict.percent * 100)}%`, kappa: fmt(agreement.verdict.kappa, 2) })}
            {agreement.verdict.method ? ` (${agreement.verdict.method})` : ''}</div>
        </div>)}
    </div>
  );
}
