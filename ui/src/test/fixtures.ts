import type { WorkflowJson } from '../workflow/types';

/** The teaching-assistant workflow of DESIGN §2. */
export const teachingAssistant: WorkflowJson = {
  version: '1',
  name: '语文智能助教',
  description: 'Answers Chinese-literature questions from a question bank, else from the model.',
  mode: 'workflow',
  nodes: [
    { id: 'start', type: 'start', title: '开始', config: { variables: [{ name: 'query', type: 'string', required: true }] } },
    { id: 'extract', type: 'llm', title: '生成问题', inputs: { query: { ref: 'start.query' } },
      config: { model: 'default', params: { temperature: 0.3 },
        messages: [{ role: 'system', content: '从用户输入中提取问题' }, { role: 'user', content: '{{query}}' }],
        output: { format: 'json', schema: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] } } } },
    { id: 'kb', type: 'knowledge-retrieval', title: '知识检索', inputs: { query: { ref: 'extract.question' } },
      config: { knowledge_bases: ['yuwen'], mode: 'hybrid', top_k: 3, score_threshold: 0.3 } },
    { id: 'check', type: 'if-else', title: '判断',
      config: { cases: [{ id: 'found', logic: 'and', conditions: [{ left: { ref: 'kb.output_list' }, op: 'length_gt', right: { value: 0 } }] }] } },
    { id: 'polish', type: 'llm', inputs: { input: { ref: 'kb.output_list' }, question: { ref: 'extract.question' } },
      config: { model: 'default', messages: [{ role: 'user', content: '参考资料：{{input}}\n问题：{{question}}' }] } },
    { id: 'ai', type: 'llm', inputs: { question: { ref: 'extract.question' } },
      config: { model: 'default', messages: [{ role: 'user', content: '{{question}}（此回答由AI生成）' }] } },
    { id: 'merge', type: 'code', inputs: { str1: { ref: 'polish.text' }, str2: { ref: 'ai.text' } },
      config: { language: 'python', code: 'def main(args: dict) -> dict:\n    return {}', outputs: { output: 'string' } } },
    { id: 'end', type: 'end', inputs: { answer: { ref: 'merge.output' } } },
  ],
  edges: [
    { source: 'start', target: 'extract' }, { source: 'extract', target: 'kb' }, { source: 'kb', target: 'check' },
    { source: 'check', source_handle: 'found', target: 'polish' }, { source: 'check', source_handle: 'else', target: 'ai' },
    { source: 'polish', target: 'merge' }, { source: 'ai', target: 'merge' }, { source: 'merge', target: 'end' },
  ],
};
