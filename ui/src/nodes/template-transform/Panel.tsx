import { Field, InputsTable, PromptEditor } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { MAX_TEMPLATE_CHARS, unknownVariables } from './defaults';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../i18n/format';

export default function TemplatePanel(props: PanelProps<'template-transform'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const template = data.config.template ?? '';
  const inputs = Object.keys(data.inputs);
  const unknown = unknownVariables(template, inputs);
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={props.ctx.issues} onChange={(next) => props.update((d) => ({ ...d, inputs: next }))} />
      <Field label={t('template.template')} issues={props.ctx.issues} field="config.template">
        <PromptEditor value={template} rows={8} variables={inputs} testId="template-editor" onChange={(next) => patchConfig(props, { template: next })} />
        {unknown.length > 0 && (
          <span className="field-error" data-testid="template-unknown">{t('template.unknown', { names: unknown.join(', '), count: unknown.length })}</span>
        )}
        {template.length > MAX_TEMPLATE_CHARS && <span className="field-error">{t('template.tooLong', { max: formatNumber(MAX_TEMPLATE_CHARS) })}</span>}
      </Field>
      <p className="muted">{t('template.note', { max: formatNumber(100000) })}</p>
    </div>
  );
}
