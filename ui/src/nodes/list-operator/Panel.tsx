import { isRef } from '../../workflow/types';
import { bracketIndexes } from '../question-classifier/defaults';
import { OPERATOR_LABELS } from '../if-else/operators';
import { Field, NumberInput, RefPicker, parseLiteral } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { ITEM_TYPES, conditionProblem, itemOperators, itemTypeFor, type ItemCondition, type ItemType, type ListOperatorConfig } from './defaults';

export default function ListOperatorPanel(props: PanelProps<'list-operator'>) {
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
      <Field label="List (an array input)" issues={issues} field="inputs">
        <RefPicker value={isRef(source) ? source.ref : ''} options={arrays} onChange={pick} testId="list-input" />
      </Field>
      <Field label="Item type" issues={issues} field="config.item_type">
        <select value={cfg.item_type ?? 'any'} data-testid="list-item-type" onChange={(e) => set({ item_type: e.target.value as ItemType })}>
          {ITEM_TYPES.map((t) => <option key={t}>{t}</option>)}
        </select>
      </Field>
      <div className="section-title">Filter</div>
      {conditions.length > 1 && (
        <select value={cfg.filter?.logic ?? 'and'} onChange={(e) => set({ filter: { conditions, logic: e.target.value as 'and' | 'or' } })}>
          <option value="and">all conditions hold</option>
          <option value="or">any condition holds</option>
        </select>
      )}
      {conditions.map((cond, i) => {
        const problem = conditionProblem(cfg.item_type ?? 'any', cond);
        const server = issues.filter((x) => x.field.startsWith(`config.filter.conditions[${i}]`));
        return (
          <div key={i} className={`row ${problem || server.length ? 'field-invalid' : ''}`} data-testid={`list-condition-${i}`}>
            <input placeholder="key (objects)" value={cond.key ?? ''} onChange={(e) => setCondition(i, { key: e.target.value || null })} />
            <select value={cond.op} onChange={(e) => setCondition(i, { op: e.target.value as ItemCondition['op'] })}>
              {itemOperators(cfg.item_type ?? 'any', cond.key).map((op) => <option key={op} value={op}>{OPERATOR_LABELS[op]}</option>)}
            </select>
            <input placeholder="value" value={cond.value === undefined || cond.value === null ? '' : typeof cond.value === 'string' ? cond.value : JSON.stringify(cond.value)}
              onChange={(e) => setCondition(i, { value: e.target.value === '' ? null : parseLiteral(e.target.value) })} />
            <button type="button" className="icon" title="Remove condition" onClick={() => setConditions(conditions.filter((_, k) => k !== i))}>✕</button>
            {problem && <span className="field-error">{problem}</span>}
            {!problem && server.map((x, k) => <span key={k} className={`field-${x.severity}`}>{x.message}</span>)}
          </div>
        );
      })}
      <button type="button" data-testid="list-add-condition" onClick={() => setConditions([...conditions, { key: null, op: 'is_not_empty' }])}>+ Condition</button>
      <Field label="Sort" issues={issues} field="config.sort">
        <div className="row">
          <select value={cfg.sort ? cfg.sort.order : ''} data-testid="list-sort" onChange={(e) => set({ sort: e.target.value ? { key: cfg.sort?.key ?? null, order: e.target.value as 'asc' | 'desc' } : null })}>
            <option value="">no sorting</option>
            <option value="asc">ascending</option>
            <option value="desc">descending</option>
          </select>
          {cfg.sort && <input placeholder="by key (objects)" value={cfg.sort.key ?? ''} onChange={(e) => set({ sort: { order: cfg.sort?.order ?? 'asc', key: e.target.value || null } })} />}
        </div>
      </Field>
      <Field label="Keep" issues={issues} field="config.slice">
        <div className="row">
          <select value={cfg.slice ? cfg.slice.take : ''} data-testid="list-slice" onChange={(e) => set({ slice: e.target.value ? { take: e.target.value as 'first' | 'last', count: cfg.slice?.count ?? 10 } : null })}>
            <option value="">all items</option>
            <option value="first">the first</option>
            <option value="last">the last</option>
          </select>
          {cfg.slice && <NumberInput value={cfg.slice.count} min={0} testId="list-slice-count" onChange={(v) => set({ slice: { take: cfg.slice?.take ?? 'first', count: v ?? 0 } })} />}
        </div>
      </Field>
      <Field label="Extract one item by index (0 the first, -1 the last)" issues={issues} field="config.extract">
        <NumberInput value={cfg.extract?.index ?? null} placeholder="none" testId="list-extract" onChange={(v) => set({ extract: v === null ? null : { index: v } })} />
      </Field>
      <p className="muted">Steps apply in order: filter, sort, keep, extract. Outputs: result, first_record, last_record.</p>
    </div>
  );
}
