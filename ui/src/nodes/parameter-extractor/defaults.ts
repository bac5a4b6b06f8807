import type { TaskModel } from '../question-classifier/defaults';
import i18n from '../../i18n';

export const PARAM_TYPES = [
  'string', 'number', 'integer', 'boolean', 'object', 'array[string]', 'array[number]', 'array[object]',
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** Mirrors nodes/parameter_extractor.py Parameter. */
export interface Parameter {
  name: string;
  type: ParamType;
  description?: string;
  required?: boolean;
  options?: (string | number)[] | null;
}

/** Mirrors nodes/parameter_extractor.py ParameterExtractorConfig. */
export interface ExtractorConfig extends TaskModel { parameters: Parameter[] }

export const STATUS_OUTPUTS: Record<string, string> = { __is_success: 'integer', __reason: 'string', usage: 'object' };

export const extractorDefaults = (): ExtractorConfig => ({
  model: 'default',
  params: { temperature: 0 },
  instructions: '',
  parameters: [{ name: 'param1', type: 'string', description: '', required: true }],
});

/** Mirrors nodes/parameter_extractor.py outputs(): each parameter, then the status fields. */
export function extractorOutputs(config: ExtractorConfig): Record<string, string> {
  const declared: Record<string, string> = {};
  for (const p of config.parameters ?? []) if (p.name) declared[p.name] = p.type;
  return { ...declared, ...STATUS_OUTPUTS };
}

export function addParameter(params: Parameter[]): Parameter[] {
  const names = new Set(params.map((p) => p.name));
  let i = params.length + 1;
  while (names.has(`param${i}`)) i++;
  return [...params, { name: `param${i}`, type: 'string', description: '', required: false }];
}

/** Options typed in one box, comma separated: numbers for number parameters; empty → none. */
export function parseOptions(text: string, type: ParamType): (string | number)[] | null {
  const items = text.split(/[,，]/).map((s) => s.trim()).filter(Boolean);
  if (!items.length) return null;
  return type === 'number' || type === 'integer' ? items.map((s) => (Number.isNaN(Number(s)) ? s : Number(s))) : items;
}

export function canHaveOptions(type: ParamType): boolean {
  return type === 'string' || type === 'number' || type === 'integer';
}

/** What the editor marks before saving (the server says the same, by field). */
export function parameterProblems(params: Parameter[]): Record<number, string> {
  const problems: Record<number, string> = {};
  const seen = new Set<string>();
  params.forEach((p, i) => {
    if (!p.name) problems[i] = i18n.t('nodes:problems.paramName');
    else if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(p.name)) problems[i] = i18n.t('nodes:problems.paramNameForm');
    else if (seen.has(p.name)) problems[i] = i18n.t('nodes:problems.duplicateParam', { name: p.name });
    else if (p.name.startsWith('__') || p.name in STATUS_OUTPUTS) problems[i] = i18n.t('nodes:problems.reserved', { name: p.name });
    seen.add(p.name);
  });
  return problems;
}
