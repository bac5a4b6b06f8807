// Per-type config shapes and the typed React Flow node union built from them.
import type { Edge, Node } from '@xyflow/react';
import type { ErrorPolicy, NodeType, RetryPolicy, ValueSource } from '../workflow/types';
import type { StartConfig } from './start/defaults';
import type { LLMConfig } from './llm/defaults';
import type { IfElseConfig } from './if-else/defaults';
import type { RetrievalConfig } from './knowledge-retrieval/defaults';
import type { PluginConfig } from './plugin/defaults';
import type { AggregatorConfig } from './variable-aggregator/defaults';
import type { CodeConfig } from './code/defaults';
import type { EndConfig } from './end/defaults';
import type { ClassifierConfig } from './question-classifier/defaults';
import type { ExtractorConfig } from './parameter-extractor/defaults';
import type { TemplateConfig } from './template-transform/defaults';
import type { HttpRequestConfig } from './http-request/defaults';
import type { DocumentExtractorConfig } from './document-extractor/defaults';
import type { ListOperatorConfig } from './list-operator/defaults';
import type { IterationConfig } from './iteration/defaults';
import type { LoopConfig } from './loop/defaults';
import type { AnswerConfig } from './answer/defaults';
import type { AssignerConfig } from './variable-assigner/defaults';

export interface ConfigMap {
  start: StartConfig;
  llm: LLMConfig;
  'if-else': IfElseConfig;
  'knowledge-retrieval': RetrievalConfig;
  plugin: PluginConfig;
  'variable-aggregator': AggregatorConfig;
  code: CodeConfig;
  end: EndConfig;
  'question-classifier': ClassifierConfig;
  'parameter-extractor': ExtractorConfig;
  'template-transform': TemplateConfig;
  'http-request': HttpRequestConfig;
  'document-extractor': DocumentExtractorConfig;
  'list-operator': ListOperatorConfig;
  iteration: IterationConfig;
  loop: LoopConfig;
  answer: AnswerConfig;
  'variable-assigner': AssignerConfig;
}

/** What a canvas node carries: the node definition minus id/type/position. No callbacks. */
export type LoomData<C> = {
  title: string;
  description?: string | null;
  inputs: Record<string, ValueSource>;
  config: C;
  timeout_s?: number | null;
  retry?: RetryPolicy | null;
  on_error?: ErrorPolicy | null;
};

export type LoomNodeOf<T extends NodeType> = Node<LoomData<ConfigMap[T]>, T>;
export type LoomNode = { [T in NodeType]: LoomNodeOf<T> }[NodeType];
export type LoomEdge = Edge;
