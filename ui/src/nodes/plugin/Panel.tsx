import { Field, InputsTable, parseLiteral } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';

export default function PluginPanel(props: PanelProps<'plugin'>) {
  const { data } = props.node;
  const cfg = { ...data.config, plugin: data.config.plugin ?? '', tool: data.config.tool ?? '' };
  const { issues } = props.ctx;
  const settings = (cfg.settings ?? {}) as Record<string, unknown>;
  return (
    <div>
      <Field label="Plugin" issues={issues} field="config.plugin">
        <input value={cfg.plugin} onChange={(e) => patchConfig(props, { plugin: e.target.value })} data-testid="plugin-name" />
      </Field>
      <Field label="Tool" issues={issues} field="config.tool">
        <input value={cfg.tool} onChange={(e) => patchConfig(props, { tool: e.target.value })} data-testid="plugin-tool" />
      </Field>
      <Field label="Tool settings (JSON)" issues={issues} field="config.settings">
        <textarea rows={3} defaultValue={JSON.stringify(settings, null, 2)} onBlur={(e) => {
          const v = parseLiteral(e.target.value);
          if (v && typeof v === 'object') patchConfig(props, { settings: v as Record<string, unknown> });
        }} />
      </Field>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
    </div>
  );
}
