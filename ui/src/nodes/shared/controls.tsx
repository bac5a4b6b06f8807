import { useRef, useState, type ReactNode } from 'react';
import type { Issue, ValueSource } from '../../workflow/types';
import { isRef } from '../../workflow/types';
import type { OutputOption } from '../../workflow/upstream';
import { issuesUnder } from '../../workflow/issues';
import { insertVariable, pickerOpensAt } from '../../workflow/templateVars';
import { plainMessage } from '../../workflow/messages';
import { useTranslation } from 'react-i18next';

export function Field({ label, issues, field, children }: { label: string; issues?: Issue[]; field?: string; children: ReactNode }) {
  const mine = field ? issuesUnder(issues, field) : [];
  return (
    <label className={`field ${mine.some((i) => i.severity !== 'warning') ? 'field-invalid' : ''}`} data-field={field}>
      <span className="field-label">{label}</span>
      {children}
      {mine.map((i, k) => <span key={k} className={`field-${i.severity}`}>{plainMessage(i.field, i.message)}</span>)}
    </label>
  );
}

/** A select over upstream outputs, labelled with node and type. */
export function RefPicker({ value, options, onChange, testId }: { value: string; options: OutputOption[]; onChange: (ref: string) => void; testId?: string }) {
  const { t } = useTranslation('editor');
  const known = options.some((o) => o.ref === value);
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} className="ref-picker">
      <option value="">{t('controls.pickVariable')}</option>
      {!known && value && <option value={value}>{t('controls.notUpstream', { ref: value })}</option>}
      {options.map((o) => (
        <option key={o.ref} value={o.ref}>{`${o.nodeTitle} · ${o.output} (${o.type})`}</option>
      ))}
    </select>
  );
}

function literalText(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

/** Parse a literal typed in a text box: JSON where it parses (numbers, arrays), else the string. */
export function parseLiteral(text: string): unknown {
  try { return JSON.parse(text); } catch { return text; }
}

export function ValueSourceInput({ source, options, onChange, testId }: { source: ValueSource | null | undefined; options: OutputOption[]; onChange: (s: ValueSource) => void; testId?: string }) {
  const { t } = useTranslation('editor');
  const ref = isRef(source);
  return (
    <span className="value-source">
      <select value={ref ? 'ref' : 'value'} onChange={(e) => onChange(e.target.value === 'ref' ? { ref: '' } : { value: '' })} className="source-kind" data-testid={testId && `${testId}-kind`}>
        <option value="ref">{t('controls.variable')}</option>
        <option value="value">{t('controls.literal')}</option>
      </select>
      {ref ? (
        <RefPicker value={source.ref} options={options} onChange={(r) => onChange({ ref: r })} testId={testId} />
      ) : (
        <input value={literalText((source as { value?: unknown } | undefined)?.value)} onChange={(e) => onChange({ value: parseLiteral(e.target.value) })} data-testid={testId && `${testId}-value`} />
      )}
    </span>
  );
}

/** The node's inputs: name → variable (picked from upstream outputs) or literal. */
export function InputsTable({ inputs, options, onChange, issues }: { inputs: Record<string, ValueSource>; options: OutputOption[]; onChange: (next: Record<string, ValueSource>) => void; issues?: Issue[] }) {
  const { t } = useTranslation('editor');
  const entries = Object.entries(inputs);
  const rename = (from: string, to: string) => onChange(Object.fromEntries(entries.map(([k, v]) => [k === from ? to : k, v])));
  const add = () => {
    let i = entries.length + 1;
    while (`input${i}` in inputs) i++;
    onChange({ ...inputs, [`input${i}`]: { ref: '' } });
  };
  return (
    <div className="inputs-table" data-testid="inputs-table" data-field="inputs">
      <div className="section-title">{t('controls.inputs')}</div>
      {entries.map(([name, source], idx) => (
        <div key={idx} className={`inputs-row ${issuesUnder(issues, `inputs.${name}`).length ? 'field-invalid' : ''}`} data-field={`inputs.${name}`}>
          <input className="input-name" value={name} onChange={(e) => rename(name, e.target.value)} data-testid={`input-name-${idx}`} />
          <ValueSourceInput source={source} options={options} onChange={(s) => onChange({ ...inputs, [name]: s })} testId={`input-source-${idx}`} />
          <button type="button" className="icon" title={t('controls.removeInput')} onClick={() => onChange(Object.fromEntries(entries.filter(([k]) => k !== name)))}>✕</button>
          {issuesUnder(issues, `inputs.${name}`).map((i, k) => <span key={k} className={`field-${i.severity}`}>{plainMessage(i.field, i.message)}</span>)}
        </div>
      ))}
      {(issues ?? []).filter((i) => i.field === 'inputs').map((i, k) => <span key={k} className={`field-${i.severity}`}>{plainMessage(i.field, i.message)}</span>)}
      <button type="button" onClick={add} data-testid="add-input">{t('controls.addInput')}</button>
    </div>
  );
}

/** A text area where typing `{` offers the node's own inputs, inserted as `{{name}}`. */
export function PromptEditor({ value, onChange, variables, testId, rows = 4 }: { value: string; onChange: (v: string) => void; variables: string[]; testId?: string; rows?: number }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const choose = (name: string) => {
    if (caret === null) return;
    const next = insertVariable(value, caret, name);
    onChange(next.text);
    setCaret(null);
    requestAnimationFrame(() => { ref.current?.focus(); ref.current?.setSelectionRange(next.caret, next.caret); });
  };
  return (
    <div className="prompt-editor">
      <textarea
        ref={ref} rows={rows} value={value} data-testid={testId}
        onChange={(e) => {
          onChange(e.target.value);
          const at = e.target.selectionStart;
          setCaret(pickerOpensAt(e.target.value, at) ? at : null);
        }}
        onKeyDown={(e) => { if (e.key === 'Escape') setCaret(null); }}
      />
      {caret !== null && (
        <div className="variable-picker" data-testid="variable-picker">
          {variables.length === 0 && <div className="muted">No inputs yet — add one in the inputs table.</div>}
          {variables.map((v) => <button type="button" key={v} onMouseDown={(e) => { e.preventDefault(); choose(v); }}>{`{{${v}}}`}</button>)}
        </div>
      )}
    </div>
  );
}

export function NumberInput({ value, onChange, min, max, step, testId, placeholder }: { value: number | null | undefined; onChange: (v: number | null) => void; min?: number; max?: number; step?: number; testId?: string; placeholder?: string }) {
  return (
    <input type="number" value={value ?? ''} min={min} max={max} step={step} placeholder={placeholder} data-testid={testId}
      onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))} />
  );
}
