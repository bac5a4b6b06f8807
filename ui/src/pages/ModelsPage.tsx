import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { modelsApi, type Deployment, type Gpu, type ModelRow } from './models/api';
import { describeTraining, isTransient, lineage } from './models/lineage';

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
    if (!window.confirm(`Delete model "${m.name}"?`)) return;
    await modelsApi.deleteModel(m.name);
    await loadModels();
  });

  return (
    <div className="page models-page">
      <h1>Models</h1>
      {error && <pre className="field-error" data-testid="models-error">{error}</pre>}

      <section className="card" data-testid="gpu-inventory">
        <div className="section-title">GPUs</div>
        {gpus === null ? <span className="muted">Loading…</span>
          : gpus.gpus.length === 0 ? <span className="muted" data-testid="no-gpu">{gpus.message ?? 'no GPU found'}</span>
            : gpus.gpus.map((g) => (
              <div key={g.index} className="row">GPU {g.index}: {g.name}
                {g.memory_total_mib !== undefined && <span className="muted"> — {String(g.memory_used_mib)} / {String(g.memory_total_mib)} MiB used</span>}
              </div>
            ))}
      </section>

      <section className="card" data-testid="endpoints">
        <div className="section-title">Endpoints (OpenAI-compatible APIs)</div>
        {configured.map((c) => <div key={c.name} className="row"><strong>{c.name}</strong><span className="muted">{c.model} at {c.base_url}</span><span className="badge">configured</span></div>)}
        {endpoints.map((m) => (
          <div key={m.id} className="row" data-testid="endpoint-row"><strong>{m.name}</strong><TaskBadge spec={m.spec} />
            <span className="muted">{String(m.spec.model)} at {String(m.spec.base_url)}</span>
            <span className="spacer" /><button type="button" onClick={() => remove(m)}>Delete</button></div>
        ))}
        <AddForm label="Add endpoint" testId="add-endpoint" guard={guard} after={loadModels} fields={[
          { key: 'name', label: 'Name' }, { key: 'base_url', label: 'Base URL', placeholder: 'https://api.example.com/v1' },
          { key: 'model', label: 'Model id' }, { key: 'task', label: 'Task', options: TASKS },
          { key: 'max_batch_size', label: 'Max batch size (embedding, rerank)', optional: true, number: true },
          { key: 'api_key_env', label: 'API key env var', optional: true }]}
          submit={(v) => modelsApi.addModel({ kind: 'endpoint', ...v })} />
      </section>

      <section className="card" data-testid="model-lineage">
        <div className="section-title">Base and fine-tuned models</div>
        {lineage(models).map((g) => (
          <div key={g.baseName} className="lineage" data-testid={`lineage-${g.baseName}`}>
            <div className="row"><strong>{g.baseName}</strong>{g.base && <TaskBadge spec={g.base.spec} />}
              {g.base ? <span className="muted">{String(g.base.spec.source)}{g.base.spec.context_length ? ` · ${String(g.base.spec.context_length)} tokens` : ''}</span>
                : <span className="field-warning">base not registered</span>}
              <span className="spacer" />{g.base && <button type="button" onClick={() => remove(g.base!)}>Delete</button>}</div>
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
        {bases.length + finetunes.length === 0 && <p className="muted">No base models registered yet.</p>}
        <AddForm label="Add base model" testId="add-base" guard={guard} after={loadModels} fields={[
          { key: 'name', label: 'Name' }, { key: 'source', label: 'Local path or hub id' },
          { key: 'task', label: 'Task (embedding and rerank: a local sentence-transformers folder)', options: TASKS },
          { key: 'context_length', label: 'Context length', optional: true, number: true }]}
          submit={(v) => modelsApi.addModel({ kind: 'base', ...v })} />
        <AddForm label="Add fine-tuned model" testId="add-finetune" guard={guard} after={loadModels} fields={[
          { key: 'name', label: 'Name' }, { key: 'base', label: 'Base model', options: bases.map((b) => b.name) },
          { key: 'adapter_path', label: 'LoRA adapter directory', optional: true }, { key: 'merged_path', label: 'Merged weights directory', optional: true },
          { key: 'notes', label: 'Notes', optional: true }]}
          submit={(v) => modelsApi.addModel({ kind: 'finetune', ...v })} />
      </section>

      <section className="card" data-testid="deployments">
        <div className="section-title">Deployments</div>
        {deployments.length === 0 && <p className="muted">No deployments yet.</p>}
        {deployments.map((d) => <DeploymentCard key={d.id} d={d} finetunes={finetunes} guard={guard} reload={loadDeployments} />)}
        <AddForm label="New deployment" testId="add-deployment" guard={guard} after={loadDeployments} fields={[
          { key: 'name', label: 'Name' }, { key: 'backend', label: 'Backend', options: ['vllm', 'transformers'] },
          { key: 'base_model', label: 'Base model', options: bases.map((b) => b.name), free: true },
          { key: 'gpu_ids', label: 'GPU ids (comma separated)', optional: true, list: true },
          { key: 'max_model_len', label: 'Max model length', optional: true, number: true }]}
          submit={(v) => modelsApi.createDeployment(v)} />
      </section>
    </div>
  );
}

function DeploymentCard({ d, finetunes, guard, reload }: { d: Deployment; finetunes: ModelRow[]; guard: Guard; reload: () => Promise<void> }) {
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
        <span className="muted">{d.base_model}{d.base_url ? ` · ${d.base_url}` : ''}{d.pid ? ` · pid ${d.pid}` : ''}{d.restarts ? ` · ${d.restarts} restarts` : ''}</span>
      </div>
      {d.reason && <div className="field-error" data-testid="deployment-reason">{d.reason}</div>}
      <div className="row">
        <button type="button" onClick={() => act('start')} disabled={live} data-testid="deployment-start">Start</button>
        <button type="button" onClick={() => act('stop')} disabled={!live} data-testid="deployment-stop">Stop</button>
        <button type="button" onClick={() => act('restart')} disabled={!live} data-testid="deployment-restart">Restart</button>
        <button type="button" onClick={() => setLogs(showingLogs ? null : [])} data-testid="deployment-logs-toggle">{showingLogs ? 'Hide logs' : 'Logs'}</button>
        <button type="button" disabled={live} onClick={() => guard(async () => {
          if (!window.confirm(`Delete deployment "${d.name}"?`)) return;
          await modelsApi.deleteDeployment(d.id); await reload();
        })}>Delete</button>
      </div>
      <div className="row" data-testid="deployment-adapters">
        <span className="muted">LoRA adapters:</span>
        {d.adapters.map((a) => (
          <span key={a.name} className="chip">{a.name}{a.version ? ` v${a.version}` : ''}{a.rank ? ` (r=${a.rank})` : ''}
            <button type="button" className="icon" title="Remove adapter" onClick={() => guard(async () => { await modelsApi.removeAdapter(d.id, a.name); await reload(); })}>✕</button></span>
        ))}
        <select value={adapter} onChange={(e) => setAdapter(e.target.value)} data-testid="adapter-picker">
          <option value="">— fine-tuned model —</option>
          {[...new Set(finetunes.filter((f) => f.spec.adapter_path).map((f) => f.name))].map((n) => <option key={n}>{n}</option>)}
        </select>
        <button type="button" disabled={!adapter} onClick={() => guard(async () => { await modelsApi.addAdapter(d.id, adapter); setAdapter(''); await reload(); })} data-testid="adapter-add">Add adapter</button>
      </div>
      {showingLogs && <pre className="logs" data-testid="deployment-logs">{logs.join('\n') || '(no output yet)'}</pre>}
    </div>
  );
}

interface FieldSpec { key: string; label: string; placeholder?: string; optional?: boolean; number?: boolean; list?: boolean; options?: string[]; free?: boolean }

/** A collapsible add form; empty optional fields are left out, numbers and lists are parsed. */
function AddForm({ label, testId, fields, submit, guard, after }: {
  label: string; testId: string; fields: FieldSpec[]; submit: (v: Record<string, unknown>) => Promise<unknown>; guard: Guard; after: () => Promise<void>;
}) {
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
        <label key={f.key} className="field"><span className="field-label">{f.label}{f.optional ? ' (optional)' : ''}</span>{input(f)}</label>
      ))}
      <div className="row"><button type="submit" className="primary" data-testid={`${testId}-submit`}>Add</button><button type="button" onClick={() => setOpen(false)}>Cancel</button></div>
    </form>
  );
}
