import { useCallback, useEffect, useState } from 'react';
import { formatDateTime } from '../../i18n/format';
import { useDocumentTitle } from '../../i18n/useDocumentTitle';
import { api } from '../../api/client';
import { agentApi } from '../agents/api';
import { datasetsApi, type Dataset } from '../datasets/api';
import { modelsApi } from '../models/api';
import { evalApi, type EvalRun, type EvalSet, type JudgeConfig } from './api';
import { candidatesFrom, runBody, type CandidateChoice } from './helpers';
import { ComparePanel, GatePanel } from './Panels';
import RunView from './RunView';
import { useTranslation } from 'react-i18next';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const ACTIVE = new Set(['queued', 'running']);
const METRICS = ['exact-match', 'accuracy', 'f1', 'bleu', 'rouge-1', 'rouge-2', 'rouge-l', 'regex', 'json-schema', 'length'];

/** Evaluation: sets (uploaded or from a dataset version), runs comparing up to ten models, workflow versions and
 * agent apps with metrics and an LLM judge, and each run's results, report, diff, export and blind review
 * (docs/evaluation.md). */
export default function EvaluationPage() {
  const { t } = useTranslation('evaluation');
  const [sets, setSets] = useState<EvalSet[]>([]);
  const [runs, setRuns] = useState<EvalRun[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => Promise.all([evalApi.sets().then(setSets), evalApi.runs().then(setRuns)])
    .catch((e) => setError(message(e))), []);
  useEffect(() => { void load(); }, [load]);
  useDocumentTitle(t('title'));
  useEffect(() => {
    if (!runs.some((r) => ACTIVE.has(r.status))) return undefined;
    const timer = setInterval(() => { void load(); }, 3000);
    return () => clearInterval(timer);
  }, [runs, load]);
  return (
    <div className="page evaluation-page">
      <h1>{t('title')}</h1>
      {error && <pre className="field-error" data-testid="evaluation-error">{error}</pre>}
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div style={{ width: 360, flexShrink: 0 }}>
          <SetsPanel sets={sets} onChanged={load} onError={setError} />
          <NewRunForm sets={sets} onError={setError} onCreated={(r) => { setCurrent(r.run_id); void load(); }} />
          <GatePanel sets={sets} onRun={(r) => { setCurrent(r.run_id); void load(); }} />
          <ComparePanel runs={runs} />
          <div className="section-title">{t('runs')}</div>
          {runs.length === 0 && <p className="muted">{t('noRuns')}</p>}
          {runs.map((r) => (
            <div key={r.run_id} className="card" onClick={() => setCurrent(r.run_id)} data-testid={`run-card-${r.name || r.run_id}`}
              style={{ cursor: 'pointer', marginBottom: 6, borderColor: current === r.run_id ? '#2563eb' : undefined }}>
              <strong>{r.name || r.run_id.slice(0, 8)}</strong> <span className={`badge status-${r.status}`}>{t(`status.${r.status}`, { defaultValue: r.status })}</span>
              <div className="muted">{sets.find((s) => s.set_id === r.set_id)?.name ?? r.set_id} · {t('candidates', { count: r.candidates.length })} · {formatDateTime(r.created_at)}</div>
            </div>
          ))}
        </div>
        <div style={{ flex: 1, minWidth: 0 }}>
          {current ? <RunView key={current} runId={current} onChanged={load} /> : <p className="muted">{t('chooseRun')}</p>}
        </div>
      </div>
    </div>
  );
}

