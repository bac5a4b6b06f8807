import { templateVariables } from '../../workflow/templateVars';
import i18n from '../../i18n';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export const BODY_TYPES = ['none', 'json', 'form', 'raw', 'multipart'] as const;
export const AUTH_TYPES = ['none', 'bearer', 'basic', 'api-key'] as const;

/** Mirrors nodes/http_request.py HttpRequestConfig. */
export interface KeyValue { name: string; value: string }
export interface MultipartPart { name: string; value?: string | null; file?: string | null }
export interface HttpBody {
  type: (typeof BODY_TYPES)[number];
  content?: string;
  content_type?: string | null;
  fields?: KeyValue[];
  parts?: MultipartPart[];
}
export interface HttpAuth { type: (typeof AUTH_TYPES)[number]; token?: string; username?: string; password?: string; header?: string }
export interface HttpRequestConfig {
  method: (typeof METHODS)[number];
  url: string;
  headers?: KeyValue[];
  query?: KeyValue[];
  body?: HttpBody;
  auth?: HttpAuth;
  timeout_s?: number;
  fail_on_error_status?: boolean;
}

export const httpDefaults = (): HttpRequestConfig => ({
  method: 'GET', url: 'https://', headers: [], query: [], body: { type: 'none' }, auth: { type: 'none' }, timeout_s: 30,
});

export const httpOutputs = (): Record<string, string> => ({ status_code: 'integer', headers: 'object', body: 'string', json: 'any' });

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** A JSON body with its placeholders filled as the server does at save time: `null` outside strings, text inside. */
export function jsonBodyProblem(content: string): string | null {
  if (!content.trim()) return i18n.t('nodes:problems.jsonEmpty');
  let out = '';
  let position = 0;
  let inString = false;
  let escaped = false;
  for (const m of content.matchAll(PLACEHOLDER)) {
    const before = content.slice(position, m.index);
    for (const ch of before) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = inString;
      else if (ch === '"') inString = !inString;
    }
    out += before + (inString ? '' : 'null');
    position = (m.index ?? 0) + m[0].length;
  }
  out += content.slice(position);
  try { JSON.parse(out); return null; } catch (e) { return i18n.t('nodes:problems.jsonInvalid', { message: (e as Error).message }); }
}

/** Every `{{name}}` the request uses that is not an input, with the field it sits in. */
export function unknownPlaceholders(config: HttpRequestConfig, inputs: string[]): { field: string; name: string }[] {
  const texts: [string, string][] = [['config.url', config.url ?? '']];
  (config.headers ?? []).forEach((h, i) => texts.push([`config.headers[${i}].value`, h.value]));
  (config.query ?? []).forEach((q, i) => texts.push([`config.query[${i}].value`, q.value]));
  const body = config.body ?? { type: 'none' };
  if (body.type === 'json' || body.type === 'raw') texts.push(['config.body.content', body.content ?? '']);
  if (body.type === 'form') (body.fields ?? []).forEach((f, i) => texts.push([`config.body.fields[${i}].value`, f.value]));
  if (body.type === 'multipart') (body.parts ?? []).forEach((p, i) => texts.push([`config.body.parts[${i}].value`, p.value ?? '']));
  const auth = config.auth ?? { type: 'none' };
  texts.push(['config.auth.token', auth.token ?? ''], ['config.auth.username', auth.username ?? ''], ['config.auth.password', auth.password ?? '']);
  const known = new Set(inputs);
  return texts.flatMap(([field, text]) => templateVariables(text).filter((n) => !known.has(n)).map((name) => ({ field, name })));
}

export function urlProblem(url: string): string | null {
  const trimmed = url.trim();
  if (!trimmed || trimmed === 'https://' || trimmed === 'http://') return i18n.t('nodes:problems.urlEmpty');
  return /^(https?:\/\/|\{\{)/.test(trimmed) ? null : i18n.t('nodes:problems.urlScheme');
}
