import { isRef } from '../../workflow/types';
import { Field, NumberInput, RefPicker } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { ERROR_MODES, type IterationConfig } from './defaults';
import { useTranslation } from 'react-i18next';

export default function IterationPanel(props: PanelProps<'iteration'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = data.config;
  const issues = props.ctx.issues;
  const set = (patch: Partial<IterationConfig>) => patchConfig(props, patch);
  const source = data.inputs.items;
  const arrays = props.ctx.upstream.filter((o) => o.type.startsWith('array[') || o.type === 'any');
  const inside = (props.ctx.inside ?? []).filter((o) => o.nodeId !== props.node.id);
  return (
    <div>
      <Field label={t('iteration.items')} issues={issues} field="inputs.items">
        <RefPicker value={isRef(source) ? source.ref : ''} options={arrays} testId="iteration-items"
          onChange={(ref) => props.update((d) => ({ ...d, inputs: { ...d.inputs, items: { ref } } }))} />
      </Field>
      <Field label={t('iteration.output')} issues={issues} field="config.output">
        <RefPicker value={cfg.output?.ref ?? ''} options={inside} testId="iteration-output"
          onChange={(ref) => set({ output: ref ? { ref } : null })} />
      </Field>
      <Field label={t('iteration.runItems')} issues={issues} field="config.parallel">
        <select value={cfg.parallel ? 'parallel' : 'sequential'} data-testid="iteration-parallel"
          onChange={(e) => set({ parallel: e.target.value === 'parallel' })}>
          <option value="sequential">{t('iteration.sequential')}</option>
          <option value="parallel">{t('iteration.parallel')}</option>
        </select>
      </Field>
      {cfg.parallel && (
        <Field label={t('iteration.concurrency')} issues={issues} field="config.max_concurrency">
          <NumberInput value={cfg.max_concurrency ?? 4} min={1} max={64} testId="iteration-concurrency" onChange={(v) => set({ max_concurrency: v ?? 4 })} />
        </Field>
      )}
      <Field label={t('iteration.errorMode')} issues={issues} field="config.error_mode">
        <select value={cfg.error_mode ?? 'stop'} data-testid="iteration-error-mode" onChange={(e) => set({ error_mode: e.target.value as IterationConfig['error_mode'] })}>
          {Object.entries(ERROR_MODES).map(([mode, label]) => <option key={mode} value={mode}>{t(`iteration.errorModes.${mode}`, { defaultValue: label })}</option>)}
        </select>
      </Field>
      <p className="muted">{t('iteration.note', { item: `${props.node.id}.item`, index: `${props.node.id}.index` })}</p>
    </div>
  );
}
