import type { ConfigMap, LoomData, LoomNodeOf } from '../configs';
import type { Issue, NodeType, WorkflowMode } from '../../workflow/types';
import type { OutputOption } from '../../workflow/upstream';
import type { Preset } from '../llm/defaults';
import type { PluginInfo } from '../plugin/catalog';

export interface PanelContext {
  upstream: OutputOption[];
  /** For a container (iteration, loop): its children's outputs and its scope, which it reads back. */
  inside?: OutputOption[];
  mode: WorkflowMode;
  issues: Issue[];
  knowledgeBases: string[];
  models: string[];
  presets: Preset[];
  plugins: PluginInfo[];
}

export interface PanelProps<T extends NodeType> {
  node: LoomNodeOf<T>;
  update: (change: (data: LoomData<ConfigMap[T]>) => LoomData<ConfigMap[T]>) => void;
  ctx: PanelContext;
}

/** Shallow config patch helper for panels. */
export function patchConfig<T extends NodeType>(props: PanelProps<T>, patch: Partial<ConfigMap[T]>): void {
  props.update((d) => ({ ...d, config: { ...d.config, ...patch } }));
}
