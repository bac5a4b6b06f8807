import { VAR_TYPES, type VarType } from '../../workflow/types';
import { Field, parseLiteral } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import type { StartVariable } from './defaults';
import { useTranslation } from 'react-i18next';

export default function StartPanel(props: PanelProps<'start'>) {
  const { t } = useTranslation('nodes');
  const vars = props.node.data.config.variables ?? [];
  const set = (i: number, patch: Partial<StartVariable>) =>
    patchConfig(props, { variables: vars.map((v, k) => (k === i ? { ...v, ...patch } : v)) });
  return (
    <div>
      <div className="section-title">{t('start.inputVariables')}</div>
      {vars.map((v, i) => (
        <Field key={i} label={t('start.variable', { n: i + 1 })} issues={props.ctx.issues} field={`config.variables[${i}]`}>
          <div className="row">
            <input value={v.name} onChange={(e) => set(i, { name: e.target.value })} data-testid={`var-name-${i}`} />
            <select value={v.type} onChange={(e) => set(i, { type: e.target.value as VarType })} data-testid={`var-type-${i}`}>
              {VAR_TYPES.map((vt) => <option key={vt}>{vt}</option>)}
            </select>
            <label className="inline"><input type="checkbox" checked={v.required} onChange={(e) => set(i, { required: e.target.checked })} />{t('start.required')}</label>
            <button type="button" className="icon" onClick={() => patchConfig(props, { variables: vars.filter((_, k) => k !== i) })}>✕</button>
          </div>
          <input placeholder={t('start.default')} value={v.default == null ? '' : typeof v.default === 'string' ? v.default : JSON.stringify(v.default)}
            onChange={(e) => set(i, { default: e.target.value === '' ? undefined : v.type === 'string' ? e.target.value : parseLiteral(e.target.value) })} />
          <input placeholder={t('start.description')} value={v.description ?? ''} onChange={(e) => set(i, { description: e.target.value || undefined })} />
        </Field>
      ))}
      <button type="button" data-testid="add-variable" onClick={() => patchConfig(props, { variables: [...vars, { name: `var${vars.length + 1}`, type: 'string', required: true }] })}>{t('start.addVariable')}</button>
    </div>
  );
}
