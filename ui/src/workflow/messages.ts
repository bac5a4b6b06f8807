// Validation messages in plain words: pydantic's wording ("String should match pattern '^…$'") becomes a sentence
// naming the field ("Case id may contain only letters, digits, _ and -"), in the console's language (messages
// namespace). Messages of our own pass through.
import i18n from '../i18n';

/** A field path's words: `config.cases[0].id` → `Case id`, `config.temperature` → `Temperature`. */
export function fieldLabel(field: string): string {
  const parts = field.split(/[.[\]]+/).filter(Boolean).filter((p) => p !== 'config');
  if (!parts.length) return i18n.t('messages:thisField');
  const last = parts[parts.length - 1];
  const owner = parts.length >= 3 && /^\d+$/.test(parts[parts.length - 2]) ? singular(parts[parts.length - 3]) : null;
  const words = (owner && !/^\d+$/.test(last) ? `${owner} ${last}` : /^\d+$/.test(last) && parts.length >= 2 ? `${singular(parts[parts.length - 2])} ${Number(last) + 1}` : last)
    .replace(/_/g, ' ');
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  return i18n.t(`messages:fields.${words.toLowerCase().replace(/ /g, '_')}`, { defaultValue: label });
}

function singular(word: string): string {
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

const ID_PATTERN = /^\^\[A-Za-z0-9_-\]\{1,(\d+)\}\$$/;

type Rule = [key: string, params?: Record<string, unknown>];

const RULES: [RegExp, (m: RegExpMatchArray) => Rule][] = [
  [/^field required$/i, () => ['required']],
  [/^unknown field$/i, () => ['unexpected']],
  [/^String should match pattern '(.*)'$/, (m) => {
    const id = ID_PATTERN.exec(m[1]);
    return id ? ['idPattern', { max: id[1] }] : ['pattern'];
  }],
  [/^String should have at least 1 character/, () => ['notEmpty']],
  [/^String should have at least (\d+) characters/, (m) => ['minChars', { n: m[1] }]],
  [/^String should have at most (\d+) characters?/, (m) => ['maxChars', { n: m[1] }]],
  [/^List should have at least (\d+) items?/, (m) => ['minItems', { count: Number(m[1]) }]],
  [/^List should have at most (\d+) items?/, (m) => ['maxItems', { count: Number(m[1]) }]],
  [/^Input should be a valid (number|integer)/, (m) => [m[1] === 'integer' ? 'integer' : 'number']],
  [/^Input should be a valid string/, () => ['text']],
  [/^Input should be a valid boolean/, () => ['boolean']],
  [/^Input should be a valid (list|array)/, () => ['list']],
  [/^Input should be a valid (dictionary|object)/, () => ['object']],
  [/^Input should be greater than or equal to (.+)$/, (m) => ['atLeast', { n: m[1] }]],
  [/^Input should be less than or equal to (.+)$/, (m) => ['atMost', { n: m[1] }]],
  [/^Input should be greater than (.+)$/, (m) => ['moreThan', { n: m[1] }]],
  [/^Input should be less than (.+)$/, (m) => ['lessThan', { n: m[1] }]],
  [/^ref '(.+)' points to unknown node '(.+)'$/, (m) => ['unknownNode', { ref: m[1], node: m[2] }]],
  [/^ref '(.+)' points to node '(.+)', which is not upstream of this node$/, (m) => ['notUpstream', { ref: m[1], node: m[2] }]],
  [/^ref '(.+)': node '(.+)' has no output '(.+)' \(outputs: (.*)\)$/, (m) => ['noOutput', { ref: m[1], node: m[2], output: m[3], outputs: m[4] }]],
  [/^ref '(.+)' is (.+), but (.+) is needed(.*)$/, (m) => ['wrongType', { ref: m[1], type: m[2], needed: m[3], rest: m[4] }]],
  [/^Input should be ('.*')$/, (m) => ['oneOf', { options: m[1].split(/', '|' or '|', /).map((o) => o.replace(/'/g, '')).join(', ') }]],
];

/** The message to show for a field's validation issue. */
export function plainMessage(field: string, message: string): string {
  for (const [pattern, words] of RULES) {
    const m = message.match(pattern);
    if (m) {
      const [key, params] = words(m);
      return i18n.t('messages:sentence', { field: fieldLabel(field), rule: i18n.t(`messages:rules.${key}`, params) });
    }
  }
  return message;
}
