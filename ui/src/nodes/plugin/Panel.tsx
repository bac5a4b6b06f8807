import { Field, InputsTable, parseLiteral } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { findTool, inputsForTool, paramType, toolOutputs } from './catalog';
import { useTranslation } from 'react-i18next';

export default function PluginPanel(props: PanelProps<'plugin'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = { ...data.config, plugin: data.config.plugin ?? '', tool: data.config.tool ?? '' };
  const { issues, plugins } = props.ctx;
  const settings = (cfg.settings ?? {}) as Record<string, unknown>;
  const choice = cfg.plugin && cfg.tool ? `${cfg.plugin}/${cfg.tool}` : '';
  const tool = findTool(plugins, cfg.plugin, cfg.tool);
  const known = plugins.some((p) => p.tools.some((t) => `${p.name}/${t.name}` === choice));
  const pick = (value: string) => {
    const [plugin, name] = value.split('/');
    const picked = findTool(plugins, plugin, name);
    props.update((d) => ({ ...d, config: { ...d.config, plugin: plugin ?? '', tool: name ?? '' },
      inputs: picked ? inputsForTool(picked, d.inputs) : d.inputs }));
  };
  return (
    <div>
      <Field label={t('plugin.tool')} issues={issues} field="config.tool">
        <select value={choice} onChange={(e) => pick(e.target.value)} data-testid="plugin-tool-picker">
          <option value="">{t('plugin.pickTool')}</option>
          {choice && !known && <option value={choice}>{t('plugin.notInstalled', { choice })}</option>}
          {plugins.map((p) => (
            <optgroup key={p.name} label={`${p.name}${p.kind ? ` (${p.kind})` : ''}`}>
              {p.tools.map((tl) => <option key={tl.name} value={`${p.name}/${tl.name}`} title={tl.description}>{p.name} / {tl.name}</option>)}
            </optgroup>
          ))}
        </select>
        {plugins.length === 0 && <span className="muted">{t('plugin.noPlugins')}</span>}
      </Field>
      {tool && (
        <div className="tool-info" data-testid="tool-info">
          {tool.description && <p className="muted">{tool.description}</p>}
          <div className="section-title">{t('llm.parameters')}</div>
          <table className="tool-params" data-testid="tool-params">
            <tbody>
              {tool.parameters.map((p) => (
                <tr key={p.name}>
                  <td><code>{p.name}</code>{p.required ? ' *' : ''}</td><td className="muted">{paramType(p)}</td>
                  <td className="muted">{p.description}{p.enum ? ` (${p.enum.join(', ')})` : ''}</td>
                  <td>{!p.required && !(p.name in data.inputs) && (
                    <button type="button" className="icon" title={t('plugin.wireParam')} data-testid={`add-param-${p.name}`}
                      onClick={() => props.update((d) => ({ ...d, inputs: { ...d.inputs, [p.name]: { ref: '' } } }))}>+</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="section-title">{t('plugin.outputs')}</div>
          <div data-testid="tool-outputs">
            {Object.entries(toolOutputs(tool)).map(([name, type]) => <span key={name} className="chip">{name}: {type}</span>)}
          </div>
        </div>
      )}
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
      <Field label={t('plugin.settings')} issues={issues} field="config.settings">
        <textarea rows={3} defaultValue={JSON.stringify(settings, null, 2)} data-testid="plugin-settings" onBlur={(e) => {
          const v = parseLiteral(e.target.value);
          if (v && typeof v === 'object') patchConfig(props, { settings: v as Record<string, unknown> });
        }} />
      </Field>
    </div>
  );
}
