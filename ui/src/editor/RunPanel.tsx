import { useContext, useRef, useState } from 'react';
import { api } from '../api/client';
import { EditorContext } from './context';
import { useStore } from './store';
import { applyEvent, idleRun } from './runState';
import { TracePanel } from './TracePanel';
import type { StartVariable } from '../nodes/start/defaults';
import { StartInputFields, useStartForm } from './StartInputs';
import { useTranslation } from 'react-i18next';

interface Props { workflowId: string; variables: StartVariable[]; beforeRun: () => Promise<boolean> }

/** Trial run: start inputs, live statuses (through the shared run store), streamed text, trace. */
export function RunPanel({ workflowId, variables, beforeRun }: Props) {
  const { t } = useTranslation('editor');
  const stores = useContext(EditorContext);
  const run = useStore(stores.run, (s) => s);
  const form = useStartForm(variables);
  const [error, setError] = useState<string | null>(null);
  const [stopping, setStopping] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const refusals = Object.values(form.refused);
  const start = async () => {
    setError(null);
    const blocked = form.check();
    if (blocked) { setError(`Not started: ${blocked}`); return; }
    if (!(await beforeRun())) { setError(t('run.fixFirst')); return; }
    stores.run.set({ ...idleRun, status: 'running' });
    abort.current = new AbortController();
    try {
      await api.runDraft(workflowId, form.inputs(), (e) => stores.run.set((s) => applyEvent(s, e)), abort.current.signal);
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
      <div className="section-title">{t('controls.inputs')}</div>
      <StartInputFields variables={variables} form={form} testIdPrefix="run-input" />
      <div className="row">
        <button type="button" className="primary" onClick={start} disabled={run.status === 'running' || form.uploading > 0} data-testid="start-run">{run.status === 'running' ? t('nodePanel.running') : form.uploading > 0 ? t('run.uploading') : t('toolbar.run')}</button>
        {run.status === 'running' && <button type="button" onClick={stop} disabled={stopping} data-testid="stop-run">{stopping ? t('run.stopping') : t('common:actions.stop')}</button>}
      </div>
      {(error || refusals.length > 0) && <div className="field-error" data-testid="run-panel-error">{error ?? refusals.join('\n')}</div>}
      {streamed && <div className="streamed" data-testid="streamed-text">{streamed}</div>}
      {run.outputs && Object.keys(run.outputs).length > 0 && (
        <div><div className="section-title">{t('trace.outputs')}</div><pre className="json" data-testid="run-outputs">{JSON.stringify(run.outputs, null, 2)}</pre></div>
      )}
      <TracePanel />
    </div>
  );
}
