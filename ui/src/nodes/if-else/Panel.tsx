import { Field, ValueSourceInput } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { isRef } from '../../workflow/types';
import { typeOfRef } from '../../workflow/upstream';
import { freshId } from '../../workflow/ids';
import { OPERATOR_LABELS, UNARY, operatorsFor } from './operators';
import type { Case, Condition } from './defaults';
import { useTranslation } from 'react-i18next';

export default function IfElsePanel(props: PanelProps<'if-else'>) {
  const { t } = useTranslation('nodes');
  const cases = props.node.data.config.cases ?? [];
  const { upstream, issues } = props.ctx;
  const setCases = (next: Case[]) => patchConfig(props, { cases: next });
  const setCase = (i: number, patch: Partial<Case>) => setCases(cases.map((c, k) => (k === i ? { ...c, ...patch } : c)));
  const setCond = (i: number, j: number, patch: Partial<Condition>) =>
    setCase(i, { conditions: cases[i].conditions.map((c, k) => (k === j ? { ...c, ...patch } : c)) });
  return (
    <div>
      {cases.map((c, i) => (
        <div key={i} className="case-box" data-testid={`case-${i}`}>
          <Field label={i === 0 ? 'IF' : 'ELIF'} issues={issues} field={`config.cases[${i}].id`}>
            <div className="row">
              <input value={c.id} onChange={(e) => setCase(i, { id: e.target.value })} data-testid={`case-id-${i}`} />
              <select value={c.logic} onChange={(e) => setCase(i, { logic: e.target.value as Case['logic'] })}>
                <option value="and">{t('ifElse.all')}</option><option value="or">{t('ifElse.any')}</option>
              </select>
              <button type="button" className="icon" onClick={() => setCases(cases.filter((_, k) => k !== i))} title={t('ifElse.removeCase')}>✕</button>
            </div>
          </Field>
          {c.conditions.map((cond, j) => {
            const leftType = isRef(cond.left) ? typeOfRef(cond.left.ref, upstream) : undefined;
            const ops = operatorsFor(leftType);
            const where = `config.cases[${i}].conditions[${j}]`;
            return (
              <Field key={j} label={leftType ? t('ifElse.conditionTyped', { n: j + 1, type: leftType }) : t('ifElse.condition', { n: j + 1 })} issues={issues} field={where}>
                <ValueSourceInput source={cond.left} options={upstream} testId={`cond-left-${i}-${j}`} onChange={(left) => setCond(i, j, { left })} />
                <div className="row">
                  <select value={cond.op} data-testid={`cond-op-${i}-${j}`} onChange={(e) => {
                    const op = e.target.value as Condition['op'];
                    setCond(i, j, UNARY.has(op) ? { op, right: undefined } : { op, right: cond.right ?? { value: '' } });
                  }}>
                    {!ops.includes(cond.op) && <option value={cond.op}>{t('ifElse.notFor', { op: t(`operators.${cond.op}`, { defaultValue: OPERATOR_LABELS[cond.op] }), type: leftType })}</option>}
                    {ops.map((op) => <option key={op} value={op}>{t(`operators.${op}`, { defaultValue: OPERATOR_LABELS[op] })}</option>)}
                  </select>
                  <button type="button" className="icon" onClick={() => setCase(i, { conditions: c.conditions.filter((_, k) => k !== j) })}>✕</button>
                </div>
                {!UNARY.has(cond.op) && (
                  <ValueSourceInput source={cond.right ?? { value: '' }} options={upstream} testId={`cond-right-${i}-${j}`} onChange={(right) => setCond(i, j, { right })} />
                )}
              </Field>
            );
          })}
          <button type="button" onClick={() => setCase(i, { conditions: [...c.conditions, { left: { ref: '' }, op: 'is_not_empty' }] })}>{t('ifElse.addCondition')}</button>
        </div>
      ))}
      <button type="button" data-testid="add-case" onClick={() => setCases([...cases, { id: freshId(`case${cases.length + 1}`, cases.map((c) => c.id)), logic: 'and', conditions: [{ left: { ref: '' }, op: 'is_not_empty' }] }])}>{t('ifElse.addCase')}</button>
      <div className="muted">{t('ifElse.elseNote')}</div>
    </div>
  );
}
