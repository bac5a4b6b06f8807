import { isRef } from '../../workflow/types';
import { bracketIndexes } from '../question-classifier/defaults';
import { OPERATOR_LABELS } from '../if-else/operators';
import { Field, NumberInput, RefPicker, parseLiteral } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { ITEM_TYPES, conditionProblem, itemOperators, itemTypeFor, type ItemCondition, type ItemType, type ListOperatorConfig } from './defaults';
import { useTranslation } from 'react-i18next';

export default function ListOperatorPanel(props: PanelProps<'list-operator'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = data.config;
  const issues = bracketIndexes(props.ctx.issues);
  const source = data.inputs.items;
  const arrays = props.ctx.upstream.filter((o) => o.type.startsWith('array[') || o.type === 'any');
  const set = (patch: Partial<ListOperatorConfig>) => patchConfig(props, patch);
  const conditions = cfg.filter?.conditions ?? [];
  const setConditions = (next: ItemCondition[]) => set({ filter: next.length ? { logic: cfg.filter?.logic ?? 'and', conditions: next } : null });
  const setCondition = (i: number, patch: Partial<ItemCondition>) => setConditions(conditions.map((c, k) => (k === i ? { ...c, ...patch } : c)));
  const pick = (ref: string) => {
    const type = props.ctx.upstream.find((o) => o.ref === ref)?.type;
    props.update((d) => ({ ...d, inputs: { items: { ref } }, config: { ...d.config, item_type: itemTypeFor(type) } }));
  };
  return (
    <div>
      <Field label={t('list.input')} issues={issues} field="inputs">
        <RefPicker value={isRef(source) ? source.ref : ''} options={arrays} onChange={pick} testId="list-input" />
      </Field>
      <Field label={t('list.itemType')} issues={issues} field="config.item_type">
        <select value={cfg.item_type ?? 'any'} data-testid="list-item-type" onChange={(e) => set({ item_type: e.target.value as ItemType })}>
          {ITEM_TYPES.map((it) => <option key={it}>{it}</option>)}
        </select>
      </Field>
      <div className="section-title">{t('list.filter')}</div>
      {conditions.length > 1 && (
        <select value={cfg.filter?.logic ?? 'and'} onChange={(e) => set({ filter: { conditions, logic: e.target.value as 'and' | 'or' } })}>
          <option value="and">{t('allConditions')}</option>
          <option value="or">{t('anyCondition')}</option>
        </select>
      )}
      {conditions.map((cond, i) => {
        const problem = conditionProblem(cfg.item_type ?? 'any', cond);
        const server = issues.filter((x) => x.field.startsWith(`config.filter.conditions[${i}]`));
        return (
          <div key={i} className={`row ${problem || server.length ? 'field-invalid' : ''}`} data-testid={`list-condition-${i}`}>
            <input placeholder={t('list.keyPlaceholder')} value={cond.key ?? ''} onChange={(e) => setCondition(i, { key: e.target.value || null })} />
            <select value={cond.op} onChange={(e) => setCondition(i, { op: e.target.value as ItemCondition['op'] })}>
              {itemOperators(cfg.item_type ?? 'any', cond.key).map((op) => <option key={op} value={op}>{t(`operators.${op}`, { defaultValue: OPERATOR_LABELS[op] })}</option>)}
            </select>
            <input placeholder={t('value')} value={cond.value === undefined || cond.value === null ? '' : typeof cond.value === 'string' ? cond.value : JSON.stringify(cond.value)}
              onChange={(e) => setCondition(i, { value: e.target.value === '' ? null : parseLiteral(e.target.value) })} />
            <button type="button" className="icon" title={t('removeCondition')} onClick={() => setConditions(conditions.filter((_, k) => k !== i))}>✕</button>
            {problem && <span className="field-error">{problem}</span>}
            {!problem && server.map((x, k) => <span key={k} className={`field-${x.severity}`}>{x.message}</span>)}
          </div>
        );
      })}
      <button type="button" data-testid="list-add-condition" onClick={() => setConditions([...conditions, { key: null, op: 'is_not_empty' }])}>{t('ifElse.addCondition')}</button>
      <Field label={t('list.sort')} issues={issues} field="config.sort">
        <div className="row">
          <select value={cfg.sort ? cfg.sort.order : ''} data-testid="list-sort" onChange={(e) => set({ sort: e.target.value ? { key: cfg.sort?.key ?? null, order: e.target.value as 'asc' | 'desc' } : null })}>
            <option value="">{t('list.noSorting')}</option>
            <option value="asc">{t('list.ascending')}</option>
            <option value="desc">{t('list.descending')}</option>
          </select>
          {cfg.sort && <input placeholder={t('list.byKey')} value={cfg.sort.key ?? ''} onChange={(e) => set({ sort: { order: cfg.sort?.order ?? 'asc', key: e.target.value || null } })} />}
        </div>
      </Field>
      <Field label={t('list.keep')} issues={issues} field="config.slice">
        <div className="row">
          <select value={cfg.slice ? cfg.slice.take : ''} data-testid="list-slice" onChange={(e) => set({ slice: e.target.value ? { take: e.target.value as 'first' | 'last', count: cfg.slice?.count ?? 10 } : null })}>
            <option value="">{t('list.allItems')}</option>
            <option value="first">{t('list.first')}</option>
            <option value="last">{t('list.last')}</option>
          </select>
          {cfg.slice && <NumberInput value={cfg.slice.count} min={0} testId="list-slice-count" onChange={(v) => set({ slice: { take: cfg.slice?.take ?? 'first', count: v ?? 0 } })} />}
        </div>
      </Field>
      <Field label={t('list.extract')} issues={issues} field="config.extract">
        <NumberInput value={cfg.extract?.index ?? null} placeholder={t('none')} testId="list-extract" onChange={(v) => set({ extract: v === null ? null : { index: v } })} />
      </Field>
      <p className="muted">{t('list.note')}</p>
    </div>
  );
}
