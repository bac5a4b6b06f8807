// A workflow's start variables as form fields (Run panel, chat preview): which control each type gets, the
// values a form starts with, how typed text becomes a value, and what keeps a form from being sent.
import type { StartVariable } from '../nodes/start/defaults';

export type InputKind = 'text' | 'paragraph' | 'number' | 'integer' | 'select' | 'checkbox' | 'file' | 'files' | 'json';

/** A string this short (max_length) gets a one-line box; other strings a multi-line one. */
export const SHORT_TEXT = 256;

export function inputKind(v: StartVariable): InputKind {
  if (v.options?.length) return 'select';
  switch (v.type) {
    case 'boolean': return 'checkbox';
    case 'number': return 'number';
    case 'integer': return 'integer';
    case 'file': return 'file';
    case 'array[file]': return 'files';
    case 'string': return v.max_length && v.max_length <= SHORT_TEXT ? 'text' : 'paragraph';
    default: return 'json';
  }
}

/** The value a form starts with: the variable's default; a checkbox starts unticked. */
export function initialValues(variables: StartVariable[]): Record<string, unknown> {
  return Object.fromEntries(variables.flatMap((v) => {
    if (v.default !== undefined && v.default !== null) return [[v.name, v.default]];
    return inputKind(v) === 'checkbox' ? [[v.name, false]] : [];
  }));
}

/** Why a typed value cannot be sent; the form words it. */
export type InputProblem = { code: 'required' } | { code: 'notNumber' } | { code: 'notWhole' } | { code: 'tooLong'; max: number }
  | { code: 'notJson'; detail: string } | { code: 'wrongShape'; want: 'object' | 'list' };

export type Parsed = { value: unknown } | { problem: InputProblem };

/** Text typed into a number or JSON field as the value to send (undefined: left empty). */
export function parseTyped(v: StartVariable, text: string): Parsed {
  if (text.trim() === '') return { value: undefined };
  const kind = inputKind(v);
  if (kind === 'number' || kind === 'integer') {
    const n = Number(text);
    if (!Number.isFinite(n)) return { problem: { code: 'notNumber' } };
    return kind === 'integer' && !Number.isInteger(n) ? { problem: { code: 'notWhole' } } : { value: n };
  }
  if (kind === 'json') {
    let value: unknown;
    try { value = JSON.parse(text); } catch (err) { return { problem: { code: 'notJson', detail: err instanceof Error ? err.message : String(err) } }; }
    if (v.type === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) return { problem: { code: 'wrongShape', want: 'object' } };
    if (v.type.startsWith('array[') && !Array.isArray(value)) return { problem: { code: 'wrongShape', want: 'list' } };
    return { value };
  }
  return { value: text };
}

/** The problem of each field that keeps the form from being sent: typed text that does not parse, a required
 * field left empty, a text over its max_length. */
export function formProblems(variables: StartVariable[], values: Record<string, unknown>, typed: Record<string, Parsed>): Record<string, InputProblem> {
  const problems: Record<string, InputProblem> = {};
  for (const v of variables) {
    const parsed = typed[v.name];
    if (parsed && 'problem' in parsed) { problems[v.name] = parsed.problem; continue; }
    const value = values[v.name];
    const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
    if (v.required && empty && inputKind(v) !== 'checkbox') problems[v.name] = { code: 'required' };
    else if (typeof value === 'string' && v.max_length && value.length > v.max_length) problems[v.name] = { code: 'tooLong', max: v.max_length };
  }
  return problems;
}

/** The inputs to send: the filled ones only (an optional field left empty is left out, so its default applies). */
export function inputsToSend(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== ''));
}

/** The start variables a chat form asks for: in chat mode a variable named `query` receives the user's message
 * (nodes/start.py), so the message box fills it and the form leaves it out. */
export function chatFormVariables(variables: StartVariable[]): StartVariable[] {
  return variables.filter((v) => v.name !== 'query');
}
