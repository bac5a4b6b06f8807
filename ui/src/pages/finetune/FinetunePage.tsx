import { useCallback, useEffect, useRef, useState } from 'react';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { useDocumentTitle } from '../../i18n/useDocumentTitle';
import { datasetsApi, type Dataset } from '../datasets/api';
import { modelsApi, type Deployment, type ModelRow } from '../models/api';
import { isTransient } from '../models/lineage';
import { finetuneApi, type Job, type ParamsInfo, type ProgressPoint } from './api';
import { mergePoints } from './chart';
import { duration, paramsFromForm, placeholder } from './form';
import LossChart from './LossChart';
import { useTranslation } from 'react-i18next';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const ACTIVE = new Set(['queued', 'running']);

/** Fine-tuning: start a LoRA SFT job on a published dataset version, watch its loss live, read the diagnosis
 * and logs, cancel or resume it, and deploy the model it produced (docs/finetuning.md). */
export default function FinetunePage() {
  const { t } = useTranslation('finetune');
  const [jobs, setJobs] = useState<Job[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => finetuneApi.jobs().then(setJobs).catch((e) => setError(message(e))), []);
  useEffect(() => { void load(); }, [load]);
  useDocumentTitle(t('title'));
  useEffect(() => {  // the list's statuses follow running jobs
    if (!jobs.some((j) => ACTIVE.has(j.status))) return undefined;
    const timer = setInterval(() => { void load(); }, 3000);
    return () => clearInterval(timer);
  }, [jobs, load]);
  return (
    <div className="page finetune-page">
      <h1>{t('title')}</h1>
      {error && <pre className="field-error" data-testid="finetune-error">{error}</pre>}
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div style={{ width: 340 }}>
          <NewJobForm onCreated={(job) => { setCurrent(job.id); void load(); }} onError={setError} />
          <div className="section-title">{t('jobs')}</div>
          {jobs.length === 0 && <p className="muted">{t('noJobs')}</p>}
          {jobs.map((j) => (
            <div key={j.id} className="card" onClick={() => setCurrent(j.id)} data-testid={`job-card-${j.name}`}
              style={{ cursor: 'pointer', marginBottom: 6, borderColor: current === j.id ? '#2563eb' : undefined }}>
              <strong>{j.name}</strong> <span className={`badge status-${j.status}`} data-testid="job-card-status">{t(`status.${j.status}`, { defaultValue: j.status })}</span>
              <div className="muted">{j.base_model} · {t('datasetVersion', { version: j.dataset_version })} · {formatDateTime(j.created_at)}</div>
            </div>
          ))}
        </div>
        {current && <JobDetail key={current} jobId={current} onChanged={load} />}
      </div>
    </div>
  );
}