function SetsPanel({ sets, onChanged, onError }: { sets: EvalSet[]; onChanged: () => void; onError: (e: string | null) => void }) {
  const { t } = useTranslation('evaluation');
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [datasets, setDatasets] = useState<Dataset[]>([]);
  const [dataset, setDataset] = useState('');
  const [version, setVersion] = useState('');
  const [skipped, setSkipped] = useState<string[]>([]);
  useEffect(() => { datasetsApi.list().then(setDatasets).catch(() => undefined); }, []);
  const guard = async (action: () => Promise<EvalSet>) => {
    onError(null);
    try {
      const made = await action();
      setSkipped((made.skipped ?? []).map((s) => t('skippedLine', { line: s.line, reason: s.reason })));
      setName(''); setFile(null); onChanged();
    } catch (e) { onError(message(e)); }
  };
  const versions = datasets.find((d) => d.id === dataset)?.versions ?? [];
  return (
    <div className="card" data-testid="eval-sets">
      <div className="section-title">{t('sets.title')}</div>
      {sets.length === 0 && <p className="muted">{t('sets.empty')}</p>}
      <ul style={{ margin: '4px 0', paddingLeft: 18 }}>
        {sets.map((s) => <li key={s.set_id} data-testid={`set-${s.name}`}>{s.name} <span className="muted">· {t('sets.items', { count: s.item_count })}{s.source === 'dataset' ? ` · ${t('sets.fromDataset', { version: s.dataset_version })}` : ''}</span></li>)}
      </ul>
      <label>{t('name')} <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('sets.namePlaceholder')} data-testid="set-name" /></label>
      <div className="row">
        <input type="file" accept=".jsonl,.csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="set-file" />
        <button disabled={!file} onClick={() => file && void guard(() => evalApi.uploadSet(file, name))} data-testid="set-upload">{t('sets.upload')}</button>
      </div>
      <div className="row">
        <select value={dataset} onChange={(e) => { setDataset(e.target.value); setVersion(''); }} data-testid="set-dataset">
          <option value="">{t('sets.pickDataset')}</option>
          {datasets.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
        <select value={version} onChange={(e) => setVersion(e.target.value)} disabled={!dataset} data-testid="set-dataset-version">
          <option value="">{t('sets.version')}</option>
          {versions.map((v) => <option key={v.number} value={v.number}>v{v.number} ({t(`stages.${v.stage}`, { defaultValue: v.stage })})</option>)}
        </select>
        <button disabled={!dataset || !version} data-testid="set-from-dataset"
          onClick={() => void guard(() => evalApi.setFromDataset({ name: name || `${datasets.find((d) => d.id === dataset)?.name ?? 'dataset'} v${version}`, dataset, version: Number(version) }))}>{t('common:actions.create')}</button>
      </div>
      {skipped.length > 0 && <pre className="muted" data-testid="set-skipped">{t('sets.skipped')}{'\n'}{skipped.join('\n')}</pre>}
    </div>
  );
}

interface Options { models: string[]; workflows: { id: string; name: string; versions: number[] }[]; agents: { id: string; name: string; version: number }[] }

