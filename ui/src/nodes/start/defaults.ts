import type { VarType } from '../../workflow/types';

/** Mirrors nodes/start.py StartVariable. */
export interface StartVariable {
  name: string;
  type: VarType;
  required: boolean;
  default?: unknown;
  description?: string | null;
  label?: string | null;
  options?: unknown[] | null;
  max_length?: number | null;
}

/** Mirrors nodes/start.py StartConfig. */
export interface StartConfig { variables: StartVariable[] }

export const startDefaults = (): StartConfig => ({
  variables: [{ name: 'query', type: 'string', required: true }],
});

export function startOutputs(config: StartConfig): Record<string, string> {
  return Object.fromEntries(config.variables.map((v) => [v.name, v.type]));
}
