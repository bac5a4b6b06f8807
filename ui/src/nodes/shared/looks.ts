import type { NodeType } from '../../workflow/types';
import i18n from '../../i18n';

/** Palette and header looks per node type. */
export const NODE_LOOKS: Record<NodeType, { title: string; icon: string; color: string; hint: string }> = {
  start: { title: 'Start', icon: '▶', color: '#2563eb', hint: 'Workflow inputs' },
  llm: { title: 'LLM', icon: '✦', color: '#7c3aed', hint: 'Call a model' },
  'if-else': { title: 'If / else', icon: '⑂', color: '#0891b2', hint: 'Branch on conditions' },
  'knowledge-retrieval': { title: 'Knowledge retrieval', icon: '📚', color: '#16a34a', hint: 'Search knowledge bases' },
  plugin: { title: 'Plugin', icon: '🔌', color: '#ea580c', hint: 'Call a tool' },
  'variable-aggregator': { title: 'Variable aggregator', icon: '⊕', color: '#64748b', hint: 'First non-empty value' },
  code: { title: 'Code', icon: '{}', color: '#db2777', hint: 'Run Python' },
  'question-classifier': { title: 'Question classifier', icon: '⇶', color: '#0d9488', hint: 'Route by the class a model picks' },
  'parameter-extractor': { title: 'Parameter extractor', icon: '⛏', color: '#9333ea', hint: 'Pull typed values out of text' },
  'template-transform': { title: 'Template', icon: '✎', color: '#0f766e', hint: 'Render Jinja2 over inputs' },
  'http-request': { title: 'HTTP request', icon: '⇄', color: '#b45309', hint: 'Call an HTTP API' },
  'document-extractor': { title: 'Document extractor', icon: '📄', color: '#4d7c0f', hint: 'Text from uploaded files' },
  'list-operator': { title: 'List operator', icon: '☰', color: '#475569', hint: 'Filter, sort, slice a list' },
  iteration: { title: 'Iteration', icon: '↻', color: '#0e7490', hint: 'Run nodes once per item of a list' },
  loop: { title: 'Loop', icon: '∞', color: '#6d28d9', hint: 'Repeat nodes until a condition holds' },
  answer: { title: 'Answer', icon: '💬', color: '#0369a1', hint: 'Stream a chat reply' },
  'variable-assigner': { title: 'Variable assigner', icon: '≔', color: '#a16207', hint: 'Change conversation variables' },
  end: { title: 'End', icon: '■', color: '#dc2626', hint: 'Workflow outputs' },
};

/** A node type's name in the console's language (the default title of a new node). */
export function nodeTypeTitle(type: NodeType): string {
  return i18n.t(`nodes:types.${type}.title`, { defaultValue: NODE_LOOKS[type].title });
}
