// `{{name}}` references in prompt text and the `{`-triggered picker's insertion.

const VAR = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function templateVariables(text: string): string[] {
  return [...new Set([...text.matchAll(VAR)].map((m) => m[1]))];
}

/** Whether the caret sits just after a `{` that opens a variable (so the picker should open). */
export function pickerOpensAt(text: string, caret: number): boolean {
  return caret > 0 && text[caret - 1] === '{';
}

/** Replace the `{` (or `{{`) before the caret with `{{name}}`; returns the new text and caret. */
export function insertVariable(text: string, caret: number, name: string): { text: string; caret: number } {
  let start = caret;
  while (start > 0 && text[start - 1] === '{' && caret - start < 2) start--;
  const token = `{{${name}}}`;
  return { text: text.slice(0, start) + token + text.slice(caret), caret: start + token.length };
}
