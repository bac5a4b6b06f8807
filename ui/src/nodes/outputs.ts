// Declared outputs per node type (pure; mirrors each backend node's outputs()).
import type { LoomData, LoomNode } from './configs';
import type { NodeType } from '../workflow/types';
import { startOutputs } from './start/defaults';
import { llmOutputs } from './llm/defaults';
import { retrievalOutputs } from './knowledge-retrieval/defaults';
import { pluginOutputs } from './plugin/defaults';
import type { PluginInfo } from './plugin/catalog';
import { aggregatorOutputs } from './variable-aggregator/defaults';
import { codeOutputs } from './code/defaults';
import { endOutputs } from './end/defaults';
import { ifElseHandles, type IfElseConfig } from './if-else/defaults';
import { classifierHandles, classifierOutputs, type ClassifierConfig } from './question-classifier/defaults';
import { extractorOutputs } from './parameter-extractor/defaults';
import { templateOutputs } from './template-transform/defaults';
import { httpOutputs } from './http-request/defaults';
import { documentExtractorOutputs } from './document-extractor/defaults';
import { listOperatorOutputs } from './list-operator/defaults';
import { iterationOutputs } from './iteration/defaults';
import { loopOutputs } from './loop/defaults';
import { answerOutputs } from './answer/defaults';
import { assignerOutputs } from './variable-assigner/defaults';

/** `plugins` is the catalog from GET /api/plugins: a plugin node declares its tool's outputs. */
export function outputsOf(node: LoomNode, plugins: readonly PluginInfo[] = []): Record<string, string> {
  switch (node.type) {
    case 'start': return startOutputs(node.data.config);
    case 'llm': return llmOutputs(node.data.config);
    case 'if-else': return { case_id: 'string' };
    case 'knowledge-retrieval': return retrievalOutputs();
    case 'plugin': return pluginOutputs(node.data.config, plugins);
    case 'variable-aggregator': return aggregatorOutputs(node.data.config);
    case 'code': return codeOutputs(node.data.config);
    case 'end': return endOutputs(node.data.config, Object.keys(node.data.inputs ?? {}));
    case 'question-classifier': return classifierOutputs();
    case 'parameter-extractor': return extractorOutputs(node.data.config);
    case 'template-transform': return templateOutputs();
    case 'http-request': return httpOutputs();
    case 'document-extractor': return documentExtractorOutputs(node.data.config);
    case 'list-operator': return listOperatorOutputs(node.data.config);
    case 'iteration': return iterationOutputs(undefined); // the item type is known to the server only
    case 'loop': return loopOutputs(node.data.config);
    case 'answer': return answerOutputs();
    case 'variable-assigner': return assignerOutputs(node.data.config);
  }
}

/** Source handles: if-else has one per case + else; an error branch adds `error`; end has none. */
export function sourceHandles(type: NodeType, data: LoomData<unknown>): string[] {
  const base = type === 'if-else' ? ifElseHandles(data.config as IfElseConfig)
    : type === 'question-classifier' ? classifierHandles(data.config as ClassifierConfig)
    : type === 'end' ? [] : ['out'];
  return data.on_error?.strategy === 'branch' ? [...base, 'error'] : base;
}
