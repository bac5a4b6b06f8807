// The one node registry: per type its defaults, canvas component and config panel.
import type { ComponentType } from 'react';
import type { Node, NodeProps, NodeTypes } from '@xyflow/react';
import type { NodeType, ValueSource } from '../workflow/types';
import type { ConfigMap, LoomNodeOf } from './configs';
import type { PanelProps } from './shared/panel';
import { NODE_LOOKS } from './shared/looks';
import StartNode from './start/Node';
import StartPanel from './start/Panel';
import { startDefaults } from './start/defaults';
import LLMNode from './llm/Node';
import LLMPanel from './llm/Panel';
import { llmDefaults } from './llm/defaults';
import IfElseNode from './if-else/Node';
import IfElsePanel from './if-else/Panel';
import { ifElseDefaults } from './if-else/defaults';
import RetrievalNode from './knowledge-retrieval/Node';
import RetrievalPanel from './knowledge-retrieval/Panel';
import { retrievalDefaults } from './knowledge-retrieval/defaults';
import PluginNode from './plugin/Node';
import PluginPanel from './plugin/Panel';
import { pluginDefaults } from './plugin/defaults';
import AggregatorNode from './variable-aggregator/Node';
import AggregatorPanel from './variable-aggregator/Panel';
import { aggregatorDefaults } from './variable-aggregator/defaults';
import CodeNode from './code/Node';
import CodePanel from './code/Panel';
import { codeDefaults } from './code/defaults';
import EndNode from './end/Node';
import EndPanel from './end/Panel';
import { endDefaults } from './end/defaults';
import ClassifierNode from './question-classifier/Node';
import ClassifierPanel from './question-classifier/Panel';
import { classifierDefaults } from './question-classifier/defaults';
import ExtractorNode from './parameter-extractor/Node';
import ExtractorPanel from './parameter-extractor/Panel';
import { extractorDefaults } from './parameter-extractor/defaults';
import TemplateNode from './template-transform/Node';
import TemplatePanel from './template-transform/Panel';
import { templateDefaults } from './template-transform/defaults';
import HttpRequestNode from './http-request/Node';
import HttpRequestPanel from './http-request/Panel';
import { httpDefaults } from './http-request/defaults';
import DocumentExtractorNode from './document-extractor/Node';
import DocumentExtractorPanel from './document-extractor/Panel';
import { documentExtractorDefaults } from './document-extractor/defaults';
import ListOperatorNode from './list-operator/Node';
import ListOperatorPanel from './list-operator/Panel';
import { listOperatorDefaults } from './list-operator/defaults';
import IterationNode from './iteration/Node';
import IterationPanel from './iteration/Panel';
import { iterationDefaults } from './iteration/defaults';
import LoopNode from './loop/Node';
import LoopPanel from './loop/Panel';
import { loopDefaults } from './loop/defaults';
import AnswerNode from './answer/Node';
import AnswerPanel from './answer/Panel';
import { answerDefaults } from './answer/defaults';
import AssignerNode from './variable-assigner/Node';
import AssignerPanel from './variable-assigner/Panel';
import { assignerDefaults } from './variable-assigner/defaults';

/** A canvas component for node type N (conditional so the generic is checked per concrete type). */
type NodeComponent<N> = N extends Node ? ComponentType<NodeProps<N>> : never;

export interface NodeModule<T extends NodeType> {
  title: string;
  /** start and end are structural: exactly one start, at least one end. */
  deletable: boolean;
  defaults: () => { config: ConfigMap[T]; inputs: Record<string, ValueSource> };
  Node: NodeComponent<LoomNodeOf<T>>;
  Panel: ComponentType<PanelProps<T>>;
}

