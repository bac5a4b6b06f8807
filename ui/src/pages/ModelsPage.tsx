import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { modelsApi, type Deployment, type Gpu, type ModelRow } from './models/api';
import { describeTraining, isTransient, lineage } from './models/lineage';
import { formatNumber } from '../i18n/format';
import { useDocumentTitle } from '../i18n/useDocumentTitle';
import { useTranslation } from 'react-i18next';

const POLL_MS = 1500;
const TASKS = ['chat', 'embedding', 'rerank'];

/** A badge for embedding and rerank models (chat, the default, goes without). */
function TaskBadge({ spec }: { spec: Record<string, unknown> }) {
  const task = typeof spec.task === 'string' ? spec.task : 'chat';
  return task === 'chat' ? null : <span className="badge" data-testid="model-task">{task}</span>;
}

type Guard = (f: () => Promise<unknown>) => Promise<void>;

/** Models: GPUs, endpoints, base and fine-tuned models (with lineage), deployments with status, logs, adapters. */
export default function ModelsPage() {
  const { t } = useTranslation('models');
  useDocumentTitle(t('title'));
  const [models, setModels] = useState<ModelRow[]>([]);
  const [configured, setConfigured] = useState<{ name: string; base_url: string; model: string }[]>([]);
  const [deployments, setDeployments] = useState<Deployment[]>([]);
  const [gpus, setGpus] = useState<{ gpus: Gpu[]; message?: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadModels = useCallback(async () => {
    const res = await modelsApi.models();
    setModels(res.items);
    setConfigured(res.configured ?? []);
  }, []);
  const loadDeployments = useCallback(async () => setDeployments(await modelsApi.deployments()), []);
  const guard: Guard = useCallback(async (f) => {
    setError(null);
    try { await f(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  }, []);

  useEffect(() => {
    void guard(async () => { await Promise.all([loadModels(), loadDeployments(), modelsApi.gpus().then(setGpus)]); });
  }, [guard, loadModels, loadDeployments]);

  // Deployment states change on their own (starting → ready, crashes, restarts): poll while the page is open.
  useEffect(() => {
    const fast = deployments.some((d) => isTransient(d.state));
    const timer = setInterval(() => { loadDeployments().catch(() => undefined); }, fast ? POLL_MS : POLL_MS * 3);
    return () => clearInterval(timer);
  }, [deployments, loadDeployments]);

  const endpoints = models.filter((m) => m.kind === 'endpoint');
  const bases = models.filter((m) => m.kind === 'base');
  const finetunes = models.filter((m) => m.kind === 'finetune');
  const remove = (m: ModelRow) => guard(async () => {
    if (!window.confirm(t('deleteModelConfirm', { name: m.name }))) return;
    await modelsApi.deleteModel(m.name);
    await loadModels();
  });

  return (
    <div className="page models-page">
      <h1>{t('title')}</h1>
      {error && <pre className="field-error" data-testid="models-error">{error}</pre>}

      <section className="card" data-testid="gpu-inventory">
        <div className="section-title">{t('gpus')}</div>
        {gpus === null ? <span className="muted">{t('common:loading')}</span>
          : gpus.gpus.length === 0 ? <span className="muted" data-testid="no-gpu">{gpus.message ?? t('noGpu')}</span>
            : gpus.gpus.map((g) => (
              <div key={g.index} className="row">{t('gpuName', { index: g.index, name: g.name })}
                {g.memory_total_mib !== undefined && <span className="muted"> — {t('gpuMemory', { used: formatNumber(Number(g.memory_used_mib)), total: formatNumber(Number(g.memory_total_mib)) })}</span>}
              </div>
            ))}
      </section>

      <section className="card" data-testid="endpoints">
        <div className="section-title">{t('endpoints')}</div>
        {configured.map((c) => <div key={c.name} className="row"><strong>{c.name}</strong><span className="muted">{t('modelAt', { model: c.model, url: c.base_url })}</span><span className="badge">{t('configured')}</span></div>)}
        {endpoints.map((m) => (
          <div key={m.id} className="row" data-testid="endpoint-row"><strong>{m.name}</strong><TaskBadge spec={m.spec} />
            <span className="muted">{t('modelAt', { model: String(m.spec.model), url: String(m.spec.base_url) })}</span>
            <span className="spacer" /><button type="button" onClick={() => remove(m)}>{t('common:actions.delete')}</button></div>
        ))}
        <AddForm label={t('addEndpoint')} testId="add-endpoint" guard={guard} after={loadModels} fields={[
          { key: 'name', label: t('fields.name') }, { key: 'base_url', label: t('fields.baseUrl'), placeholder: 'https://api.example.com/v1' },
          { key: 'model', label: t('fields.modelId') }, { key: 'task', label: t('fields.task'), options: TASKS },
          { key: 'max_batch_size', label: t('fields.maxBatchSize'), optional: true, number: true },
          { key: 'api_key_env', label: t('fields.apiKeyEnv'), optional: true }]}
          submit={(v) => modelsApi.addModel({ kind: 'endpoint', ...v })} />
      </section>

      <section className="card" data-testid="model-lineage">
        <div className="section-title">{t('baseAndFinetuned')}</div>
        {lineage(models).map((g) => (
          <div key={g.baseName} className="lineage" data-testid={`lineage-${g.baseName}`}>
            <div className="row"><strong>{g.baseName}</strong>{g.base && <TaskBadge spec={g.base.spec} />}
              {g.base ? <span className="muted">{String(g.base.spec.source)}{g.base.spec.context_length ? ` · ${t('contextTokens', { count: String(g.base.spec.context_length) })}` : ''}</span>
                : <span className="field-warning">{t('baseNotRegistered')}</span>}
              <span className="spacer" />{g.base && <button type="button" onClick={() => remove(g.base!)}>{t('common:actions.delete')}</button>}</div>
            {g.finetunes.map((f) => (
              <div key={f.id} className="row lineage-child" data-testid="finetune-row">
                <span>└ {f.name} <span className="badge">v{f.version}</span></span>
                <span className="muted">{String(f.spec.adapter_path ?? f.spec.merged_path ?? '')}</span>
                {Object.keys((f.spec.eval_scores as Record<string, number>) ?? {}).length > 0 &&
                  <span className="muted">{Object.entries(f.spec.eval_scores as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ')}</span>}
                {describeTraining(f.spec) && <span className="muted" data-testid="finetune-training">{describeTraining(f.spec)}</span>}
              </div>
            ))}
          </div>
        ))}
        {bases.length + finetunes.length === 0 && <p className="muted">{t('noBaseModels')}</p>}
        <AddForm label={t('addBase')} testId="add-base" guard={guard} after={loadModels} fields={[
          { key: 'name', label: t('fields.name') }, { key: 'source', label: t('fields.source') },
          { key: 'task', label: t('fields.baseTask'), options: TASKS },
          { key: 'context_length', label: t('fields.contextLength'), optional: true, number: true }]}
          submit={(v) => modelsApi.addModel({ kind: 'base', ...v })} />
        <AddForm label={t('addFinetune')} testId="add-finetune" guard={guard} after={loadModels} fields={[
          { key: 'name', label: t('fields.name') }, { key: 'base', label: t('fields.baseModel'), options: bases.map((b) => b.name) },
          { key: 'adapter_path', label: t('fields.adapterPath'), optional: true }, { key: 'merged_path', label: t('fields.mergedPath'), optional: true },
          { key: 'notes', label: t('fields.notes'), optional: true }]}
          submit={(v) => modelsApi.addModel({ kind: 'finetune', ...v })} />
      </section>

      <section className="card" data-testid="deployments">
        <div className="section-title">{t('deployments')}</div>
        {deployments.length === 0 && <p className="muted">{t('noDeployments')}</p>}
        {deployments.map((d) => <DeploymentCard key={d.id} d={d} finetunes={finetunes} guard={guard} reload={loadDeployments} />)}
        <AddForm label={t('newDeployment')} testId="add-deployment" guard={guard} after={loadDeployments} fields={[
          { key: 'name', label: t('fields.name') }, { key: 'backend', label: t('fields.backend'), options: ['vllm', 'transformers'] },
          { key: 'base_model', label: t('fields.baseModel'), options: bases.map((b) => b.name), free: true },
          { key: 'gpu_ids', label: t('fields.gpuIds'), optional: true, list: true },
          { key: 'max_model_len', label: t('fields.maxModelLen'), optional: true, number: true }]}
          submit={(v) => modelsApi.createDeployment(v)} />
      </section>
    </div>
  );
}

function DeploymentCard({ d, finetunes, guard, reload }: { d: Deployment; finetunes: ModelRow[]; guard: Guard; reload: () => Promise<void> }) {
  const { t } = useTranslation('models');
  const [logs, setLogs] = useState<string[] | null>(null);
  const [adapter, setAdapter] = useState('');
  const act = (action: 'start' | 'stop' | 'restart') => guard(async () => { await modelsApi.action(d.id, action); await reload(); });
  const showingLogs = logs !== null;
  useEffect(() => {
    if (!showingLogs) return;
    const tail = () => modelsApi.logs(d.id).then(setLogs).catch(() => undefined);
    void tail();
    const timer = setInterval(tail, POLL_MS);
    return () => clearInterval(timer);
  }, [showingLogs, d.id]);
  const live = ['starting', 'ready', 'unhealthy', 'restarting'].includes(d.state);
  return (
    <div className="deployment" data-testid={`deployment-${d.name}`}>
      <div className="row">
        <strong>{d.name}</strong><span className="badge">{d.backend}</span>
        <span className={`badge state-${d.state}`} data-testid="deployment-state">{d.state}</span>
        <span className="muted">{d.base_model}{d.base_url ? ` · ${d.base_url}` : ''}{d.pid ? ` · pid ${d.pid}` : ''}{d.restarts ? ` · ${t('restarts', { count: d.restarts })}` : ''}</span>
      </div>
      {d.reason && <div className="field-error" data-testid="deployment-reason">{d.reason}</div>}
      <div className="row">
        <button type="button" onClick={() => act('start')} disabled={live} data-testid="deployment-start">{t('start')}</button>
        <button type="button" onClick={() => act('stop')} disabled={!live} data-testid="deployment-stop">{t('common:actions.stop')}</button>
        <button type="button" onClick={() => act('restart')} disabled={!live} data-testid="deployment-restart">{t('restart')}</button>
        <button type="button" onClick={() => setLogs(showingLogs ? null : [])} data-testid="deployment-logs-toggle">{showingLogs ? t('hideLogs') : t('logs')}</button>
        <button type="button" disabled={live} onClick={() => guard(async () => {
          if (!window.confirm(t('deleteDeploymentConfirm', { name: d.name }))) return;
          await modelsApi.deleteDeployment(d.id); await reload();
        })}>{t('common:actions.delete')}</button>
      </div>
      <div className="row" data-testid="deployment-adapters">
        <span className="muted">{t('loraAdapters')}</span>
        {d.adapters.map((a) => (
          <span key={a.name} className="chip">{a.name}{a.version ? ` v${a.version}` : ''}{a.rank ? ` (r=${a.rank})` : ''}
            <button type="button" className="icon" title={t('removeAdapter')} onClick={() => guard(async () => { await modelsApi.removeAdapter(d.id, a.name); await reload(); })}>✕</button></span>
        ))}
        <select value={adapter} onChange={(e) => setAdapter(e.target.value)} data-testid="adapter-picker">
          <option value="">{t('pickFinetune')}</option>
          {[...new Set(finetunes.filter((f) => f.spec.adapter_path).map((f) => f.name))].map((n) => <option key={n}>{n}</option>)}
        </select>
        <button type="button" disabled={!adapter} onClick={() => guard(async () => { await modelsApi.addAdapter(d.id, adapter); setAdapter(''); await reload(); })} data-testid="adapter-add">{t('addAdapter')}</button>
      </div>
      {showingLogs && <pre className="logs" data-testid="deployment-logs">{logs.join('\n') || t('noOutputYet')}</pre>}
    </div>
  );
}

interface FieldSpec { key: string; label: string; placeholder?: string; optional?: boolean; number?: boolean; list?: boolean; options?: string[]; free?: boolean }

/** A collapsible add form; empty optional fields are left out, numbers and lists are parsed. */
function AddForm({ label, testId, fields, submit, guard, after }: {
  label: string; testId: string; fields: FieldSpec[]; submit: (v: Record<string, unknown>) => Promise<unknown>; guard: Guard; after: () => Promise<void>;
}) {
  const { t } = useTranslation('models');
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void guard(async () => {
      const body: Record<string, unknown> = {};
      for (const f of fields) {
        const raw = (values[f.key] ?? (f.options && !f.free ? f.options[0] ?? '' : '')).trim();
        if (!raw) continue;
        body[f.key] = f.number ? Number(raw) : f.list ? raw.split(',').map((x) => Number(x.trim())) : raw;
      }
      await submit(body);
      setValues({});
      setOpen(false);
      await after();
    });
  };
  if (!open) return <button type="button" onClick={() => setOpen(true)} data-testid={testId}>+ {label}</button>;
  const input = (f: FieldSpec): ReactNode => {
    const common = { value: values[f.key] ?? '', 'data-testid': `${testId}-${f.key}`,
      onChange: (e: { target: { value: string } }) => setValues({ ...values, [f.key]: e.target.value }) };
    if (f.options && !f.free) return <select {...common}>{f.options.map((o) => <option key={o}>{o}</option>)}</select>;
    return <><input {...common} placeholder={f.placeholder} list={f.options ? `${testId}-${f.key}-list` : undefined} />
      {f.options && <datalist id={`${testId}-${f.key}-list`}>{f.options.map((o) => <option key={o} value={o} />)}</datalist>}</>;
  };
  return (
    <form className="add-form" onSubmit={onSubmit} data-testid={`${testId}-form`}>
      {fields.map((f) => (
        <label key={f.key} className="field"><span className="field-label">{f.optional ? t('optional', { label: f.label }) : f.label}</span>{input(f)}</label>
      ))}
      <div className="row"><button type="submit" className="primary" data-testid={`${testId}-submit`}>{t('common:actions.add')}</button><button type="button" onClick={() => setOpen(false)}>{t('common:actions.cancel')}</button></div>
    </form>
  );
}
