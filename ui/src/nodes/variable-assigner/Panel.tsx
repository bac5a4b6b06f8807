import { Field, RefPicker, ValueSourceInput } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { isCompatible } from '../../workflow/compat';
import { type Assignment, type Operation, operationsFor, takesValue, valueType } from './defaults';
import { useTranslation } from 'react-i18next';

export default function AssignerPanel(props: PanelProps<'variable-assigner'>) {
  const { t } = useTranslation('nodes');
  const items = props.node.data.config.items ?? [];
  const targets = props.ctx.upstream.filter((o) => o.nodeId === 'conversation');
  const setItems = (next: Assignment[]) => patchConfig(props, { items: next });
  const change = (i: number, patch: Partial<Assignment>) => setItems(items.map((it, k) => (k === i ? { ...it, ...patch } : it)));
  return (
    <div>
      {targets.length === 0 && <p className="field-error" data-testid="assigner-no-variables">{t('assigner.noVariables')}</p>}
      {items.map((item, i) => {
        const target = targets.find((o) => o.ref === item.variable?.ref);
        const ops = operationsFor(target?.type);
        const wanted = target ? valueType(item.operation, target.type) : 'any';
        const valueOptions = props.ctx.upstream.filter((o) => o.nodeId !== 'conversation' || o.ref !== item.variable?.ref)
          .filter((o) => isCompatible(o.type, wanted));
        return (
          <Field key={i} label={t('assigner.change', { n: i + 1 })} issues={props.ctx.issues} field={`config.items[${i}]`}>
            <div className="row">
              <RefPicker value={item.variable?.ref ?? ''} options={targets} testId={`assign-variable-${i}`}
                onChange={(ref) => change(i, { variable: { ref } })} />
              <select value={item.operation} data-testid={`assign-operation-${i}`}
                onChange={(e) => { const op = e.target.value as Operation; change(i, { operation: op, value: takesValue(op) ? item.value ?? { ref: '' } : undefined }); }}>
                {ops.map((op) => <option key={op} value={op}>{t(`assigner.operations.${op}`, { defaultValue: op.replace('_', ' ') })}</option>)}
              </select>
              <button type="button" onClick={() => setItems(items.filter((_, k) => k !== i))} disabled={items.length === 1}>✕</button>
            </div>
            {takesValue(item.operation) && (
              <div className="row"><span className="muted">{item.operation === 'increment' || item.operation === 'decrement' ? t('assigner.valueDefault1', { type: wanted }) : t('assigner.value', { type: wanted })}</span>
                <ValueSourceInput source={item.value} options={valueOptions} testId={`assign-value-${i}`}
                  onChange={(value) => change(i, { value })} /></div>
            )}
          </Field>
        );
      })}
      <button type="button" data-testid="assign-add" onClick={() => setItems([...items, { variable: { ref: '' }, operation: 'set', value: { ref: '' } }])}>{t('assigner.addChange')}</button>
      <p className="muted">{t('assigner.note')}</p>
    </div>
  );
}
