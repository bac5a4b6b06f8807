import { VAR_TYPES, type VarType } from '../../workflow/types';
import { OPERATORS } from '../if-else/defaults';
import { OPERATOR_LABELS, UNARY } from '../if-else/operators';
import { Field, NumberInput, RefPicker, ValueSourceInput, parseLiteral } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { bracketIndexes } from '../question-classifier/defaults';
import { variableProblem, type LoopCondition, type LoopConfig, type LoopVariable } from './defaults';
import { useTranslation } from 'react-i18next';

export default function LoopPanel(props: PanelProps<'loop'>) {
  const { t } = useTranslation('nodes');
  const cfg = props.node.data.config;
  const issues = bracketIndexes(props.ctx.issues);
  const set = (patch: Partial<LoopConfig>) => patchConfig(props, patch);
  const variables = cfg.variables ?? [];
  const until = cfg.until ?? [];
  const inside = props.ctx.inside ?? [];
  const setVar = (i: number, patch: Partial<LoopVariable>) => set({ variables: variables.map((v, k) => (k === i ? { ...v, ...patch } : v)) });
  const setCond = (i: number, patch: Partial<LoopCondition>) => set({ until: until.map((c, k) => (k === i ? { ...c, ...patch } : c)) });
  return (
    <div>
      <div className="section-title">{t('loop.variables')}</div>
      {variables.map((v, i) => {
        const problem = variableProblem(variables, i);
        const server = issues.filter((x) => x.field.startsWith(`config.variables[${i}]`));
        return (
          <div key={i} className={`loop-variable ${problem || server.length ? 'field-invalid' : ''}`} data-testid={`loop-variable-${i}`}>
            <div className="row">
              <input placeholder={t('name')} value={v.name} data-testid={`loop-variable-${i}-name`} onChange={(e) => setVar(i, { name: e.target.value })} />
              <select value={v.type} onChange={(e) => setVar(i, { type: e.target.value as VarType })}>
                {VAR_TYPES.map((vt) => <option key={vt}>{vt}</option>)}
              </select>
              <button type="button" className="icon" title={t('loop.removeVariable')} onClick={() => set({ variables: variables.filter((_, k) => k !== i) })}>✕</button>
            </div>
            <div className="row"><span className="muted">{t('loop.startsAs')}</span>
              <ValueSourceInput source={v.value} options={props.ctx.upstream} onChange={(value) => setVar(i, { value })} testId={`loop-variable-${i}-value`} /></div>
            <div className="row"><span className="muted">{t('loop.afterEachRound')}</span>
              <RefPicker value={v.update?.ref ?? ''} options={inside.filter((o) => o.nodeId !== props.node.id)} testId={`loop-variable-${i}-update`}
                onChange={(ref) => setVar(i, { update: ref ? { ref } : null })} /></div>
            {problem && <span className="field-error">{problem}</span>}
            {!problem && server.map((x, k) => <span key={k} className={`field-${x.severity}`}>{x.message}</span>)}
          </div>
        );
      })}
      <button type="button" data-testid="loop-add-variable"
        onClick={() => set({ variables: [...variables, { name: `v${variables.length + 1}`, type: 'number', value: { value: 0 } }] })}>{t('loop.addVariable')}</button>
      <div className="section-title">{t('loop.stopWhen')}</div>
      {until.length > 1 && (
        <select value={cfg.logic ?? 'and'} onChange={(e) => set({ logic: e.target.value as 'and' | 'or' })}>
          <option value="and">{t('allConditions')}</option>
          <option value="or">{t('anyCondition')}</option>
        </select>
      )}
      {until.map((c, i) => {
        const server = issues.filter((x) => x.field.startsWith(`config.until[${i}]`));
        const left = 'ref' in c.left ? c.left.ref : '';
        const right = c.right && 'value' in c.right ? c.right.value : undefined;
        return (
          <div key={i} className={`row ${server.length ? 'field-invalid' : ''}`} data-testid={`loop-condition-${i}`}>
            <RefPicker value={left} options={inside} onChange={(ref) => setCond(i, { left: { ref } })} testId={`loop-condition-${i}-left`} />
            <select value={c.op} onChange={(e) => setCond(i, { op: e.target.value as LoopCondition['op'] })} data-testid={`loop-condition-${i}-op`}>
              {OPERATORS.map((op) => <option key={op} value={op}>{t(`operators.${op}`, { defaultValue: OPERATOR_LABELS[op] })}</option>)}
            </select>
            {!UNARY.has(c.op) && (
              <input placeholder={t('value')} data-testid={`loop-condition-${i}-right`} value={right === undefined || right === null ? '' : typeof right === 'string' ? right : JSON.stringify(right)}
                onChange={(e) => setCond(i, { right: { value: parseLiteral(e.target.value) } })} />
            )}
            <button type="button" className="icon" title={t('removeCondition')} onClick={() => set({ until: until.filter((_, k) => k !== i) })}>✕</button>
            {server.map((x, k) => <span key={k} className={`field-${x.severity}`}>{x.message}</span>)}
          </div>
        );
      })}
      <button type="button" data-testid="loop-add-condition" onClick={() => set({ until: [...until, { left: { ref: '' }, op: 'is_true' }] })}>{t('ifElse.addCondition')}</button>
      <Field label={t('loop.maxRounds')} issues={issues} field="config.max_rounds">
        <NumberInput value={cfg.max_rounds ?? 10} min={1} testId="loop-max-rounds" onChange={(v) => set({ max_rounds: v ?? 10 })} />
      </Field>
      <p className="muted">{t('loop.note', { variable: `${props.node.id}.<variable>`, index: `${props.node.id}.index` })}</p>
    </div>
  );
}
