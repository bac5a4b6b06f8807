// The workflow format, version "1" (DESIGN §2), as the server reads and writes it.

export const VAR_TYPES = [
  'string', 'number', 'integer', 'boolean', 'object', 'file',
  'array[string]', 'array[number]', 'array[object]', 'array[file]', 'any',
] as const;
export type VarType = (typeof VAR_TYPES)[number];

export const NODE_TYPES = [
  'start', 'llm', 'if-else', 'knowledge-retrieval', 'plugin', 'variable-aggregator', 'code', 'end',
  'question-classifier', 'parameter-extractor',
  'template-transform', 'http-request', 'document-extractor', 'list-operator',
  'iteration', 'loop',
  'answer', 'variable-assigner',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export type RefSource = { ref: string };
export type LiteralSource = { value: unknown };
export type ValueSource = RefSource | LiteralSource;

export function isRef(source: ValueSource | null | undefined): source is RefSource {
  return !!source && typeof (source as RefSource).ref === 'string';
}

export interface Position { x: number; y: number }

export interface RetryPolicy { max_attempts: number; backoff_ms: number }
export interface ErrorPolicy {
  strategy: 'fail' | 'default' | 'branch';
  default_outputs?: Record<string, unknown>;
}

export interface NodeJson {
  id: string;
  type: NodeType;
  title?: string | null;
  description?: string | null;
  position?: Position | null;
  inputs?: Record<string, ValueSource>;
  config?: Record<string, unknown>;
  timeout_s?: number | null;
  retry?: RetryPolicy | null;
  on_error?: ErrorPolicy | null;
}

export interface EdgeJson {
  id?: string | null;
  source: string;
  target: string;
  source_handle?: string;
}

export interface AppFeatures { opening_statement: string; suggested_questions: string[] }

/** A conversation variable (engine/models.py ConversationVariable): read as `conversation.<name>`. */
export const CONVERSATION_VAR_TYPES = ['string', 'number', 'boolean', 'object', 'array[string]', 'array[number]', 'array[object]'] as const;
export interface ConversationVariable { name: string; type: (typeof CONVERSATION_VAR_TYPES)[number]; default?: unknown; description?: string }

export type WorkflowMode = 'workflow' | 'chat';

export interface WorkflowJson {
  version: '1';
  name: string;
  description?: string;
  mode?: WorkflowMode;
  app?: AppFeatures | null;
  conversation_variables?: ConversationVariable[];
  nodes: NodeJson[];
  edges: EdgeJson[];
}

/** One validation problem from the server (422 body item). */
export interface Issue {
  node_id: string;
  field: string;
  message: string;
  severity: 'error' | 'warning';
}
