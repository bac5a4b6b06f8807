import { useCallback, useEffect, useState } from 'react';
import { useDocumentTitle } from '../../i18n/useDocumentTitle';
import { FORMATS, datasetsApi, type BaseModel, type Dataset, type Operator, type OperatorParam, type RowPage, type Stats, type Version } from './api';
import { actions, defaultParams, describeVersion, histogramBars, stepParams, toggleChoice } from './helpers';
import { useTranslation } from 'react-i18next';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const PAGE = 10;

/** Fine-tuning datasets: import a JSONL/CSV file (bad rows by line), statistics with the length histogram (in a base
 * model's tokens or characters), operators with their parameters, train/validation split and publish, format
 * conversion and export, versions and a row preview (docs/finetuning.md). */
export default function DatasetsPage() {
  const { t } = useTranslation('datasets');
  const [datasets, setDatasets] = useState<Dataset[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => datasetsApi.list().then(setDatasets).catch((e) => setError(message(e))), []);
  useEffect(() => { void load(); }, [load]);
  const dataset = datasets.find((d) => d.id === current);
  useDocumentTitle(t('title'));
  return (
    <div className="page datasets-page">
      <h1>{t('title')}</h1>
      {error && <pre className="field-error" data-testid="datasets-error">{error}</pre>}
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div style={{ width: 300 }}>
          <ImportForm onImported={(v) => { setCurrent(v.dataset_id); void load(); }} onError={setError} />
          <div className="section-title">{t('title')}</div>
          {datasets.map((d) => (
            <div key={d.id} className={`card ${current === d.id ? 'selected' : ''}`} onClick={() => setCurrent(d.id)}
              data-testid={`dataset-card-${d.name}`} style={{ cursor: 'pointer', marginBottom: 6 }}>
              <strong>{d.name}</strong> <span className="muted">{t('versionCount', { count: d.versions.length })}
                {d.versions.some((v) => v.stage === 'published') ? ` · ${t('stages.published')}` : ''}</span>
            </div>
          ))}
        </div>
        {dataset && <DatasetDetail key={dataset.id} dataset={dataset} onChanged={load}
          onDeleted={() => { setCurrent(null); void load(); }} />}
      </div>
    </div>
  );
}

function ImportForm({ onImported, onError }: { onImported: (v: Version) => void; onError: (e: string | null) => void }) {
  const { t } = useTranslation('datasets');
  const [name, setName] = useState('');
  const [format, setFormat] = useState('auto');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!file) { onError(t('import.chooseFile')); return; }
    onError(null); setBusy(true);
    try { onImported(await datasetsApi.importFile(file, name || file.name.replace(/\.[^.]+$/, ''), format)); setName(''); }
    catch (e) { onError(message(e)); }
    setBusy(false);
  };
  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="dataset-import">
      <div className="section-title">{t('import.title')}</div>
      <label className="field"><span className="field-label">{t('import.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('import.namePlaceholder')} data-testid="dataset-name" /></label>
      <label className="field"><span className="field-label">{t('format')}</span>
        <select value={format} onChange={(e) => setFormat(e.target.value)} data-testid="dataset-format">
          <option value="auto">{t('import.detect')}</option><option value="messages">messages</option>
          <option value="context-target">context / target</option><option value="text">{t('import.text')}</option>
        </select></label>
      <input type="file" accept=".jsonl,.ndjson,.json,.csv,.tsv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="dataset-file" />
      <button type="submit" className="primary" disabled={busy} data-testid="dataset-import-submit">{busy ? t('import.checking') : t('import.submit')}</button>
    </form>
  );
}

