import { useState } from 'react';
import { Field, InputsTable, NumberInput, PromptEditor } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { PARAM_FIELDS, paramsWarning, type LLMParams, type Message } from './defaults';
import { fetchTrainingSystemPrompt, withSystemPrompt } from './trainedPrompt';
import { useTranslation } from 'react-i18next';

export default function LLMPanel(props: PanelProps<'llm'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = { ...data.config, params: data.config.params ?? {}, output: data.config.output ?? { format: 'text' as const }, messages: data.config.messages ?? [] };
  const issues = props.ctx.issues;
  const inputNames = Object.keys(data.inputs);
  const setMessages = (messages: Message[]) => patchConfig(props, { messages });
  const setParam = (key: keyof LLMParams, v: number | null) => {
    const params = { ...cfg.params, [key]: v };
    if (v === null) delete params[key];
    patchConfig(props, { params });
  };
  const warning = paramsWarning(cfg.params);
  const [schemaText, setSchemaText] = useState(JSON.stringify(cfg.output?.schema ?? { type: 'object', properties: {} }, null, 2));
  const [schemaError, setSchemaError] = useState<string | null>(null);
  const models = props.ctx.models.includes(cfg.model) ? props.ctx.models : [cfg.model, ...props.ctx.models];
  const [prefilled, setPrefilled] = useState<string | null>(null);
  const chooseModel = async (model: string) => {
    patchConfig(props, { model });
    setPrefilled(null);
    const prompt = await fetchTrainingSystemPrompt(model);  // infer with the prompt the model was trained with
    if (prompt === null) return;
    props.update((d) => ({ ...d, config: { ...d.config, messages: withSystemPrompt(d.config.messages ?? [], prompt) } }));
    setPrefilled(model);
  };
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
      <Field label={t('llm.model')} issues={issues} field="config.model">
        <select value={cfg.model} onChange={(e) => void chooseModel(e.target.value)} data-testid="model-picker">
          {models.map((m) => <option key={m}>{m}</option>)}
        </select>
        {prefilled === cfg.model && <span className="muted" data-testid="system-prompt-prefilled">{t('llm.prefilled', { model: prefilled })}</span>}
      </Field>
      <div className="section-title">{t('llm.parameters')}</div>
      <Field label={t('llm.preset')} issues={issues} field="config.preset">
        <select value={cfg.preset ?? ''} data-testid="param-preset" title={props.ctx.presets.find((p) => p.name === cfg.preset)?.description}
          onChange={(e) => patchConfig(props, { preset: e.target.value || null })}>
          <option value="">{t('llm.noPreset')}</option>
          {props.ctx.presets.map((p) => <option key={p.name} value={p.name}>{p.title}</option>)}
        </select>
      </Field>
      {PARAM_FIELDS.map((p) => (
        <Field key={p.key} label={t(`params.${p.key}.label`)} issues={issues} field={`config.params.${p.key}`}>
          <NumberInput value={cfg.params[p.key] as number | null | undefined} min={p.min} max={p.max} step={p.step} placeholder={p.hint && t(`params.${p.key}.hint`)} onChange={(v) => setParam(p.key, v)} testId={`param-${p.key}`} />
        </Field>
      ))}
      {warning && <div className="field-warning">{t('params.bothSet')}</div>}
      <div className="section-title">{t('llm.messages')}</div>
      {cfg.messages.map((m, i) => (
        <Field key={i} label={t('llm.message', { n: i + 1 })} issues={issues} field={`config.messages[${i}]`}>
          <div className="row">
            <select value={m.role} data-testid={`message-role-${i}`} onChange={(e) => setMessages(cfg.messages.map((x, k) => (k === i ? { ...x, role: e.target.value as Message['role'] } : x)))}>
              <option>system</option><option>user</option><option>assistant</option>
            </select>
            <button type="button" className="icon" onClick={() => setMessages(cfg.messages.filter((_, k) => k !== i))}>✕</button>
          </div>
          <PromptEditor value={m.content} variables={inputNames} testId={`message-${i}`}
            onChange={(v) => setMessages(cfg.messages.map((x, k) => (k === i ? { ...x, content: v } : x)))} />
        </Field>
      ))}
      <button type="button" data-testid="add-message" onClick={() => setMessages([...cfg.messages, { role: 'user', content: '' }])}>{t('llm.addMessage')}</button>
      {props.ctx.mode === 'chat' && (
        <Field label={t('llm.memory')} issues={issues} field="config.memory">
          <NumberInput value={cfg.memory?.window ?? null} min={0} max={100} onChange={(v) => patchConfig(props, { memory: v === null ? null : { window: v } })} />
        </Field>
      )}
      <Field label={t('llm.outputFormat')} issues={issues} field="config.output">
        <select value={cfg.output?.format ?? 'text'} data-testid="output-format"
          onChange={(e) => patchConfig(props, { output: e.target.value === 'json' ? { format: 'json', schema: JSON.parse(schemaText) } : { format: 'text' } })}>
          <option value="text">text</option><option value="json">json</option>
        </select>
      </Field>
      {cfg.output?.format === 'json' && (
        <Field label={t('llm.jsonSchema')} issues={issues} field="config.output.schema">
          <textarea rows={6} value={schemaText} data-testid="output-schema" onChange={(e) => {
            setSchemaText(e.target.value);
            try { patchConfig(props, { output: { format: 'json', schema: JSON.parse(e.target.value) } }); setSchemaError(null); } catch (err) { setSchemaError(String(err)); }
          }} />
          {schemaError && <span className="field-error">{schemaError}</span>}
        </Field>
      )}
    </div>
  );
}