function NewJobForm({ onCreated, onError }: { onCreated: (job: Job) => void; onError: (e: string | null) => void }) {
  const { t } = useTranslation('finetune');
  const [info, setInfo] = useState<ParamsInfo | null>(null);
  const [models, setModels] = useState<ModelRow[]>([]);
  const [datasets, setDatasets] = useState<Dataset[]>([]);
  const [name, setName] = useState('');
  const [base, setBase] = useState('');
  const [dataset, setDataset] = useState('');
  const [version, setVersion] = useState('');
  const [systemPrompt, setSystemPrompt] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [warnings, setWarnings] = useState<string[]>([]);
  useEffect(() => {
    finetuneApi.params().then(setInfo).catch((e) => onError(message(e)));
    modelsApi.models().then((m) => setModels(m.items.filter((x) => x.kind !== 'endpoint'))).catch(() => undefined);
    datasetsApi.list().then(setDatasets).catch(() => undefined);
  }, [onError]);
  const published = (datasets.find((d) => d.id === dataset)?.versions ?? []).filter((v) => v.stage === 'published');
  const submit = async () => {
    if (!info) return;
    const { params, errors } = paramsFromForm(values, info);
    if (errors.length) { onError(errors.join('\n')); return; }
    onError(null); setBusy(true);
    try {
      const job = await finetuneApi.create({ name, base_model: base, dataset, dataset_version: Number(version),
        params, system_prompt: systemPrompt || null });
      setWarnings(job.warnings ?? []);
      onCreated(job);
    } catch (e) { onError(message(e)); }
    setBusy(false);
  };
  const bases = [...new Map(models.map((m) => [m.name, m])).values()];
  return (
    <form className="card" data-testid="new-job" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <div className="section-title">{t('form.title')}</div>
      <label className="field"><span className="field-label">{t('form.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="support-bot" data-testid="job-name" required /></label>
      <label className="field"><span className="field-label">{t('form.base')}</span>
        <select value={base} onChange={(e) => setBase(e.target.value)} data-testid="job-base" required>
          <option value="">{t('form.choose')}</option>
          {bases.map((m) => <option key={m.name} value={m.name}>{m.kind === 'finetune' ? t('form.incremental', { name: m.name }) : m.name}</option>)}
        </select></label>
      <label className="field"><span className="field-label">{t('form.dataset')}</span>
        <select value={dataset} onChange={(e) => { setDataset(e.target.value); setVersion(''); }} data-testid="job-dataset" required>
          <option value="">{t('form.choose')}</option>
          {datasets.filter((d) => d.versions.some((v) => v.stage === 'published')).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select></label>
      <label className="field"><span className="field-label">{t('form.version')}</span>
        <select value={version} onChange={(e) => setVersion(e.target.value)} data-testid="job-dataset-version" required>
          <option value="">{t('form.choose')}</option>
          {published.map((v) => <option key={v.number} value={v.number}>v{v.number} · {t('form.versionRows', { train: v.train_rows, validation: v.validation_rows })}</option>)}
        </select></label>
      <label className="field"><span className="field-label">{t('form.systemPrompt')}</span>
        <textarea rows={2} value={systemPrompt} onChange={(e) => setSystemPrompt(e.target.value)} data-testid="job-system-prompt" /></label>
      <details data-testid="job-params">
        <summary className="field-label">{t('form.hyperparameters')}</summary>
        <div className="param-grid">
          {info && Object.keys(info.defaults).map((key) => {
            const hint = info.hints[key];
            const range = hint && (hint.min !== undefined || hint.max !== undefined) ? ` (${hint.min ?? '…'}–${hint.max ?? '…'})` : '';
            return (
              <label key={key} className="field" title={hint?.hint}>
                <span className="field-label">{key}{range}</span>
                <input value={values[key] ?? ''} placeholder={placeholder(key, info)} data-testid={`param-${key}`}
                  onChange={(e) => setValues({ ...values, [key]: e.target.value })} />
                {hint?.hint && <span className="muted">{hint.hint}</span>}
              </label>
            );
          })}
        </div>
      </details>
      <div className="row"><button type="submit" disabled={busy || !info} data-testid="job-submit">{busy ? t('form.starting') : t('form.start')}</button></div>
      {warnings.map((w) => <div key={w} className="field-warning" data-testid="job-warning">{w}</div>)}
    </form>
  );
}

function JobDetail({ jobId, onChanged }: { jobId: string; onChanged: () => void }) {
  const { t } = useTranslation('finetune');
  const [job, setJob] = useState<Job | null>(null);
  const [points, setPoints] = useState<ProgressPoint[]>([]);
  const [logs, setLogs] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [run, setRun] = useState(0);  // a new run of the job (resumed): follow it again
  const logsNext = useRef(0);
  const refresh = useCallback(() => finetuneApi.get(jobId).then(setJob).catch((e) => setError(message(e))), [jobId]);
  const readLogs = useCallback(async () => {
    const page = await finetuneApi.logs(jobId, logsNext.current);
    logsNext.current = page.next;
    if (page.lines.length) setLogs((old) => [...old, ...page.lines].slice(-500));
  }, [jobId]);

  useEffect(() => {
    const abort = new AbortController();
    let after = -1;
    (async () => {
      await refresh();
      const first = await finetuneApi.progress(jobId);
      setPoints((old) => mergePoints(old, first));
      after = first.length ? first[first.length - 1].step : -1;
      await finetuneApi.events(jobId, after, (e) => {
        if (e.type === 'progress') setPoints((old) => mergePoints(old, [e.point]));
        else { setJob((old) => ({ ...old, ...e.job })); onChanged(); void readLogs(); }
      }, abort.signal);
      await refresh();  // finished: the final diagnosis
      await readLogs();
    })().catch((e) => { if (!abort.signal.aborted) setError(message(e)); });
    return () => abort.abort();
  }, [jobId, run, refresh, readLogs, onChanged]);

  useEffect(() => {
    void readLogs().catch(() => undefined);
    if (!job || !ACTIVE.has(job.status)) return undefined;
    const timer = setInterval(() => { void readLogs().catch(() => undefined); }, 2000);
    return () => clearInterval(timer);
  }, [job?.status, readLogs]);

  if (!job) return <div className="card muted">{t('common:loading')}{error && <pre className="field-error">{error}</pre>}</div>;
  const last = points.length ? points[points.length - 1] : null;
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try { await f(); await refresh(); onChanged(); } catch (e) { setError(message(e)); }
  };
  return (
    <div className="card" style={{ flex: 1, minWidth: 0 }} data-testid="job-detail">
      <div className="row">
        <strong>{job.name}</strong>
        <span className={`badge status-${job.status}`} data-testid="job-status">{t(`status.${job.status}`, { defaultValue: job.status })}</span>
        {job.device && <span className="muted">{t('onDevice', { device: job.device })}</span>}
        <span className="spacer" />
        {ACTIVE.has(job.status) && <button type="button" data-testid="job-cancel" onClick={() => void act(() => finetuneApi.cancel(job.id))}>{t('cancel')}</button>}
      </div>
      <div className="muted">{t('from', { model: `${job.base_model}${job.base_version ? ` v${job.base_version}` : ''}` })} · {t('datasetOf', { id: job.dataset_id, version: job.dataset_version })}
        {job.resume_from ? ` · ${t('resumedFrom', { checkpoint: job.resume_from, mode: job.resume_mode })}` : ''}</div>
      {error && <pre className="field-error" data-testid="job-error">{error}</pre>}
      {job.error && <pre className="field-error" data-testid="job-failure">{job.error}</pre>}
      {(job.warnings ?? []).map((w) => <div key={w} className="field-warning">{w}</div>)}
      <LossChart points={points} />
      {last && (
        <div className="row muted" data-testid="job-progress">
          <span>{t('progress.step', { step: last.total_steps ? `${last.step} / ${last.total_steps}` : last.step })}</span>
          <span>{t('progress.epoch', { epoch: last.epoch.toFixed(2) })}</span>
          {last.learning_rate !== null && <span>lr {last.learning_rate.toExponential(2)}</span>}
          <span>{t('progress.tokens', { tokens: formatNumber(last.tokens_seen) })}</span>
          {ACTIVE.has(job.status) && <span>{t('progress.eta', { eta: duration(last.eta_s) })}</span>}
        </div>
      )}
      {(job.final_train_loss !== null || job.final_eval_loss !== null) && (
        <div className="row" data-testid="job-final-loss">{t('finalLoss', { train: job.final_train_loss?.toFixed(4) ?? '—', validation: job.final_eval_loss?.toFixed(4) ?? '—' })}</div>
      )}
      {job.diagnosis && (
        <div className={job.diagnosis.code === 'ok' || job.diagnosis.code === 'too_few_points' ? 'card' : 'card field-warning'} data-testid="job-diagnosis">
          <strong>{job.diagnosis.message}</strong>
          <div>{job.diagnosis.advice}{job.diagnosis.seed_ref ? <span className="muted"> ({job.diagnosis.seed_ref})</span> : null}</div>
        </div>
      )}
      {job.system_prompt && (
        <div className="muted" data-testid="job-system-prompt-note">{t('systemPromptNote', { prompt: job.system_prompt })}</div>
      )}
      {(job.status === 'failed' || job.status === 'cancelled') && <Resume job={job} onResumed={() => { void refresh(); setPoints([]); setRun((n) => n + 1); onChanged(); }} onError={setError} />}
      {job.status === 'succeeded' && job.result_model && <Deploy job={job} onError={setError} />}
      <div className="section-title">{t('logs')}</div>
      <pre className="streamed" style={{ maxHeight: 240, overflow: 'auto' }} data-testid="job-logs">{logs.join('\n') || t('noLogs')}</pre>
    </div>
  );
}

function Resume({ job, onResumed, onError }: { job: Job; onResumed: () => void; onError: (e: string | null) => void }) {
  const { t } = useTranslation('finetune');
  const [checkpoints, setCheckpoints] = useState<string[]>([]);
  const [checkpoint, setCheckpoint] = useState('');
  const [mode, setMode] = useState<'weights' | 'full'>('full');
  useEffect(() => { finetuneApi.checkpoints(job.id).then(setCheckpoints).catch(() => undefined); }, [job.id]);
  if (!checkpoints.length) return <div className="muted" data-testid="job-no-checkpoints">{t('resume.none')}</div>;
  const resume = async () => {
    onError(null);
    try { await finetuneApi.resume(job.id, checkpoint || null, mode); onResumed(); } catch (e) { onError(message(e)); }
  };
  return (
    <div className="row" data-testid="job-resume">
      <span className="field-label">{t('resume.from')}</span>
      <select value={checkpoint} onChange={(e) => setCheckpoint(e.target.value)} data-testid="job-resume-checkpoint">
        <option value="">{t('resume.newest')}</option>
        {checkpoints.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
      <select value={mode} onChange={(e) => setMode(e.target.value as 'weights' | 'full')} data-testid="job-resume-mode">
        <option value="full">{t('resume.full')}</option>
        <option value="weights">{t('resume.weights')}</option>
      </select>
      <button type="button" onClick={() => void resume()} data-testid="job-resume-submit">{t('resume.submit')}</button>
    </div>
  );
}

function Deploy({ job, onError }: { job: Job; onError: (e: string | null) => void }) {
  const { t } = useTranslation('finetune');
  const [deployment, setDeployment] = useState<Deployment | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {  // follow the deployment until it is ready or failed
    if (!deployment || !isTransient(deployment.state)) return undefined;
    const timer = setInterval(() => {
      modelsApi.deployments().then((all) => { const d = all.find((x) => x.id === deployment.id); if (d) setDeployment(d); }).catch(() => undefined);
    }, 1500);
    return () => clearInterval(timer);
  }, [deployment]);
  const deploy = async () => {
    onError(null); setBusy(true);
    try { setDeployment(await finetuneApi.deploy(job.id)); } catch (e) { onError(message(e)); }
    setBusy(false);
  };
  return (
    <div className="card" data-testid="job-deploy">
      <div className="row">
        <span>{t('deploy.registeredAs')} <strong data-testid="job-result">{job.result_model} v{job.result_version}</strong></span>
        <span className="spacer" />
        {!deployment && <button type="button" onClick={() => void deploy()} disabled={busy} data-testid="job-deploy-button">{busy ? t('deploy.deploying') : t('deploy.deploy')}</button>}
      </div>
      {deployment && (
        <div className="row" data-testid="job-deployment">
          {t('deploy.deployment')} <strong>{deployment.name}</strong> ({deployment.backend})
          <span className="badge" data-testid="job-deployment-state">{deployment.state}</span>
          {deployment.reason && <span className="field-error">{deployment.reason}</span>}
          {deployment.state === 'ready' && <span className="muted">{t('deploy.callAs', { model: job.result_model })}</span>}
        </div>
      )}
    </div>
  );
}