function DatasetDetail({ dataset, onChanged, onDeleted }: { dataset: Dataset; onChanged: () => void; onDeleted: () => void }) {
  const { t } = useTranslation('datasets');
  const newest = dataset.versions[dataset.versions.length - 1]?.number ?? null;
  const [selected, setSelected] = useState<number | null>(newest);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { setSelected(newest); }, [newest]);
  const version = dataset.versions.find((v) => v.number === selected);
  const run = async (action: () => Promise<Version | void>) => {
    setError(null);
    try { const made = await action(); if (made) setSelected(made.number); onChanged(); } catch (e) { setError(message(e)); }
  };
  const remove = async () => {
    if (!window.confirm(t('deleteConfirm', { name: dataset.name }))) return;
    try { await datasetsApi.deleteDataset(dataset.id); onDeleted(); } catch (e) { setError(message(e)); }
  };
  return (
    <div className="card" style={{ flex: 1 }} data-testid="dataset-detail">
      <div className="row"><h2>{dataset.name}</h2><span className="spacer" />
        <button type="button" onClick={() => void remove()} data-testid="dataset-delete">{t('deleteDataset')}</button></div>
      {error && <pre className="field-error" data-testid="dataset-action-error">{error}</pre>}
      <div className="section-title">{t('versions')}</div>
      <NewVersionForm dataset={dataset} run={run} />
      <table data-testid="dataset-versions"><tbody>
        {dataset.versions.map((v) => (
          <tr key={v.number} className={v.number === selected ? 'selected' : ''} onClick={() => setSelected(v.number)}
            style={{ cursor: 'pointer' }} data-testid={`version-${v.number}`}>
            <td><strong>v{v.number}</strong></td>
            <td><span className={`badge stage-${v.stage}`} data-testid="version-stage">{t(`stages.${v.stage}`, { defaultValue: v.stage })}</span></td>
            <td>{t('rows', { count: v.rows })}</td>
            <td className="muted">{describeVersion(v)}</td>
          </tr>
        ))}
      </tbody></table>
      {version && <VersionPanel key={version.number} dataset={dataset} version={version} run={run} />}
    </div>
  );
}

function NewVersionForm({ dataset, run }: { dataset: Dataset; run: (a: () => Promise<Version | void>) => Promise<void> }) {
  const { t } = useTranslation('datasets');
  const [file, setFile] = useState<File | null>(null);
  return (
    <div className="row muted" data-testid="new-version">
      <span>{t('newVersion')}</span>
      <input type="file" accept=".jsonl,.ndjson,.json,.csv,.tsv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="new-version-file" />
      <button type="button" disabled={!file} onClick={() => file && void run(() => datasetsApi.importVersion(dataset.id, file, 'auto'))}
        data-testid="new-version-submit">{t('import.submit')}</button>
    </div>
  );
}

function VersionPanel({ dataset, version, run }: { dataset: Dataset; version: Version; run: (a: () => Promise<Version | void>) => Promise<void> }) {
  const { t } = useTranslation('datasets');
  const can = actions(version);
  const [validation, setValidation] = useState(0.1);
  const [stratify, setStratify] = useState('');
  const bad = version.report.bad;
  const dropped = version.operations.dropped ?? [];
  return (
    <div data-testid="version-panel">
      <div className="section-title">v{version.number} · {t(`stages.${version.stage}`, { defaultValue: version.stage })}{version.format ? ` · ${version.format}` : ''}</div>
      {bad.length > 0 && (
        <div data-testid="bad-rows">
          <div className="field-error">{t('badRows', { count: bad.length, total: version.report.rows })}</div>
          <ul>{bad.slice(0, 200).map((b) => <li key={b.line} data-testid="bad-row"><code>{t('line', { line: b.line })}</code>: {b.reason}</li>)}</ul>
        </div>
      )}
      {dropped.length > 0 && (
        <div data-testid="dropped-rows">
          <div className="muted">{t('droppedRows', { count: dropped.length })}</div>
          <ul>{dropped.slice(0, 200).map((d) => <li key={`${d.line}-${d.reason}`} data-testid="dropped-row"><code>{t('line', { line: d.line })}</code>: {d.reason}</li>)}</ul>
        </div>
      )}
      <StatsView dataset={dataset} version={version} />
      <OperatorsForm version={version} run={run} dataset={dataset} />
      <ConvertExport dataset={dataset} version={version} run={run} />
      <div className="section-title">{t('split.title')}</div>
      <div className="row">
        <label className="field"><span className="field-label">{t('split.validation')}</span>
          <input type="number" min={0.01} max={0.9} step={0.01} value={validation} onChange={(e) => setValidation(Number(e.target.value))} data-testid="split-validation" /></label>
        <label className="field"><span className="field-label">{t('split.stratify')}</span>
          <input value={stratify} onChange={(e) => setStratify(e.target.value)} placeholder={t('optional')} data-testid="split-stratify" /></label>
        <button type="button" onClick={() => void run(() => datasetsApi.split(dataset.id, version.number, validation, stratify))} data-testid="split-submit">{t('split.submit')}</button>
        {can.publish && <button type="button" className="primary" onClick={() => void run(() => datasetsApi.publish(dataset.id, version.number))} data-testid="publish-submit">{t('split.publish')}</button>}
        {can.remove && <button type="button" onClick={() => void run(() => datasetsApi.deleteVersion(dataset.id, version.number))} data-testid="version-delete">{t('deleteVersion')}</button>}
      </div>
      {version.stage === 'published' && <div className="muted" data-testid="published-note">{t('publishedNote')}</div>}
      <Preview dataset={dataset} version={version} />
    </div>
  );
}

