import { Field, InputsTable, PromptEditor } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { MAX_TEMPLATE_CHARS, unknownVariables } from './defaults';

export default function TemplatePanel(props: PanelProps<'template-transform'>) {
  const { data } = props.node;
  const template = data.config.template ?? '';
  const inputs = Object.keys(data.inputs);
  const unknown = unknownVariables(template, inputs);
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={props.ctx.issues} onChange={(next) => props.update((d) => ({ ...d, inputs: next }))} />
      <Field label="Jinja2 template (its variables are the inputs; output: output)" issues={props.ctx.issues} field="config.template">
        <PromptEditor value={template} rows={8} variables={inputs} testId="template-editor" onChange={(next) => patchConfig(props, { template: next })} />
        {unknown.length > 0 && (
          <span className="field-error" data-testid="template-unknown">{`Not an input: ${unknown.join(', ')} — add ${unknown.length > 1 ? 'them' : 'it'} to the inputs`}</span>
        )}
        {template.length > MAX_TEMPLATE_CHARS && <span className="field-error">{`Longer than ${MAX_TEMPLATE_CHARS.toLocaleString()} characters`}</span>}
      </Field>
      <p className="muted">Runs in a sandbox: filters, loops and conditions work; inputs cannot be changed and internals are out of reach. The output is capped at 100,000 characters.</p>
    </div>
  );
}