export const registry = {
  start: { title: NODE_LOOKS.start.title, deletable: false, defaults: () => ({ config: startDefaults(), inputs: {} }), Node: StartNode, Panel: StartPanel },
  llm: { title: NODE_LOOKS.llm.title, deletable: true, defaults: () => ({ config: llmDefaults(), inputs: { query: { ref: '' } } }), Node: LLMNode, Panel: LLMPanel },
  'if-else': { title: NODE_LOOKS['if-else'].title, deletable: true, defaults: () => ({ config: ifElseDefaults(), inputs: {} }), Node: IfElseNode, Panel: IfElsePanel },
  'knowledge-retrieval': { title: NODE_LOOKS['knowledge-retrieval'].title, deletable: true, defaults: () => ({ config: retrievalDefaults(), inputs: { query: { ref: '' } } }), Node: RetrievalNode, Panel: RetrievalPanel },
  plugin: { title: NODE_LOOKS.plugin.title, deletable: true, defaults: () => ({ config: pluginDefaults(), inputs: {} }), Node: PluginNode, Panel: PluginPanel },
  'variable-aggregator': { title: NODE_LOOKS['variable-aggregator'].title, deletable: true, defaults: () => ({ config: aggregatorDefaults(), inputs: { input1: { ref: '' } } }), Node: AggregatorNode, Panel: AggregatorPanel },
  code: { title: NODE_LOOKS.code.title, deletable: true, defaults: () => ({ config: codeDefaults(), inputs: { input: { ref: '' } } }), Node: CodeNode, Panel: CodePanel },
  'question-classifier': { title: NODE_LOOKS['question-classifier'].title, deletable: true, defaults: () => ({ config: classifierDefaults(), inputs: { query: { ref: '' } } }), Node: ClassifierNode, Panel: ClassifierPanel },
  'parameter-extractor': { title: NODE_LOOKS['parameter-extractor'].title, deletable: true, defaults: () => ({ config: extractorDefaults(), inputs: { query: { ref: '' } } }), Node: ExtractorNode, Panel: ExtractorPanel },
  'template-transform': { title: NODE_LOOKS['template-transform'].title, deletable: true, defaults: () => ({ config: templateDefaults(), inputs: { input: { ref: '' } } }), Node: TemplateNode, Panel: TemplatePanel },
  'http-request': { title: NODE_LOOKS['http-request'].title, deletable: true, defaults: () => ({ config: httpDefaults(), inputs: {} }), Node: HttpRequestNode, Panel: HttpRequestPanel },
  'document-extractor': { title: NODE_LOOKS['document-extractor'].title, deletable: true, defaults: () => ({ config: documentExtractorDefaults(), inputs: { files: { ref: '' } } }), Node: DocumentExtractorNode, Panel: DocumentExtractorPanel },
  'list-operator': { title: NODE_LOOKS['list-operator'].title, deletable: true, defaults: () => ({ config: listOperatorDefaults(), inputs: { items: { ref: '' } } }), Node: ListOperatorNode, Panel: ListOperatorPanel },
  iteration: { title: NODE_LOOKS.iteration.title, deletable: true, defaults: () => ({ config: iterationDefaults(), inputs: { items: { ref: '' } } }), Node: IterationNode, Panel: IterationPanel },
  loop: { title: NODE_LOOKS.loop.title, deletable: true, defaults: () => ({ config: loopDefaults(), inputs: {} }), Node: LoopNode, Panel: LoopPanel },
  answer: { title: NODE_LOOKS.answer.title, deletable: true, defaults: () => ({ config: answerDefaults(), inputs: { text: { ref: '' } } }), Node: AnswerNode, Panel: AnswerPanel },
  'variable-assigner': { title: NODE_LOOKS['variable-assigner'].title, deletable: true, defaults: () => ({ config: assignerDefaults(), inputs: {} }), Node: AssignerNode, Panel: AssignerPanel },
  end: { title: NODE_LOOKS.end.title, deletable: false, defaults: () => ({ config: endDefaults(), inputs: { answer: { ref: '' } } }), Node: EndNode, Panel: EndPanel },
} satisfies { [T in NodeType]: NodeModule<T> };

/** React Flow's nodeTypes, defined once at module level so the canvas never re-registers them. */
export const nodeTypes = Object.fromEntries(
  Object.entries(registry).map(([type, mod]) => [type, mod.Node]),
) as NodeTypes;

export function moduleFor<T extends NodeType>(type: T): NodeModule<T> {
  return registry[type] as unknown as NodeModule<T>;
}
