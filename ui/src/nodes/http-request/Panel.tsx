import type { Issue } from '../../workflow/types';
import { issuesUnder } from '../../workflow/issues';
import { bracketIndexes } from '../question-classifier/defaults';
import { Field, InputsTable, NumberInput, PromptEditor } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import {
  AUTH_TYPES, BODY_TYPES, METHODS, jsonBodyProblem, unknownPlaceholders, urlProblem,
  type HttpAuth, type HttpBody, type HttpRequestConfig, type KeyValue, type MultipartPart,
} from './defaults';
import { useTranslation } from 'react-i18next';

function Marks({ issues, field }: { issues: Issue[]; field: string }) {
  return <>{issuesUnder(issues, field).map((i, k) => <span key={k} className={`field-${i.severity}`}>{i.message}</span>)}</>;
}

function Pairs({ label, rows, field, issues, onChange, testId }: { label: string; rows: KeyValue[]; field: string; issues: Issue[]; onChange: (rows: KeyValue[]) => void; testId: string }) {
  const { t } = useTranslation('nodes');
  const set = (i: number, patch: Partial<KeyValue>) => onChange(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  return (
    <div className="inputs-table" data-testid={testId}>
      <div className="section-title">{label}</div>
      {rows.map((row, i) => (
        <div key={i} className={`row ${issuesUnder(issues, `${field}[${i}]`).length ? 'field-invalid' : ''}`}>
          <input placeholder={t('name')} value={row.name} onChange={(e) => set(i, { name: e.target.value })} data-testid={`${testId}-name-${i}`} />
          <input placeholder={t('http.valuePlaceholder', { input: '{{input}}' })} value={row.value} onChange={(e) => set(i, { value: e.target.value })} data-testid={`${testId}-value-${i}`} />
          <button type="button" className="icon" title={t('common:actions.remove')} onClick={() => onChange(rows.filter((_, k) => k !== i))}>✕</button>
          <Marks issues={issues} field={`${field}[${i}]`} />
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { name: '', value: '' }])} data-testid={`${testId}-add`}>{t('http.add')}</button>
    </div>
  );
}

export default function HttpRequestPanel(props: PanelProps<'http-request'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = data.config;
  const issues = bracketIndexes(props.ctx.issues);
  const inputs = Object.keys(data.inputs);
  const body: HttpBody = cfg.body ?? { type: 'none' };
  const auth: HttpAuth = cfg.auth ?? { type: 'none' };
  const set = (patch: Partial<HttpRequestConfig>) => patchConfig(props, patch);
  const setBody = (patch: Partial<HttpBody>) => set({ body: { ...body, ...patch } });
  const setAuth = (patch: Partial<HttpAuth>) => set({ auth: { ...auth, ...patch } });
  const unknown = unknownPlaceholders(cfg, inputs);
  const url = urlProblem(cfg.url ?? '');
  const jsonProblem = body.type === 'json' ? jsonBodyProblem(body.content ?? '') : null;
  const parts = body.parts ?? [];
  const setPart = (i: number, patch: Partial<MultipartPart>) => setBody({ parts: parts.map((p, k) => (k === i ? { ...p, ...patch } : p)) });
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={issues} onChange={(next) => props.update((d) => ({ ...d, inputs: next }))} />
      <Field label={t('http.request')} issues={issues} field="config.url">
        <div className="row">
          <select value={cfg.method} data-testid="http-method" onChange={(e) => set({ method: e.target.value as HttpRequestConfig['method'] })}>
            {METHODS.map((m) => <option key={m}>{m}</option>)}
          </select>
          <input className="grow" value={cfg.url ?? ''} placeholder="https://api.example.com/items/{{id}}" data-testid="http-url" onChange={(e) => set({ url: e.target.value })} />
        </div>
        {url && <span className="field-error" data-testid="http-url-problem">{url}</span>}
      </Field>
      {unknown.length > 0 && (
        <div className="field-error" data-testid="http-unknown">{unknown.map((u) => t('http.unknown', { name: `{{${u.name}}}`, field: u.field.replace('config.', '') })).join('; ')}</div>
      )}
      <Pairs label={t('http.query')} rows={cfg.query ?? []} field="config.query" issues={issues} testId="http-query" onChange={(rows) => set({ query: rows })} />
      <Pairs label={t('http.headers')} rows={cfg.headers ?? []} field="config.headers" issues={issues} testId="http-headers" onChange={(rows) => set({ headers: rows })} />
      <Field label={t('http.body')} issues={issues} field="config.body.type">
        <select value={body.type} data-testid="http-body-type" onChange={(e) => setBody({ type: e.target.value as HttpBody['type'] })}>
          {BODY_TYPES.map((bt) => <option key={bt}>{bt}</option>)}
        </select>
      </Field>
      {(body.type === 'json' || body.type === 'raw') && (
        <Field label={body.type === 'json' ? t('http.jsonBody', { name: '{{name}}' }) : t('http.rawBody')} issues={issues} field="config.body.content">
          <PromptEditor value={body.content ?? ''} rows={5} variables={inputs} testId="http-body-content" onChange={(content) => setBody({ content })} />
          {jsonProblem && <span className="field-error" data-testid="http-json-problem">{jsonProblem}</span>}
        </Field>
      )}
      {body.type === 'raw' && (
        <Field label={t('http.contentType')} issues={issues} field="config.body.content_type">
          <input value={body.content_type ?? ''} placeholder="text/plain; charset=utf-8" onChange={(e) => setBody({ content_type: e.target.value || null })} />
        </Field>
      )}
      {body.type === 'form' && (
        <Pairs label={t('http.formFields')} rows={body.fields ?? []} field="config.body.fields" issues={issues} testId="http-form" onChange={(fields) => setBody({ fields })} />
      )}
      {body.type === 'multipart' && (
        <div className="inputs-table" data-testid="http-parts">
          <div className="section-title">{t('http.parts')}</div>
          {parts.map((p, i) => (
            <div key={i} className={`row ${issuesUnder(issues, `config.body.parts[${i}]`).length ? 'field-invalid' : ''}`}>
              <input placeholder={t('name')} value={p.name} onChange={(e) => setPart(i, { name: e.target.value })} />
              <select value={p.file != null ? 'file' : 'text'} onChange={(e) => setPart(i, e.target.value === 'file' ? { file: inputs[0] ?? '', value: null } : { file: null, value: '' })}>
                <option value="text">{t('http.partText')}</option>
                <option value="file">{t('http.partFile')}</option>
              </select>
              {p.file != null ? (
                <select value={p.file} onChange={(e) => setPart(i, { file: e.target.value })}>
                  <option value="">{t('http.pickInput')}</option>
                  {inputs.map((n) => <option key={n}>{n}</option>)}
                </select>
              ) : (
                <input placeholder={t('http.valuePlaceholder', { input: '{{input}}' })} value={p.value ?? ''} onChange={(e) => setPart(i, { value: e.target.value })} />
              )}
              <button type="button" className="icon" title={t('common:actions.remove')} onClick={() => setBody({ parts: parts.filter((_, k) => k !== i) })}>✕</button>
              <Marks issues={issues} field={`config.body.parts[${i}]`} />
            </div>
          ))}
          <button type="button" onClick={() => setBody({ parts: [...parts, { name: `part${parts.length + 1}`, value: '' }] })}>{t('http.addPart')}</button>
        </div>
      )}
      <Field label={t('http.auth')} issues={issues} field="config.auth">
        <select value={auth.type} data-testid="http-auth-type" onChange={(e) => setAuth({ type: e.target.value as HttpAuth['type'] })}>
          {AUTH_TYPES.map((at) => <option key={at}>{at}</option>)}
        </select>
        {auth.type === 'api-key' && <input placeholder={t('http.headerPlaceholder')} value={auth.header ?? ''} onChange={(e) => setAuth({ header: e.target.value || undefined })} />}
        {(auth.type === 'bearer' || auth.type === 'api-key') && <input placeholder={t('http.tokenPlaceholder', { input: '{{input}}' })} value={auth.token ?? ''} data-testid="http-auth-token" onChange={(e) => setAuth({ token: e.target.value })} />}
        {auth.type === 'basic' && (
          <>
            <input placeholder={t('http.username')} value={auth.username ?? ''} onChange={(e) => setAuth({ username: e.target.value })} />
            <input placeholder={t('http.password')} type="password" value={auth.password ?? ''} onChange={(e) => setAuth({ password: e.target.value })} />
          </>
        )}
      </Field>
      <Field label={t('http.timeout')} issues={issues} field="config.timeout_s">
        <NumberInput value={cfg.timeout_s ?? 30} min={1} max={300} testId="http-timeout" onChange={(v) => set({ timeout_s: v ?? 30 })} />
      </Field>
      <Field label={t('http.failOnStatus')} issues={issues} field="config.fail_on_error_status">
        <input type="checkbox" checked={!!cfg.fail_on_error_status} data-testid="http-fail-status" onChange={(e) => set({ fail_on_error_status: e.target.checked })} />
      </Field>
      <p className="muted">{t('http.note')}</p>
    </div>
  );
}
