import { InputsTable } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { ModelFields } from '../question-classifier/ModelFields';
import { bracketIndexes } from '../question-classifier/defaults';
import { addParameter, canHaveOptions, parameterProblems, parseOptions, PARAM_TYPES, type ParamType, type Parameter } from './defaults';
import { useTranslation } from 'react-i18next';

export default function ParameterExtractorPanel(props: PanelProps<'parameter-extractor'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = data.config;
  const params = cfg.parameters ?? [];
  const issues = bracketIndexes(props.ctx.issues);
  const problems = parameterProblems(params);
  const setParams = (next: Parameter[]) => patchConfig(props, { parameters: next });
  const setParam = (i: number, patch: Partial<Parameter>) => setParams(params.map((p, k) => (k === i ? { ...p, ...patch } : p)));
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
      <div className="muted">{t('extractParams.queryNote')}</div>
      <ModelFields config={cfg} ctx={props.ctx} issues={issues} inputNames={Object.keys(data.inputs)} onChange={(patch) => patchConfig(props, patch)} />
      <div className="section-title">{t('extractParams.parameters')}</div>
      {issues.filter((x) => x.field === 'config.parameters').map((x, k) => <div key={k} className="field-error">{x.message}</div>)}
        <table className="param-table" data-testid="parameter-table">
          <thead><tr><th>{t('name')}</th><th>{t('extractParams.type')}</th><th>{t('start.description')}</th><th>{t('start.required')}</th><th>{t('extractParams.options')}</th><th /></tr></thead>
          <tbody>
            {params.map((p, i) => (
              <tr key={i} className={problems[i] || issues.some((x) => x.field.startsWith(`config.parameters[${i}]`)) ? 'field-invalid' : ''} data-testid={`param-row-${i}`}>
                <td><input value={p.name} onChange={(e) => setParam(i, { name: e.target.value })} data-testid={`param-name-${i}`} title={problems[i]} /></td>
                <td>
                  <select value={p.type} data-testid={`param-type-${i}`} onChange={(e) => {
                    const type = e.target.value as ParamType;
                    setParam(i, canHaveOptions(type) ? { type } : { type, options: null });
                  }}>
                    {PARAM_TYPES.map((pt) => <option key={pt}>{pt}</option>)}
                  </select>
                </td>
                <td><input value={p.description ?? ''} onChange={(e) => setParam(i, { description: e.target.value })} data-testid={`param-description-${i}`} /></td>
                <td><input type="checkbox" checked={!!p.required} onChange={(e) => setParam(i, { required: e.target.checked })} data-testid={`param-required-${i}`} /></td>
                <td>
                  {canHaveOptions(p.type) && (
                    <input defaultValue={(p.options ?? []).join(', ')} placeholder="a, b, c" data-testid={`param-options-${i}`}
                      onBlur={(e) => setParam(i, { options: parseOptions(e.target.value, p.type) })} />
                  )}
                </td>
                <td><button type="button" className="icon" title={t('extractParams.remove')} onClick={() => setParams(params.filter((_, k) => k !== i))}>✕</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        {params.map((_, i) => (
          <span key={i}>
            {problems[i] && <span className="field-error" data-testid={`param-problem-${i}`}>{t('extractParams.problem', { n: i + 1, problem: problems[i] })}</span>}
            {issues.filter((x) => x.field.startsWith(`config.parameters[${i}]`)).map((x, k) => (
              <span key={k} className={`field-${x.severity}`}>{t('extractParams.fieldProblem', { n: i + 1, field: x.field.split('.').pop(), message: x.message })}</span>
            ))}
          </span>
        ))}
      <button type="button" data-testid="add-parameter" onClick={() => setParams(addParameter(params))}>{t('extractParams.add')}</button>
    </div>
  );
}
