// Validation messages in plain words: pydantic's wording ("String should match pattern '^…$'") becomes a sentence
// naming the field ("Case id may contain only letters, digits, _ and -"). Messages of our own pass through.

/** A field path's words: `config.cases[0].id` → `Case id`, `config.temperature` → `Temperature`. */
export function fieldLabel(field: string): string {
  const parts = field.split(/[.[\]]+/).filter(Boolean).filter((p) => p !== 'config');
  if (!parts.length) return 'This field';
  const last = parts[parts.length - 1];
  const owner = parts.length >= 3 && /^\d+$/.test(parts[parts.length - 2]) ? singular(parts[parts.length - 3]) : null;
  const words = (owner && !/^\d+$/.test(last) ? `${owner} ${last}` : /^\d+$/.test(last) && parts.length >= 2 ? `${singular(parts[parts.length - 2])} ${Number(last) + 1}` : last)
    .replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function singular(word: string): string {
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

const ID_PATTERN = /^\^\[A-Za-z0-9_-\]\{1,(\d+)\}\$$/;

const RULES: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^field required$/i, () => 'is required'],
  [/^unknown field$/i, () => 'is not expected here'],
  [/^String should match pattern '(.*)'$/, (m) => {
    const id = ID_PATTERN.exec(m[1]);
    return id ? `may contain only letters, digits, _ and - (at most ${id[1]} characters)` : 'is empty or not in the expected form';
  }],
  [/^String should have at least 1 character/, () => 'must not be empty'],
  [/^String should have at least (\d+) characters/, (m) => `needs at least ${m[1]} characters`],
  [/^String should have at most (\d+) characters?/, (m) => `may have at most ${m[1]} characters`],
  [/^List should have at least (\d+) items?/, (m) => `needs at least ${m[1]} item${m[1] === '1' ? '' : 's'}`],
  [/^List should have at most (\d+) items?/, (m) => `may have at most ${m[1]} item${m[1] === '1' ? '' : 's'}`],
  [/^Input should be a valid (number|integer)/, (m) => (m[1] === 'integer' ? 'must be a whole number' : 'must be a number')],
  [/^Input should be a valid string/, () => 'must be text'],
  [/^Input should be a valid boolean/, () => 'must be true or false'],
  [/^Input should be a valid (list|array)/, () => 'must be a list'],
  [/^Input should be a valid (dictionary|object)/, () => 'must be an object with named fields'],
  [/^Input should be greater than or equal to (.+)$/, (m) => `must be at least ${m[1]}`],
  [/^Input should be less than or equal to (.+)$/, (m) => `must be at most ${m[1]}`],
  [/^Input should be greater than (.+)$/, (m) => `must be more than ${m[1]}`],
  [/^Input should be less than (.+)$/, (m) => `must be less than ${m[1]}`],
  [/^ref '(.+)' points to unknown node '(.+)'$/, (m) => `reads ${m[1]}, but there is no node '${m[2]}'`],
  [/^ref '(.+)' points to node '(.+)', which is not upstream of this node$/, (m) => `reads ${m[1]}, but node '${m[2]}' does not run before this one: connect it upstream or pick another variable`],
  [/^ref '(.+)': node '(.+)' has no output '(.+)' \(outputs: (.*)\)$/, (m) => `reads ${m[1]}, but node '${m[2]}' has no output '${m[3]}' (it has: ${m[4]})`],
  [/^ref '(.+)' is (.+), but (.+) is needed(.*)$/, (m) => `reads ${m[1]}, which is ${m[2]}; ${m[3]} is needed${m[4]}`],
  [/^Input should be ('.*')$/, (m) => `must be one of: ${m[1].split(/', '|' or '|', /).map((o) => o.replace(/'/g, '')).join(', ')}`],
];

/** The message to show for a field's validation issue. */
export function plainMessage(field: string, message: string): string {
  for (const [pattern, words] of RULES) {
    const m = message.match(pattern);
    if (m) return `${fieldLabel(field)} ${words(m)}`;
  }
  return message;
}
