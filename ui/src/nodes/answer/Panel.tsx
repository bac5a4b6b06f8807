import { Field, InputsTable, PromptEditor } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { unknownPlaceholders } from './defaults';

export default function AnswerPanel(props: PanelProps<'answer'>) {
  const { data } = props.node;
  const text = data.config.text ?? '';
  const inputs = Object.keys(data.inputs);
  const unknown = unknownPlaceholders(text, inputs);
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={props.ctx.issues} onChange={(next) => props.update((d) => ({ ...d, inputs: next }))} />
      <Field label="Reply ({{name}} inserts an input; streams as soon as this node is reached)" issues={props.ctx.issues} field="config.text">
        <PromptEditor value={text} rows={5} variables={inputs} testId="answer-text" onChange={(next) => patchConfig(props, { text: next })} />
        {unknown.length > 0 && <span className="field-error" data-testid="answer-unknown">{`Not an input: ${unknown.join(', ')}`}</span>}
      </Field>
      {props.ctx.mode !== 'chat' && <p className="muted">Answer nodes make the reply of chat apps; in a workflow they only add to the run's answer.</p>}
    </div>
  );
}
