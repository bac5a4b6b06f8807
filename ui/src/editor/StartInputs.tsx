// The start variables as a form: one field per variable of the control its type calls for (one-line or
// multi-line text, number, select, checkbox, file, file list, JSON), its problems shown under it, uploads
// tracked so that a form is not sent while a file is uploading or after one was refused.
import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { api } from '../api/client';
import type { StartVariable } from '../nodes/start/defaults';
import { formProblems, initialValues, inputKind, inputsToSend, parseTyped, type InputProblem, type Parsed } from './startInputs';

export interface StartForm {
  values: Record<string, unknown>;
  typed: Record<string, Parsed>;
  set: (name: string, value: unknown) => void;
  type: (v: StartVariable, text: string) => void;
  upload: (v: StartVariable, files: File[]) => void;
  uploading: number;
  /** Files the server refused, per input: the form is not sent until each is replaced or cleared. */
  refused: Record<string, string>;
  problems: Record<string, InputProblem>;
  /** Set by `check`: from then on every problem is shown, not only those of typed text. */
  checked: boolean;
  /** Why the form cannot be sent now (null: it can), showing every field's problem from then on. */
  check: () => string | null;
  /** The inputs to send. */
  inputs: () => Record<string, unknown>;
}

export function useStartForm(variables: StartVariable[], upload: (file: File) => Promise<Record<string, unknown>> = api.uploadFile): StartForm {
  const { t } = useTranslation('startInputs');
  const [values, setValues] = useState<Record<string, unknown>>(() => initialValues(variables));
  const [typed, setTyped] = useState<Record<string, Parsed>>({});
  const [uploading, setUploading] = useState(0);
  const [refused, setRefused] = useState<Record<string, string>>({});
  const [checked, setChecked] = useState(false);
  const set = useCallback((name: string, value: unknown) => setValues((s) => ({ ...s, [name]: value })), []);
  const type = useCallback((v: StartVariable, text: string) => {
    const parsed = parseTyped(v, text);
    setTyped((s) => ({ ...s, [v.name]: parsed }));
    setValues((s) => ({ ...s, [v.name]: 'value' in parsed ? parsed.value : undefined }));
  }, []);
  const uploadFiles = useCallback((v: StartVariable, files: File[]) => {
    setRefused(({ [v.name]: _, ...rest }) => rest);
    setValues((s) => ({ ...s, [v.name]: undefined }));
    if (!files.length) return;
    setUploading((n) => n + 1);
    Promise.all(files.map(upload))
      .then((done) => setValues((s) => ({ ...s, [v.name]: v.type === 'file' ? done[0] : done })))
      .catch((err) => setRefused((r) => ({ ...r, [v.name]: t('uploadFailed', { name: v.name, error: err instanceof Error ? err.message : String(err) }) })))
      .finally(() => setUploading((n) => n - 1));
  }, [t, upload]);
  const problems = useMemo(() => formProblems(variables, values, typed), [variables, values, typed]);
  const check = useCallback(() => {
    setChecked(true);
    if (Object.keys(refused).length) return Object.values(refused).join('; ');
    if (uploading) return t('stillUploading');
    const names = Object.keys(problems);
    return names.length ? t('fixInputs', { names: names.join(', ') }) : null;
  }, [refused, uploading, problems, t]);
  const inputs = useCallback(() => inputsToSend(values), [values]);
  return { values, typed, set, type, upload: uploadFiles, uploading, refused, problems, checked, check, inputs };
}

export function problemText(t: TFunction, p: InputProblem): string {
  switch (p.code) {
    case 'required': return t('startInputs:required');
    case 'notNumber': return t('startInputs:notNumber');
    case 'notWhole': return t('startInputs:notWhole');
    case 'tooLong': return t('startInputs:tooLong', { max: p.max });
    case 'notJson': return t('startInputs:notJson', { detail: p.detail });
    case 'wrongShape': return p.want === 'object' ? t('startInputs:wantObject') : t('startInputs:wantList');
  }
}

/** The form's fields; test ids are `${testIdPrefix}-${name}`. */
export function StartInputFields({ variables, form, testIdPrefix }: { variables: StartVariable[]; form: StartForm; testIdPrefix: string }) {
  const { t } = useTranslation('startInputs');
  return (
    <>
      {variables.map((v) => {
        const problem = form.problems[v.name];
        const shown = problem && (form.checked || problem.code === 'notNumber' || problem.code === 'notWhole' || problem.code === 'notJson' || problem.code === 'wrongShape' || problem.code === 'tooLong');
        return (
          <div key={v.name} className={`field ${shown || form.refused[v.name] ? 'field-invalid' : ''}`} data-testid={`${testIdPrefix}-field-${v.name}`}>
            <label className="field-label" htmlFor={`${testIdPrefix}-${v.name}`}>{v.label || v.name}{v.required ? ' *' : ''} <span className="muted">{v.type}</span></label>
            <InputField v={v} form={form} id={`${testIdPrefix}-${v.name}`} />
            {v.description && <span className="muted">{v.description}</span>}
            {shown && <span className="field-error" data-testid={`${testIdPrefix}-${v.name}-problem`}>{problemText(t, problem)}</span>}
          </div>
        );
      })}
    </>
  );
}

function InputField({ v, form, id }: { v: StartVariable; form: StartForm; id: string }) {
  const { t } = useTranslation('startInputs');
  const value = form.values[v.name];
  const typed = form.typed[v.name];
  const text = (fallback: unknown) => (typed ? undefined : fallback);
  const common = { id, 'data-testid': id };
  switch (inputKind(v)) {
    case 'checkbox':
      return <input type="checkbox" {...common} checked={value === true} onChange={(e) => form.set(v.name, e.target.checked)} />;
    case 'select': {
      const options = v.options ?? [];
      const index = options.findIndex((o) => o === value);
      return (
        <select {...common} value={index < 0 ? '' : String(index)} onChange={(e) => form.set(v.name, e.target.value === '' ? undefined : options[Number(e.target.value)])}>
          <option value="">{t('choose')}</option>
          {options.map((o, i) => <option key={i} value={String(i)}>{String(o)}</option>)}
        </select>
      );
    }
    case 'number':
    case 'integer':
      return <input type="text" inputMode={inputKind(v) === 'integer' ? 'numeric' : 'decimal'} {...common} defaultValue={text(value ?? '') as string} onChange={(e) => form.type(v, e.target.value)} />;
    case 'file':
    case 'files': {
      const chosen = Array.isArray(value) ? value : value ? [value] : [];
      return (
        <span>
          <input type="file" multiple={v.type === 'array[file]'} {...common} onChange={(e) => form.upload(v, [...(e.target.files ?? [])])} />
          {chosen.length > 0 && <span className="muted" data-testid={`${id}-uploaded`}>{t('uploaded', { names: chosen.map((f) => String((f as Record<string, unknown>).name ?? '')).join(', ') })}</span>}
        </span>
      );
    }
    case 'text':
      return <input type="text" {...common} maxLength={v.max_length ?? undefined} value={String(value ?? '')} onChange={(e) => form.set(v.name, e.target.value)} />;
    case 'paragraph':
      return <textarea rows={3} {...common} value={String(value ?? '')} onChange={(e) => form.set(v.name, e.target.value)} />;
    case 'json':
      return <textarea rows={3} {...common} className="code" placeholder={v.type === 'object' ? '{"key": "value"}' : v.type.startsWith('array[') ? '[...]' : 'JSON'}
        defaultValue={text(value === undefined ? '' : JSON.stringify(value, null, 2)) as string} onChange={(e) => form.type(v, e.target.value)} />;
  }
}
