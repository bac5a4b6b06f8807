import CodeMirror from '@uiw/react-codemirror';
import { python } from '@codemirror/lang-python';
import { VAR_TYPES } from '../../workflow/types';
import { Field, InputsTable } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { useTranslation } from 'react-i18next';

const extensions = [python()];

export default function CodePanel(props: PanelProps<'code'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = { ...data.config, code: data.config.code ?? '' };
  const { issues } = props.ctx;
  const outputs = Object.entries(cfg.outputs ?? {});
  const setOutputs = (entries: [string, string][]) => patchConfig(props, { outputs: Object.fromEntries(entries) });
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
      <Field label={t('code.python')} issues={issues} field="config.code">
        <div data-testid="code-editor">
          <CodeMirror value={cfg.code} height="200px" extensions={extensions} onChange={(code) => patchConfig(props, { code })} />
        </div>
      </Field>
      <Field label={t('code.outputs')} issues={issues} field="config.outputs">
        {outputs.map(([name, type], i) => (
          <div key={i} className="row">
            <input value={name} onChange={(e) => setOutputs(outputs.map((o, k) => (k === i ? [e.target.value, o[1]] : o)))} data-testid={`code-output-${i}`} />
            <select value={type} onChange={(e) => setOutputs(outputs.map((o, k) => (k === i ? [o[0], e.target.value] : o)))}>
              {VAR_TYPES.map((vt) => <option key={vt}>{vt}</option>)}
            </select>
            <button type="button" className="icon" onClick={() => setOutputs(outputs.filter((_, k) => k !== i))}>✕</button>
          </div>
        ))}
        <button type="button" onClick={() => setOutputs([...outputs, [`out${outputs.length + 1}`, 'string']])}>{t('code.addOutput')}</button>
      </Field>
    </div>
  );
}
