import { useEffect, useState } from 'react';
import { api, type WorkflowSummary } from '../../api/client';
import { evalApi, type Comparison, type EvalRun, type EvalSet, type Gate } from './api';
import { fmt, withInterval } from './helpers';
import { useTranslation } from 'react-i18next';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A workflow's publish gate: publishing needs the draft to score no worse than the published version. */
export function GatePanel({ sets, onRun }: { sets: EvalSet[]; onRun: (r: EvalRun) => void }) {
  const { t } = useTranslation('evaluation');
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const [workflow, setWorkflow] = useState('');
  const [gate, setGate] = useState<Gate | null>(null);
  const [form, setForm] = useState<Gate>({ enabled: true, set_id: '', metric: 'exact-match', tolerance: 0 });
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { api.listWorkflows().then(setWorkflows).catch(() => undefined); }, []);
  useEffect(() => {
    setGate(null); setNote(null);
    if (workflow) evalApi.gate(workflow).then((g) => { setGate(g); if (g) setForm(g); }).catch((e) => setError(message(e)));
  }, [workflow]);
  const guard = async (action: () => Promise<void>) => { setError(null); try { await action(); } catch (e) { setError(message(e)); } };
  return (
    <div className="card" data-testid="gate-panel" style={{ marginTop: 8 }}>
      <div className="section-title">{t('gate.title')}</div>
      <select value={workflow} onChange={(e) => setWorkflow(e.target.value)} data-testid="gate-workflow">
        <option value="">{t('gate.workflow')}</option>{workflows.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
      </select>
      {workflow && (
        <div>
          <div className="muted" data-testid="gate-state">{gate ? t('gate.state', { metric: gate.metric, set: sets.find((s) => s.set_id === gate.set_id)?.name ?? gate.set_id }) : t('gate.notGated')}</div>
          <div className="row">
            <select value={form.set_id} onChange={(e) => setForm({ ...form, set_id: e.target.value })} data-testid="gate-set">
              <option value="">{t('gate.set')}</option>{sets.map((s) => <option key={s.set_id} value={s.set_id}>{s.name}</option>)}
            </select>
            <input value={form.metric} onChange={(e) => setForm({ ...form, metric: e.target.value })} style={{ width: 110 }} data-testid="gate-metric" title={t('gate.metric')} />
            <input type="number" step="0.01" min={0} value={form.tolerance} style={{ width: 60 }} title={t('gate.tolerance')}
              onChange={(e) => setForm({ ...form, tolerance: Number(e.target.value) || 0 })} />
          </div>
          <div className="row">
            <button onClick={() => void guard(async () => { setGate((await evalApi.setGate(workflow, form)).gate); })} data-testid="gate-save">{t('gate.save')}</button>
            {gate && <button onClick={() => void guard(async () => { await evalApi.deleteGate(workflow); setGate(null); })}>{t('common:actions.remove')}</button>}
            {gate && <button onClick={() => void guard(async () => { const r = await evalApi.runGate(workflow); setNote(t('gate.started')); onRun(r); })} data-testid="gate-run">{t('gate.run')}</button>}
          </div>
          {note && <div className="muted">{note}</div>}
        </div>)}
      {error && <pre className="field-error" data-testid="gate-error">{error}</pre>}
    </div>
  );
}

/** Base vs tuned: the tuned model's gain on a domain set's run against its drop on a general set's run. */
export function ComparePanel({ runs }: { runs: EvalRun[] }) {
  const { t } = useTranslation('evaluation');
  const done = runs.filter((r) => r.status === 'succeeded');
  const [domain, setDomain] = useState('');
  const [general, setGeneral] = useState('');
  const [base, setBase] = useState('');
  const [tuned, setTuned] = useState('');
  const [metric, setMetric] = useState('');
  const [result, setResult] = useState<Comparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = [...new Set(done.find((r) => r.run_id === domain)?.candidates.map((c) => c.candidate_id) ?? [])];
  const keys = done.find((r) => r.run_id === domain)?.metrics.map((m) => m.alias || m.name) ?? [];
  const runPick = (value: string, set: (v: string) => void, label: string) => (
    <select value={value} onChange={(e) => set(e.target.value)} data-testid={`compare-${label}`}>
      <option value="">{t(`compare.${label}Run`)}</option>{done.map((r) => <option key={r.run_id} value={r.run_id}>{r.name || r.run_id.slice(0, 8)}</option>)}
    </select>);
  const compare = () => {
    setError(null);
    evalApi.compare({ domain_run: domain, general_run: general, base, tuned, metric }).then(setResult).catch((e) => setError(message(e)));
  };
  return (
    <div className="card" data-testid="compare-panel" style={{ marginTop: 8 }}>
      <div className="section-title">{t('compare.title')}</div>
      <div className="row">{runPick(domain, setDomain, 'domain')}{runPick(general, setGeneral, 'general')}</div>
      <div className="row">
        <select value={base} onChange={(e) => setBase(e.target.value)}><option value="">{t('compare.base')}</option>{ids.map((i) => <option key={i}>{i}</option>)}</select>
        <select value={tuned} onChange={(e) => setTuned(e.target.value)}><option value="">{t('compare.tuned')}</option>{ids.map((i) => <option key={i}>{i}</option>)}</select>
        <select value={metric} onChange={(e) => setMetric(e.target.value)}><option value="">{t('compare.metric')}</option>{keys.map((k) => <option key={k}>{k}</option>)}</select>
        <button disabled={!domain || !general || !base || !tuned || !metric} onClick={compare}>{t('compare.submit')}</button>
      </div>
      {error && <pre className="field-error">{error}</pre>}
      {result && (
        <div data-testid="compare-result">
          <div>{t('compare.domain', { before: withInterval(result.domain_base), after: withInterval(result.domain_tuned), gain: fmt(result.gain) })}</div>
          <div>{t('compare.general', { before: withInterval(result.general_base), after: withInterval(result.general_tuned), drop: fmt(result.drop) })}</div>
          <div><strong>{result.verdict}</strong> — {result.advice}</div>
        </div>)}
    </div>
  );
}
