/** Mirrors nodes/template_transform.py TemplateConfig. */
export interface TemplateConfig { template: string }

export const MAX_TEMPLATE_CHARS = 100_000;

export const templateDefaults = (): TemplateConfig => ({ template: '{{ input }}' });

export const templateOutputs = (): Record<string, string> => ({ output: 'string' });

const EXPR = /\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)/g;
const STMT = /\{%-?\s*(?:if|elif|for\s+[A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*\s+in)\s+([A-Za-z_][A-Za-z0-9_]*)/g;
const BOUND = /\{%-?\s*(?:for\s+([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s+in|set\s+([A-Za-z_][A-Za-z0-9_]*))/g;
const BUILTINS = new Set(['loop', 'range', 'dict', 'lipsum', 'cycler', 'joiner', 'namespace', 'true', 'false', 'none', 'True', 'False', 'None', 'not']);

/**
 * Variables a Jinja template reads that are not inputs of the node (the server's check, approximated for
 * marking while typing: the first name of `{{ … }}` expressions and of `if`/`elif`/`for … in` tags, less loop and
 * `set` variables).
 */
export function unknownVariables(template: string, inputs: string[]): string[] {
  const bound = new Set<string>(BUILTINS);
  for (const m of template.matchAll(BOUND)) {
    for (const name of (m[1] ?? m[2] ?? '').split(',')) bound.add(name.trim());
  }
  const used = [...template.matchAll(EXPR), ...template.matchAll(STMT)].map((m) => m[1]);
  const known = new Set(inputs);
  return [...new Set(used)].filter((n) => !known.has(n) && !bound.has(n));
}
