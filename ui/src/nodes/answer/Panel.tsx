import { Field, InputsTable, PromptEditor } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { unknownPlaceholders } from './defaults';
import { useTranslation } from 'react-i18next';

export default function AnswerPanel(props: PanelProps<'answer'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const text = data.config.text ?? '';
  const inputs = Object.keys(data.inputs);
  const unknown = unknownPlaceholders(text, inputs);
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={props.ctx.issues} onChange={(next) => props.update((d) => ({ ...d, inputs: next }))} />
      <Field label={t('answer.reply', { name: '{{name}}' })} issues={props.ctx.issues} field="config.text">
        <PromptEditor value={text} rows={5} variables={inputs} testId="answer-text" onChange={(next) => patchConfig(props, { text: next })} />
        {unknown.length > 0 && <span className="field-error" data-testid="answer-unknown">{t('notAnInput', { names: unknown.join(', ') })}</span>}
      </Field>
      {props.ctx.mode !== 'chat' && <p className="muted">{t('answer.workflowNote')}</p>}
    </div>
  );
}
