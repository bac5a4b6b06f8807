import type { RefSource } from '../../workflow/types';

/** Mirrors nodes/iteration.py IterationConfig; the sub-graph (`nodes`, `edges`) lives on the canvas as the
 * container's children and is put back into the config when the workflow is saved (workflow/containers.ts). */
export interface IterationConfig {
  output?: RefSource | null;
  parallel?: boolean;
  max_concurrency?: number;
  error_mode?: 'stop' | 'skip' | 'collect';
}

export const ERROR_MODES = {
  stop: 'stop: the first failed item fails the node',
  skip: 'skip: leave failed items out',
  collect: 'collect: null in place of a failed item',
} as const;

export const iterationDefaults = (): IterationConfig => ({ parallel: false, max_concurrency: 4, error_mode: 'stop' });

/** Mirrors outputs(): the per-item results (typed from the `output` ref when known) and the failed items. */
export function iterationOutputs(outputType: string | undefined): Record<string, string> {
  const t = outputType === 'integer' ? 'number' : outputType;
  const output = t && ['string', 'number', 'object', 'file'].includes(t) ? `array[${t}]` : 'any';
  return { output, errors: 'array[object]' };
}
