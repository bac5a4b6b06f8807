// The definition a new workflow starts from: start → LLM → end, wired.
import type { WorkflowJson, WorkflowMode } from '../workflow/types';

export function newWorkflow(name: string, description: string, mode: WorkflowMode): WorkflowJson {
  const query = mode === 'chat' ? { ref: 'sys.query' } : { ref: 'start.query' };
  return {
    version: '1', name, description, mode,
    ...(mode === 'chat' ? { app: { opening_statement: '', suggested_questions: [] } } : {}),
    nodes: [
      { id: 'start', type: 'start', title: 'Start', position: { x: 0, y: 100 },
        config: { variables: mode === 'chat' ? [] : [{ name: 'query', type: 'string', required: true }] } },
      { id: 'llm', type: 'llm', title: 'LLM', position: { x: 320, y: 100 }, inputs: { query },
        config: { model: 'default', params: { temperature: 0.3 }, messages: [{ role: 'user', content: '{{query}}' }] } },
      { id: 'end', type: 'end', title: 'End', position: { x: 640, y: 100 }, inputs: { answer: { ref: 'llm.text' } } },
    ],
    edges: [{ source: 'start', target: 'llm' }, { source: 'llm', target: 'end' }],
  };
}
