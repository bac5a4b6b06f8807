import { Field, NumberInput, PromptEditor } from '../shared/controls';
import type { Issue } from '../../workflow/types';
import type { PanelContext } from '../shared/panel';
import type { TaskModel } from './defaults';
import type { LLMParams } from '../llm/defaults';
import { useTranslation } from 'react-i18next';

/** Model, preset, temperature, JSON mode and instructions: the settings every one-call task node shares. */
export function ModelFields({ config, ctx, issues, inputNames, onChange }: {
  config: TaskModel; ctx: PanelContext; issues: Issue[]; inputNames: string[]; onChange: (patch: Partial<TaskModel>) => void;
}) {
  const { t } = useTranslation('nodes');
  const models = ctx.models.includes(config.model) ? ctx.models : [config.model, ...ctx.models];
  const params = config.params ?? {};
  return (
    <>
      <Field label={t('llm.model')} issues={issues} field="config.model">
        <select value={config.model} onChange={(e) => onChange({ model: e.target.value })} data-testid="model-picker">
          {models.map((m) => <option key={m}>{m}</option>)}
        </select>
      </Field>
      <Field label={t('llm.preset')} issues={issues} field="config.preset">
        <select value={config.preset ?? ''} data-testid="param-preset" onChange={(e) => onChange({ preset: e.target.value || null })}>
          <option value="">{t('llm.noPreset')}</option>
          {ctx.presets.map((p) => <option key={p.name} value={p.name}>{p.title}</option>)}
        </select>
      </Field>
      <Field label={t('classifier.temperature')} issues={issues} field="config.params">
        <NumberInput value={params.temperature} min={0} max={2} step={0.1} placeholder={t('classifier.temperatureHint')} testId="param-temperature"
          onChange={(v) => { const next: LLMParams = { ...params, temperature: v }; if (v === null) delete next.temperature; onChange({ params: next }); }} />
      </Field>
      <Field label={t('classifier.jsonMode')} issues={issues} field="config.json_mode">
        <input type="checkbox" checked={config.json_mode ?? true} data-testid="json-mode" onChange={(e) => onChange({ json_mode: e.target.checked })} />
      </Field>
      <Field label={t('classifier.instructions')} issues={issues} field="config.instructions">
        <PromptEditor value={config.instructions ?? ''} variables={inputNames} testId="instructions" rows={3}
          onChange={(instructions) => onChange({ instructions })} />
      </Field>
    </>
  );
}
