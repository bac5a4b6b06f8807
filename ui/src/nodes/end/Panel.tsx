import { Field, InputsTable, PromptEditor } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { useTranslation } from 'react-i18next';

export default function EndPanel(props: PanelProps<'end'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const template = data.config.answer_template;
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={props.ctx.issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
      <Field label={t('end.answerTemplate')} issues={props.ctx.issues} field="config.answer_template">
        <label className="inline"><input type="checkbox" checked={template != null} onChange={(e) => patchConfig(props, { answer_template: e.target.checked ? '' : null })} />{t('end.useTemplate')}</label>
        {template != null && <PromptEditor value={template} onChange={(v) => patchConfig(props, { answer_template: v })} variables={Object.keys(data.inputs)} testId="answer-template" />}
      </Field>
    </div>
  );
}
