import { useContext, useRef, useState } from 'react';
import { api } from '../api/client';
import { EditorContext } from './context';
import { useStore } from './store';
import { applyEvent, idleRun } from './runState';
import { TracePanel } from './TracePanel';
import type { StartVariable } from '../nodes/start/defaults';
import { parseLiteral } from '../nodes/shared/controls';

interface Props { workflowId: string; variables: StartVariable[]; beforeRun: () => Promise<boolean> }

/** Runs an upload for a file input: the Run button waits for it, and a rejected file is shown, not skipped. */
type Uploader = (name: string, work: () => Promise<unknown>) => void;

function fieldFor(v: StartVariable, value: unknown, set: (x: unknown) => void, upload: Uploader) {
  const testId = `run-input-${v.name}`;
  if (v.type === 'boolean') return <input type="checkbox" checked={!!value} onChange={(e) => set(e.target.checked)} data-testid={testId} />;
  if (v.options?.length) {
    return <select value={String(value ?? '')} onChange={(e) => set(e.target.value)} data-testid={testId}>{v.options.map((o) => <option key={String(o)}>{String(o)}</option>)}</select>;
  }
  if (v.type === 'number' || v.type === 'integer') return <input type="number" value={String(value ?? '')} onChange={(e) => set(e.target.value === '' ? '' : Number(e.target.value))} data-testid={testId} />;
  if (v.type === 'file' || v.type === 'array[file]') {
    const chosen = Array.isArray(value) ? value : value ? [value] : [];
    return (
      <span>
        <input type="file" multiple={v.type === 'array[file]'} data-testid={testId} onChange={(e) => {
          const picked = [...(e.target.files ?? [])];
          set(undefined);
          upload(v.name, async () => {
            const files = await Promise.all(picked.map(readFile));
            set(v.type === 'file' ? files[0] : files);
          });
        }} />
        {chosen.length > 0 && <span className="muted" data-testid={`${testId}-uploaded`}>uploaded {chosen.map((f) => String((f as Record<string, unknown>).name ?? '')).join(', ')}</span>}
      </span>
    );
  }
  if (v.type === 'string') return <textarea rows={2} value={String(value ?? '')} onChange={(e) => set(e.target.value)} data-testid={testId} />;
  return <textarea rows={2} placeholder="JSON" value={typeof value === 'string' ? value : JSON.stringify(value ?? '')} onChange={(e) => set(parseLiteral(e.target.value))} data-testid={testId} />;
}

/** Upload a file; the server answers with the file value the engine reads ({name, file_id, mime_type, size}). */
async function readFile(file: File): Promise<Record<string, unknown>> {
  return api.uploadFile(file);
}

/** Trial run: start inputs, live statuses (through the shared run store), streamed text, trace. */
export function RunPanel({ workflowId, variables, beforeRun }: Props) {
  const stores = useContext(EditorContext);
  const run = useStore(stores.run, (s) => s);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(0);
  // Files the server refused, per input: the run waits until each is replaced or cleared.
  const [rejected, setRejected] = useState<Record<string, string>>({});
  const [stopping, setStopping] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const upload: Uploader = (name, work) => {
    setError(null);
    setRejected(({ [name]: _, ...rest }) => rest);
    setUploading((n) => n + 1);
    work()
      .catch((err) => setRejected((r) => ({ ...r, [name]: `Input '${name}': the file was not uploaded: ${err instanceof Error ? err.message : String(err)}` })))
      .finally(() => setUploading((n) => n - 1));
  };
  const refusals = Object.values(rejected);
  const start = async () => {
    setError(null);
    if (refusals.length) { setError(`Not started: ${refusals.join('; ')}`); return; }
    if (!(await beforeRun())) { setError('Fix the validation errors marked on the canvas first.'); return; }
    stores.run.set({ ...idleRun, status: 'running' });
    abort.current = new AbortController();
    try {
      await api.runDraft(workflowId, values, (e) => stores.run.set((s) => applyEvent(s, e)), abort.current.signal);
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'AbortError')) setError(err instanceof Error ? err.message : String(err));
      stores.run.set((s) => (s.status === 'running' ? { ...s, status: 'failed' } : s));
    }
  };
  /** Stop the run on the server; its stream then ends with the run's 'stopped' status. */
  const stop = async () => {
    const runId = stores.run.get().runId;
    if (!runId) { abort.current?.abort(); stores.run.set((s) => ({ ...s, status: 'stopped' })); return; }
    setStopping(true);
    try { await api.stopRun(runId); } catch (err) { setError(`The run was not stopped: ${err instanceof Error ? err.message : String(err)}`); }
    finally { setStopping(false); }
  };
  const streamed = run.order.map((id) => run.text[id]).filter(Boolean).join('\n');
  return (
    <div className="run-panel" data-testid="run-panel">
      <div className="section-title">Inputs</div>
      {variables.map((v) => (
        <label key={v.name} className="field">
          <span className="field-label">{v.label || v.name}{v.required ? ' *' : ''} <span className="muted">{v.type}</span></span>
          {fieldFor(v, values[v.name], (x) => setValues((s) => ({ ...s, [v.name]: x })), upload)}
        </label>
      ))}
      <div className="row">
        <button type="button" className="primary" onClick={start} disabled={run.status === 'running' || uploading > 0} data-testid="start-run">{run.status === 'running' ? 'Running…' : uploading > 0 ? 'Uploading…' : 'Run'}</button>
        {run.status === 'running' && <button type="button" onClick={stop} disabled={stopping} data-testid="stop-run">{stopping ? 'Stopping…' : 'Stop'}</button>}
      </div>
      {(error || refusals.length > 0) && <div className="field-error" data-testid="run-panel-error">{error ?? refusals.join('\n')}</div>}
      {streamed && <div className="streamed" data-testid="streamed-text">{streamed}</div>}
      {run.outputs && Object.keys(run.outputs).length > 0 && (
        <div><div className="section-title">Outputs</div><pre className="json" data-testid="run-outputs">{JSON.stringify(run.outputs, null, 2)}</pre></div>
      )}
      <TracePanel />
    </div>
  );
}
