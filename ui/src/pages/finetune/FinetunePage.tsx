import { useCallback, useEffect, useRef, useState } from 'react';
import { datasetsApi, type Dataset } from '../datasets/api';
import { modelsApi, type Deployment, type ModelRow } from '../models/api';
import { isTransient } from '../models/lineage';
import { finetuneApi, type Job, type ParamsInfo, type ProgressPoint } from './api';
import { mergePoints } from './chart';
import { duration, paramsFromForm, placeholder } from './form';
import LossChart from './LossChart';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const ACTIVE = new Set(['queued', 'running']);

/** Fine-tuning: start a LoRA SFT job on a published dataset version, watch its loss live, read the diagnosis
 * and logs, cancel or resume it, and deploy the model it produced (docs/finetuning.md). */
export default function FinetunePage() {
  const [jobs, setJobs] = useState<Job[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => finetuneApi.jobs().then(setJobs).catch((e) => setError(message(e))), []);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => {  // the list's statuses follow running jobs
    if (!jobs.some((j) => ACTIVE.has(j.status))) return undefined;
    const timer = setInterval(() => { void load(); }, 3000);
    return () => clearInterval(timer);
  }, [jobs, load]);
  return (
    <div className="page finetune-page">
      <h1>Fine-tuning</h1>
      {error && <pre className="field-error" data-testid="finetune-error">{error}</pre>}
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div style={{ width: 340 }}>
          <NewJobForm onCreated={(job) => { setCurrent(job.id); void load(); }} onError={setError} />
          <div className="section-title">Jobs</div>
          {jobs.length === 0 && <p className="muted">No fine-tuning jobs yet.</p>}
          {jobs.map((j) => (
            <div key={j.id} className="card" onClick={() => setCurrent(j.id)} data-testid={`job-card-${j.name}`}
              style={{ cursor: 'pointer', marginBottom: 6, borderColor: current === j.id ? '#2563eb' : undefined }}>
              <strong>{j.name}</strong> <span className={`badge status-${j.status}`} data-testid="job-card-status">{j.status}</span>
              <div className="muted">{j.base_model} · dataset v{j.dataset_version} · {new Date(j.created_at * 1000).toLocaleString()}</div>
            </div>
          ))}
        </div>
        {current && <JobDetail key={current} jobId={current} onChanged={load} />}
      </div>
    </div>
  );
}

function NewJobForm({ onCreated, onError }: { onCreated: (job: Job) => void; onError: (e: string | null) => void }) {
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
      <div className="section-title">New fine-tuning job (LoRA SFT)</div>
      <label className="field"><span className="field-label">Name of the fine-tuned model</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="support-bot" data-testid="job-name" required /></label>
      <label className="field"><span className="field-label">Base model (or a fine-tune to continue)</span>
        <select value={base} onChange={(e) => setBase(e.target.value)} data-testid="job-base" required>
          <option value="">choose…</option>
          {bases.map((m) => <option key={m.name} value={m.name}>{m.name}{m.kind === 'finetune' ? ' (fine-tuned, incremental)' : ''}</option>)}
        </select></label>
      <label className="field"><span className="field-label">Dataset</span>
        <select value={dataset} onChange={(e) => { setDataset(e.target.value); setVersion(''); }} data-testid="job-dataset" required>
          <option value="">choose…</option>
          {datasets.filter((d) => d.versions.some((v) => v.stage === 'published')).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select></label>
      <label className="field"><span className="field-label">Published version</span>
        <select value={version} onChange={(e) => setVersion(e.target.value)} data-testid="job-dataset-version" required>
          <option value="">choose…</option>
          {published.map((v) => <option key={v.number} value={v.number}>v{v.number} · {v.train_rows} train / {v.validation_rows} validation rows</option>)}
        </select></label>
      <label className="field"><span className="field-label">System prompt the data is trained with (pre-filled when an LLM node uses the model)</span>
        <textarea rows={2} value={systemPrompt} onChange={(e) => setSystemPrompt(e.target.value)} data-testid="job-system-prompt" /></label>
      <details data-testid="job-params">
        <summary className="field-label">Hyperparameters (blank: default)</summary>
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
      <div className="row"><button type="submit" disabled={busy || !info} data-testid="job-submit">{busy ? 'Starting…' : 'Start fine-tuning'}</button></div>
      {warnings.map((w) => <div key={w} className="field-warning" data-testid="job-warning">{w}</div>)}
    </form>
  );
}