function StatsView({ dataset, version }: { dataset: Dataset; version: Version }) {
  const { t } = useTranslation('datasets');
  const [models, setModels] = useState<BaseModel[]>([]);
  const [model, setModel] = useState('');
  const [epochs, setEpochs] = useState('');
  const [counted, setCounted] = useState<Stats | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { datasetsApi.baseModels().then(setModels).catch(() => setModels([])); }, []);
  const count = async () => {
    setError(null); setBusy(true);
    try { setCounted((await datasetsApi.stats(dataset.id, version.number, model, epochs ? Number(epochs) : null)).stats); }
    catch (e) { setError(message(e)); }
    setBusy(false);
  };
  const s = counted ?? version.report.stats;
  const bars = histogramBars(s.histogram ?? []);
  return (
    <div data-testid="dataset-stats">
      <div className="section-title">{t('stats.title')}</div>
      <div className="row">
        <label className="field"><span className="field-label">{t('stats.countWith')}</span>
          <select value={model} onChange={(e) => setModel(e.target.value)} data-testid="stats-model">
            <option value="">{t('stats.characters')}</option>
            {models.map((m) => <option key={m.name} value={m.name}>{t('stats.tokenizer', { model: m.name })}</option>)}
          </select></label>
        <label className="field"><span className="field-label">{t('stats.epochs')}</span>
          <input type="number" min={1} value={epochs} onChange={(e) => setEpochs(e.target.value)} placeholder={t('optional')} data-testid="stats-epochs" /></label>
        <button type="button" disabled={busy} onClick={() => void count()} data-testid="stats-submit">{busy ? t('stats.counting') : t('stats.count')}</button>
      </div>
      {error && <div className="field-error" data-testid="stats-error">{error}</div>}
      <div className="muted" data-testid="stats-measure">{t('stats.measure', { unit: s.unit, measure: s.measure || (s.unit === 'tokens' ? 'tokens' : t('stats.noTokenizer')) })}</div>
      <div className="row muted">
        <span>{t('rows', { count: s.rows })}</span>{s.turns > 0 && <span>{t('stats.answers', { count: s.turns })}</span>}
        <span data-testid="stats-lengths">{t('stats.lengths', { unit: s.unit, min: s.length_min, mean: s.length_mean, p95: s.length_p95 })}{s.length_p99 !== undefined ? ` · p99 ${s.length_p99}` : ''} · {t('stats.max', { max: s.length_max })}</span>
        {s.context_length ? <span data-testid="stats-context">{t('stats.context', { length: s.context_length })}</span> : null}
        <span data-testid="stats-duplicates">{t('stats.duplicates', { exact: s.exact_duplicates.length, near: s.near_duplicates.length })}</span>
      </div>
      <div data-testid="length-histogram">
        {bars.map((b) => (
          <div key={b.label} className="row" data-testid="histogram-bar" style={{ gap: 6 }}>
            <span className="muted" style={{ width: 70, textAlign: 'right' }}>{b.label}</span>
            <span style={{ display: 'inline-block', height: 10, width: `${Math.max(b.percent, b.rows ? 1 : 0) * 2}px`, background: '#6366f1', borderRadius: 2 }} />
            <span className="muted">{b.rows}</span>
          </div>
        ))}
      </div>
      {s.advice.length > 0 && <ul data-testid="dataset-advice">{s.advice.map((a) => <li key={a.code} data-testid={`advice-${a.code}`}>{a.message} <span className="muted">({a.source})</span></li>)}</ul>}
    </div>
  );
}

