/** Mirrors nodes/variable_aggregator.py AggregatorConfig. */
export interface AggregatorGroup { name: string; inputs: string[] }
export interface AggregatorConfig { groups?: AggregatorGroup[] | null }

export const aggregatorDefaults = (): AggregatorConfig => ({});

export function aggregatorOutputs(config: AggregatorConfig): Record<string, string> {
  if (config.groups && config.groups.length) return Object.fromEntries(config.groups.map((g) => [g.name, 'any']));
  return { output: 'any' };
}
