/** Mirrors nodes/end.py EndConfig. */
export interface EndConfig { answer_template?: string | null }

export const endDefaults = (): EndConfig => ({});

export function endOutputs(config: EndConfig, inputNames: string[]): Record<string, string> {
  const declared: Record<string, string> = Object.fromEntries(inputNames.map((n) => [n, 'any']));
  if (config.answer_template != null) declared.answer = 'string';
  return declared;
}