function ParamInput({ op, param, value, onChange }: { op: string; param: OperatorParam; value: unknown; onChange: (v: unknown) => void }) {
  const id = `param-${op}-${param.name}`;
  if (param.type === 'boolean') {
    return <label className="inline"><input type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} data-testid={id} />{param.name}</label>;
  }
  if (param.type === 'choice') {
    return (<label className="inline">{param.name}{' '}
      <select value={String(value)} onChange={(e) => onChange(e.target.value)} data-testid={id}>
        {(param.choices ?? []).map((c) => <option key={c} value={c}>{c}</option>)}
      </select></label>);
  }
  if (param.type === 'choices') {
    const list = Array.isArray(value) ? (value as string[]) : [];
    return (<span className="inline">{param.name}:{' '}
      {(param.choices ?? []).map((c) => (
        <label key={c} className="inline"><input type="checkbox" checked={list.includes(c)} onChange={() => onChange(toggleChoice(list, c, param.choices ?? []))}
          data-testid={`${id}-${c}`} />{c}</label>))}</span>);
  }
  return (<label className="inline">{param.name}{' '}
    <input value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} style={{ width: 80 }}
      type={param.type === 'number' ? 'number' : 'text'} step="any" data-testid={id} /></label>);
}

function OperatorsForm({ dataset, version, run }: { dataset: Dataset; version: Version; run: (a: () => Promise<Version | void>) => Promise<void> }) {
  const { t } = useTranslation('datasets');
  const [operators, setOperators] = useState<Operator[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [values, setValues] = useState<Record<string, Record<string, unknown>>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    datasetsApi.operators().then((ops) => {
      setOperators(ops);
      setValues(Object.fromEntries(ops.map((o) => [o.name, defaultParams(o.params ?? [])])));
    }).catch((e) => setError(message(e)));
  }, []);
  const toggle = (name: string) => setChosen((c) => (c.includes(name) ? c.filter((n) => n !== name) : [...c, name]));
  const setValue = (op: string, param: string, value: unknown) => setValues((v) => ({ ...v, [op]: { ...v[op], [param]: value } }));
  const apply = () => {
    setError(null);
    let steps;
    try {
      steps = chosen.map((name) => {
        const operator = operators.find((o) => o.name === name) as Operator;
        return { operator: name, params: stepParams(operator, values[name] ?? {}) };
      });
    } catch (e) { setError(message(e)); return; }
    void run(() => datasetsApi.apply(dataset.id, version.number, steps));
  };
  return (
    <div data-testid="operators-form">
      <div className="section-title">{t('operators.title')}</div>
      {operators.map((o) => (
        <div key={o.name} className="row" style={{ flexWrap: 'wrap' }}>
          <label className="inline" title={o.description}>
            <input type="checkbox" checked={chosen.includes(o.name)} onChange={() => toggle(o.name)} data-testid={`operator-${o.name}`} />
            {o.name}{chosen.includes(o.name) ? ` (${chosen.indexOf(o.name) + 1})` : ''}</label>
          <span className="muted" style={{ flex: 1 }}>{o.description}</span>
          {chosen.includes(o.name) && (o.params ?? []).map((p) => (
            <ParamInput key={p.name} op={o.name} param={p} value={values[o.name]?.[p.name]} onChange={(v) => setValue(o.name, p.name, v)} />))}
        </div>
      ))}
      {error && <div className="field-error" data-testid="operators-error">{error}</div>}
      <button type="button" disabled={!chosen.length} onClick={apply} data-testid="operators-apply">{t('operators.apply')}</button>
    </div>
  );
}