function JobDetail({ jobId, onChanged }: { jobId: string; onChanged: () => void }) {
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

  if (!job) return <div className="card muted">Loading…{error && <pre className="field-error">{error}</pre>}</div>;
  const last = points.length ? points[points.length - 1] : null;
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try { await f(); await refresh(); onChanged(); } catch (e) { setError(message(e)); }
  };
  return (
    <div className="card" style={{ flex: 1, minWidth: 0 }} data-testid="job-detail">
      <div className="row">
        <strong>{job.name}</strong>
        <span className={`badge status-${job.status}`} data-testid="job-status">{job.status}</span>
        {job.device && <span className="muted">on {job.device}</span>}
        <span className="spacer" />
        {ACTIVE.has(job.status) && <button type="button" data-testid="job-cancel" onClick={() => void act(() => finetuneApi.cancel(job.id))}>Cancel</button>}
      </div>
      <div className="muted">from {job.base_model}{job.base_version ? ` v${job.base_version}` : ''} · dataset {job.dataset_id} v{job.dataset_version}
        {job.resume_from ? ` · resumed from ${job.resume_from} (${job.resume_mode})` : ''}</div>
      {error && <pre className="field-error" data-testid="job-error">{error}</pre>}
      {job.error && <pre className="field-error" data-testid="job-failure">{job.error}</pre>}
      {(job.warnings ?? []).map((w) => <div key={w} className="field-warning">{w}</div>)}
      <LossChart points={points} />
      {last && (
        <div className="row muted" data-testid="job-progress">
          <span>step {last.step}{last.total_steps ? ` / ${last.total_steps}` : ''}</span>
          <span>epoch {last.epoch.toFixed(2)}</span>
          {last.learning_rate !== null && <span>lr {last.learning_rate.toExponential(2)}</span>}
          <span>{last.tokens_seen.toLocaleString()} tokens</span>
          {ACTIVE.has(job.status) && <span>ETA {duration(last.eta_s)}</span>}
        </div>
      )}
      {(job.final_train_loss !== null || job.final_eval_loss !== null) && (
        <div className="row" data-testid="job-final-loss">final loss: train {job.final_train_loss?.toFixed(4) ?? '—'} · validation {job.final_eval_loss?.toFixed(4) ?? '—'}</div>
      )}
      {job.diagnosis && (
        <div className={job.diagnosis.code === 'ok' || job.diagnosis.code === 'too_few_points' ? 'card' : 'card field-warning'} data-testid="job-diagnosis">
          <strong>{job.diagnosis.message}</strong>
          <div>{job.diagnosis.advice}{job.diagnosis.seed_ref ? <span className="muted"> ({job.diagnosis.seed_ref})</span> : null}</div>
        </div>
      )}
      {job.system_prompt && (
        <div className="muted" data-testid="job-system-prompt-note">Trained with the system prompt “{job.system_prompt}”. Infer with the prompt you trained with: LLM nodes that choose this model get it pre-filled.</div>
      )}
      {(job.status === 'failed' || job.status === 'cancelled') && <Resume job={job} onResumed={() => { void refresh(); setPoints([]); setRun((n) => n + 1); onChanged(); }} onError={setError} />}
      {job.status === 'succeeded' && job.result_model && <Deploy job={job} onError={setError} />}
      <div className="section-title">Logs</div>
      <pre className="streamed" style={{ maxHeight: 240, overflow: 'auto' }} data-testid="job-logs">{logs.join('\n') || 'no log lines yet'}</pre>
    </div>
  );
}

function Resume({ job, onResumed, onError }: { job: Job; onResumed: () => void; onError: (e: string | null) => void }) {
  const [checkpoints, setCheckpoints] = useState<string[]>([]);
  const [checkpoint, setCheckpoint] = useState('');
  const [mode, setMode] = useState<'weights' | 'full'>('full');
  useEffect(() => { finetuneApi.checkpoints(job.id).then(setCheckpoints).catch(() => undefined); }, [job.id]);
  if (!checkpoints.length) return <div className="muted" data-testid="job-no-checkpoints">No checkpoint to resume from.</div>;
  const resume = async () => {
    onError(null);
    try { await finetuneApi.resume(job.id, checkpoint || null, mode); onResumed(); } catch (e) { onError(message(e)); }
  };
  return (
    <div className="row" data-testid="job-resume">
      <span className="field-label">Resume from</span>
      <select value={checkpoint} onChange={(e) => setCheckpoint(e.target.value)} data-testid="job-resume-checkpoint">
        <option value="">newest checkpoint</option>
        {checkpoints.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
      <select value={mode} onChange={(e) => setMode(e.target.value as 'weights' | 'full')} data-testid="job-resume-mode">
        <option value="full">full state (weights, optimizer, step)</option>
        <option value="weights">adapter weights only</option>
      </select>
      <button type="button" onClick={() => void resume()} data-testid="job-resume-submit">Resume</button>
    </div>
  );
}

function Deploy({ job, onError }: { job: Job; onError: (e: string | null) => void }) {
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
        <span>Registered as <strong data-testid="job-result">{job.result_model} v{job.result_version}</strong></span>
        <span className="spacer" />
        {!deployment && <button type="button" onClick={() => void deploy()} disabled={busy} data-testid="job-deploy-button">{busy ? 'Deploying…' : 'Deploy this model'}</button>}
      </div>
      {deployment && (
        <div className="row" data-testid="job-deployment">
          deployment <strong>{deployment.name}</strong> ({deployment.backend})
          <span className="badge" data-testid="job-deployment-state">{deployment.state}</span>
          {deployment.reason && <span className="field-error">{deployment.reason}</span>}
          {deployment.state === 'ready' && <span className="muted">LLM nodes call it as “{job.result_model}”.</span>}
        </div>
      )}
    </div>
  );
}
