/** Mirrors nodes/answer.py AnswerConfig. */
export interface AnswerConfig { text: string }

export const answerDefaults = (): AnswerConfig => ({ text: '{{text}}' });

export const answerOutputs = (): Record<string, string> => ({ answer: 'string' });

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** `{{name}}` placeholders of the template that are not inputs of the node (the server's check). */
export function unknownPlaceholders(text: string, inputs: string[]): string[] {
  const known = new Set(inputs);
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))].filter((n) => !known.has(n));
}
