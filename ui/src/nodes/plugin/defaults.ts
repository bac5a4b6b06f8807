/** Plugin node: a tool of a plugin; its inputs are the tool's parameters. */
export interface PluginConfig {
  plugin: string;
  tool: string;
  settings?: Record<string, unknown>;
  [key: string]: unknown;
}

export const pluginDefaults = (): PluginConfig => ({ plugin: '', tool: '' });

/** Tool outputs are declared by the tool; the panel copies them into `outputs` when one is picked. */
export function pluginOutputs(config: PluginConfig): Record<string, string> {
  const declared = config.outputs as Record<string, string> | undefined;
  return declared && typeof declared === 'object' ? { ...declared } : { result: 'any' };
}
