import { findTool, toolOutputs, type PluginInfo } from './catalog';

/** Mirrors nodes/plugin.py PluginConfig: a tool of a plugin; its inputs are the tool's parameters. */
export interface PluginConfig {
  plugin: string;
  tool: string;
  settings?: Record<string, unknown>;
}

export const pluginDefaults = (): PluginConfig => ({ plugin: '', tool: '' });

/** The outputs the tool declares (as the backend's outputs() does); none while the tool is unknown. */
export function pluginOutputs(config: PluginConfig, catalog: readonly PluginInfo[] = []): Record<string, string> {
  return toolOutputs(findTool(catalog, config.plugin, config.tool));
}