function ConvertExport({ dataset, version, run }: { dataset: Dataset; version: Version; run: (a: () => Promise<Version | void>) => Promise<void> }) {
  const { t } = useTranslation('datasets');
  const [format, setFormat] = useState<string>(version.format ?? 'messages');
  const [part, setPart] = useState('');
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    setError(null);
    try {
      const text = await datasetsApi.exportText(dataset.id, version.number, format, part || undefined);
      const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
      const link = document.createElement('a');
      link.href = url; link.download = `${dataset.name}-v${version.number}${part ? `-${part}` : ''}.${format}.jsonl`;
      document.body.appendChild(link); link.click(); link.remove();
      URL.revokeObjectURL(url);
    } catch (e) { setError(message(e)); }
  };
  return (
    <div data-testid="convert-export">
      <div className="section-title">{t('convert.title')}</div>
      <div className="row">
        <label className="field"><span className="field-label">{t('format')}</span>
          <select value={format} onChange={(e) => setFormat(e.target.value)} data-testid="convert-format">
            {FORMATS.map((f) => <option key={f} value={f}>{f === version.format ? t('convert.thisVersion', { format: f }) : f}</option>)}
          </select></label>
        {version.train_rows !== null && (
          <label className="field"><span className="field-label">{t('convert.rows')}</span>
            <select value={part} onChange={(e) => setPart(e.target.value)} data-testid="export-part">
              <option value="">{t('parts.all')}</option><option value="train">{t('parts.train')}</option><option value="validation">{t('parts.validation')}</option>
            </select></label>)}
        <button type="button" disabled={format === version.format} onClick={() => void run(() => datasetsApi.convert(dataset.id, version.number, format))}
          data-testid="convert-submit" title={t('convert.hint')}>{t('convert.submit')}</button>
        <button type="button" onClick={() => void download()} data-testid="export-submit">{t('convert.export')}</button>
      </div>
      {error && <div className="field-error" data-testid="export-error">{error}</div>}
    </div>
  );
}

function Preview({ dataset, version }: { dataset: Dataset; version: Version }) {
  const { t } = useTranslation('datasets');
  const [offset, setOffset] = useState(0);
  const [part, setPart] = useState('');
  const [page, setPage] = useState<RowPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    datasetsApi.rows(dataset.id, version.number, offset, PAGE, part || undefined).then(setPage).catch((e) => setError(message(e)));
  }, [dataset.id, version.number, offset, part]);
  return (
    <div data-testid="dataset-preview">
      <div className="row"><div className="section-title">{t('convert.rows')}</div>
        {version.train_rows !== null && (
          <select value={part} onChange={(e) => { setPart(e.target.value); setOffset(0); }} data-testid="preview-part">
            <option value="">{t('parts.all')}</option><option value="train">{t('parts.train')}</option><option value="validation">{t('parts.validation')}</option>
          </select>)}
        <span className="spacer" />
        {page && <span className="muted">{page.total ? t('preview.range', { from: offset + 1, to: Math.min(offset + PAGE, page.total), total: page.total }) : t('preview.noRows')}</span>}
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} data-testid="preview-prev">{t('preview.previous')}</button>
        <button type="button" disabled={!page || offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)} data-testid="preview-next">{t('preview.next')}</button>
      </div>
      {error && <div className="field-error">{error}</div>}
      <table><tbody>
        {page?.items.map((item) => (
          <tr key={item.line} data-testid="preview-row"><td className="muted">{t('line', { line: item.line })}</td>
            <td><pre className="json">{JSON.stringify(item.row, null, 1)}</pre></td></tr>
        ))}
      </tbody></table>
    </div>
  );
}