function NewRunForm({ sets, onCreated, onError }: { sets: EvalSet[]; onCreated: (r: EvalRun) => void; onError: (e: string | null) => void }) {
  const { t } = useTranslation('evaluation');
  const [options, setOptions] = useState<Options>({ models: [], workflows: [], agents: [] });
  const [name, setName] = useState('');
  const [setId, setSetId] = useState('');
  const [choices, setChoices] = useState<CandidateChoice[]>([{ kind: 'model', ref: '', version: '' }]);
  const [metrics, setMetrics] = useState<string[]>(['exact-match']);
  const [judgeOn, setJudgeOn] = useState(false);
  const [judge, setJudge] = useState<JudgeConfig>({ model: '', mode: 'score', rubric: null, language: 'zh' });
  const [concurrency, setConcurrency] = useState(4);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void (async () => {
      const [models, deployments, workflows, agents] = await Promise.all([
        modelsApi.models().catch(() => ({ items: [], configured: [] })), modelsApi.deployments().catch(() => []),
        api.listWorkflows().catch(() => []), agentApi.list().catch(() => [])]);
      const names = [...models.configured.map((m) => m.name), ...models.items.filter((m) => m.kind === 'endpoint').map((m) => m.name),
        ...deployments.map((d) => d.name)];
      const flows = await Promise.all(workflows.map(async (w) => ({ id: w.id, name: w.name,
        versions: (await api.versions(w.id).catch(() => [])).map((v) => Number((v as Record<string, unknown>).version)) })));
      setOptions({ models: [...new Set(names)], workflows: flows, agents: agents.map((a) => ({ id: a.id, name: a.name, version: a.version })) });
    })();
  }, []);
  const update = (i: number, patch: Partial<CandidateChoice>) => setChoices(choices.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  const submit = async () => {
    const { body, errors } = runBody(name, setId || sets[0]?.set_id || '', choices, metrics, judgeOn ? judge : null, concurrency);
    if (!body) { onError(errors.join('\n')); return; }
    onError(null); setBusy(true);
    try { onCreated(await evalApi.create(body)); } catch (e) { onError(message(e)); }
    setBusy(false);
  };
  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="new-run" style={{ marginTop: 8 }}>
      <div className="section-title">{t('form.title')}</div>
      <label>{t('name')} <input value={name} onChange={(e) => setName(e.target.value)} data-testid="run-name" /></label>
      <label>{t('form.set')} <select value={setId} onChange={(e) => setSetId(e.target.value)} data-testid="run-set">
        {sets.map((s) => <option key={s.set_id} value={s.set_id}>{s.name}</option>)}
      </select></label>
      <div className="muted">{t('form.candidates')}</div>
      {choices.map((c, i) => (
        <div className="row" key={i} data-testid={`candidate-${i}`}>
          <select value={c.kind} onChange={(e) => update(i, { kind: e.target.value as CandidateChoice['kind'], ref: '', version: '' })} data-testid="candidate-kind">
            <option value="model">{t('form.kinds.model')}</option><option value="workflow">{t('form.kinds.workflow')}</option><option value="agent">{t('form.kinds.agent')}</option>
          </select>
          <select value={c.ref} onChange={(e) => update(i, { ref: e.target.value })} data-testid="candidate-ref">
            <option value="">{t('form.choose')}</option>
            {c.kind === 'model' && options.models.map((m) => <option key={m} value={m}>{m}</option>)}
            {c.kind === 'workflow' && options.workflows.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
            {c.kind === 'agent' && options.agents.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
          {c.kind !== 'model' && (
            <select value={c.version} onChange={(e) => update(i, { version: e.target.value })} data-testid="candidate-version">
              <option value="">{t('form.draft')}</option>
              {c.kind === 'workflow' && (options.workflows.find((w) => w.id === c.ref)?.versions ?? []).map((v) => <option key={v} value={v}>v{v}</option>)}
              {c.kind === 'agent' && (options.agents.find((a) => a.id === c.ref)?.version ?? 0) > 0 &&
                <option value={options.agents.find((a) => a.id === c.ref)!.version}>{t('form.published')}</option>}
            </select>)}
          <button type="button" onClick={() => setChoices(choices.filter((_, j) => j !== i))} disabled={choices.length === 1}>×</button>
        </div>
      ))}
      <button type="button" disabled={choices.length >= 10} onClick={() => setChoices([...choices, { kind: 'model', ref: '', version: '' }])} data-testid="add-candidate">{t('form.addCandidate')}</button>
      <div className="muted">{t('form.metrics')}</div>
      <div className="row" style={{ flexWrap: 'wrap' }}>
        {METRICS.map((m) => (
          <label key={m} style={{ display: 'inline-flex', gap: 4 }}>
            <input type="checkbox" checked={metrics.includes(m)} data-testid={`metric-${m}`}
              onChange={(e) => setMetrics(e.target.checked ? [...metrics, m] : metrics.filter((x) => x !== m))} />{m}
          </label>))}
      </div>
      <label><input type="checkbox" checked={judgeOn} onChange={(e) => setJudgeOn(e.target.checked)} data-testid="judge-on" /> {t('form.judge')}</label>
      {judgeOn && (
        <div data-testid="judge">
          <div className="row">
            <select value={judge.model} onChange={(e) => setJudge({ ...judge, model: e.target.value })} data-testid="judge-model">
              <option value="">{t('form.judgeModel')}</option>
              {options.models.map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
            <select value={judge.mode} onChange={(e) => setJudge({ ...judge, mode: e.target.value as 'score' | 'pairwise' })} data-testid="judge-mode">
              <option value="score">{t('form.score')}</option><option value="pairwise">{t('form.pairwise')}</option>
            </select>
            {judge.mode === 'pairwise' && (
              <select value={judge.baseline ?? ''} onChange={(e) => setJudge({ ...judge, baseline: e.target.value || null })} data-testid="judge-baseline">
                <option value="">{t('form.baseline')}</option>
                {candidatesFrom(choices).map((c) => <option key={c.candidate_id} value={c.candidate_id}>{c.candidate_id} · {c.name}</option>)}
              </select>)}
            <select value={judge.language} onChange={(e) => setJudge({ ...judge, language: e.target.value as 'zh' | 'en' })}>
              <option value="zh">{t('form.rubricZh')}</option><option value="en">{t('form.rubricEn')}</option>
            </select>
          </div>
          <textarea rows={5} style={{ width: '100%' }} value={judge.rubric ?? ''} placeholder={t('form.rubric')}
            onChange={(e) => setJudge({ ...judge, rubric: e.target.value || null })} data-testid="judge-rubric" />
        </div>)}
      <label>{t('form.concurrency')} <input type="number" min={1} max={64} value={concurrency} onChange={(e) => setConcurrency(Number(e.target.value) || 1)} /></label>
      <button type="submit" disabled={busy} data-testid="run-start">{t('form.start')}</button>
    </form>
  );
}
