import { useEffect, useState } from 'react';
import { NumberInput } from '../../nodes/shared/controls';
import { PARAM_FIELDS, paramsWarning, type LLMParams, type Preset } from '../../nodes/llm/defaults';
import { api } from '../../api/client';
import { agentApi } from './api';
import type { AgentConfig } from './types';
import { useTranslation } from 'react-i18next';

/** Model names: `default`, the registered models and the ones configured by environment or loom.toml. */
export function modelNames(body: Record<string, unknown>[], configured: Record<string, unknown>[], current: string): string[] {
  return [...new Set(['default', ...body.map((m) => String(m.name)), ...configured.map((m) => String(m.name)), current])];
}

/** Model, inference params with the server's presets, and the loop's settings (tool calling, steps, memory). */
export function ModelSettings({ config, onChange }: { config: AgentConfig; onChange: (p: Partial<AgentConfig>) => void }) {
  const { t } = useTranslation('agents');
  const [models, setModels] = useState<string[]>([]);
  const [presets, setPresets] = useState<Preset[]>([]);
  useEffect(() => {
    agentApi.modelsFull().then((m) => setModels(modelNames(m.items, m.configured, ''))).catch(() => setModels(['default']));
    api.listPresets().then(setPresets).catch(() => setPresets([]));
  }, []);
  const names = models.includes(config.model) ? models : [config.model, ...models];
  const params = config.params ?? {};
  const setParam = (key: keyof LLMParams, v: number | null) => {
    const next: LLMParams = { ...params, [key]: v };
    if (v === null) delete next[key];
    onChange({ params: next });
  };
  const warning = paramsWarning(params);
  return (
    <div className="agent-section" data-testid="model-settings">
      <div className="section-title">{t('model.title')}</div>
      <div className="row">
        <select value={config.model} onChange={(e) => onChange({ model: e.target.value })} data-testid="agent-model">
          {names.filter(Boolean).map((m) => <option key={m}>{m}</option>)}
        </select>
        {presets.map((p) => (
          <button type="button" key={p.name} title={p.description} onClick={() => onChange({ params: { ...p.params } })} data-testid={`preset-${p.name}`}>{p.title}</button>
        ))}
      </div>
      <div className="param-grid">
        {PARAM_FIELDS.map((p) => (
          <label className="field" key={p.key}><span className="field-label">{t(`nodes:params.${p.key}.label`)}</span>
            <NumberInput value={params[p.key] as number | null | undefined} min={p.min} max={p.max} step={p.step} placeholder={p.hint && t(`nodes:params.${p.key}.hint`)} onChange={(v) => setParam(p.key, v)} testId={`agent-param-${p.key}`} />
          </label>
        ))}
      </div>
      {warning && <div className="field-warning">{t('nodes:params.bothSet')}</div>}
      <div className="param-grid">
        <label className="field"><span className="field-label">{t('model.toolCalling')}</span>
          <select value={config.tool_calling} onChange={(e) => onChange({ tool_calling: e.target.value as AgentConfig['tool_calling'] })} data-testid="agent-tool-calling">
            <option value="native">{t('model.native')}</option><option value="react">{t('model.react')}</option>
          </select></label>
        <label className="field"><span className="field-label">{t('model.maxSteps')}</span>
          <NumberInput value={config.max_steps} min={1} max={50} onChange={(v) => onChange({ max_steps: v ?? 5 })} testId="agent-max-steps" /></label>
        <label className="field"><span className="field-label">{t('model.memory')}</span>
          <NumberInput value={config.memory_window} min={0} max={100} onChange={(v) => onChange({ memory_window: v ?? 0 })} testId="agent-memory" /></label>
        <label className="field"><span className="field-label">{t('model.resultBudget')}</span>
          <NumberInput value={config.result_budget} min={200} max={200000} step={100} onChange={(v) => onChange({ result_budget: v ?? 4000 })} testId="agent-result-budget" /></label>
        <label className="field"><span className="field-label">{t('model.toolTimeout')}</span>
          <NumberInput value={config.tool_timeout_s} min={1} max={3600} onChange={(v) => onChange({ tool_timeout_s: v ?? 120 })} testId="agent-tool-timeout" /></label>
      </div>
    </div>
  );
}
