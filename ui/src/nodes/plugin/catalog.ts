// The plugin catalog from GET /api/plugins: tools with their parameters and declared outputs (pure helpers).
import type { ValueSource } from '../../workflow/types';

export interface ToolParam {
  name: string; type: string; extra_types?: string[]; required: boolean; default?: unknown;
  description?: string; enum?: unknown[] | null;
}
export interface ToolOutput { name: string; type: string; description?: string }
export interface ToolInfo {
  name: string; description?: string; parameters: ToolParam[]; outputs: ToolOutput[];
  input_schema?: Record<string, unknown>; output_schema?: Record<string, unknown>;
}
export interface PluginInfo { name: string; description?: string; kind?: string; tools: ToolInfo[] }

export function findTool(catalog: readonly PluginInfo[], plugin: string, tool: string): ToolInfo | undefined {
  return catalog.find((p) => p.name === plugin)?.tools.find((t) => t.name === tool);
}

/** A parameter's accepted types, as the validator names them: `file | string`. */
export function paramType(param: ToolParam): string {
  return [param.type, ...(param.extra_types ?? [])].join(' | ');
}

/** The tool's declared outputs, name → type (what the backend's plugin node declares). */
export function toolOutputs(tool: ToolInfo | undefined): Record<string, string> {
  return Object.fromEntries((tool?.outputs ?? []).map((o) => [o.name, o.type]));
}

/**
 * The inputs a freshly picked tool starts with: each required parameter as a variable to pick, each
 * optional one that has a default as that literal. Names the user already wired are kept.
 */
export function inputsForTool(tool: ToolInfo, current: Record<string, ValueSource> = {}): Record<string, ValueSource> {
  const next: Record<string, ValueSource> = {};
  for (const p of tool.parameters) {
    if (p.name in current) next[p.name] = current[p.name];
    else if (p.required) next[p.name] = { ref: '' };
    else if (p.default !== null && p.default !== undefined) next[p.name] = { value: p.default };
  }
  return next;
}
