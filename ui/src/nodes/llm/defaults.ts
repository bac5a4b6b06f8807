/** Mirrors nodes/llm.py LLMParams; unset fields fall back to the model's recommended params. */
export interface LLMParams {
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  stop?: string[] | string | null;
  seed?: number | null;
}
export interface Message { role: 'system' | 'user' | 'assistant'; content: string }
export interface OutputSpec { format: 'text' | 'json'; schema?: Record<string, unknown> | null }
/** Mirrors nodes/llm.py LLMConfig. */
export interface LLMConfig {
  model: string;
  /** An inference preset of the server (GET /api/models/presets); the node's own params win over it. */
  preset?: string | null;
  params: LLMParams;
  messages: Message[];
  memory?: { window: number } | null;
  output: OutputSpec;
}

export const llmDefaults = (): LLMConfig => ({
  model: 'default',
  params: { temperature: 0.3 },
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: '{{query}}' },
  ],
  output: { format: 'text' },
});

/** An inference preset as the server lists it (nodes/llm_presets.py). */
export interface Preset { name: string; title: string; description: string; params: Record<string, number> }

/** The inference params a form edits, with the seed docs' ranges and recommendations. */
export const PARAM_FIELDS: { key: keyof LLMParams; label: string; min: number; max: number; step: number; hint: string }[] = [
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.1, hint: '0.3 recommended; 0 for identical answers' },
  { key: 'top_p', label: 'Top P', min: 0, max: 1, step: 0.05, hint: '1 recommended' },
  { key: 'max_tokens', label: 'Max tokens', min: 1, max: 1_000_000, step: 1, hint: '' },
  { key: 'presence_penalty', label: 'Presence penalty', min: -2, max: 2, step: 0.1, hint: '0 recommended' },
  { key: 'frequency_penalty', label: 'Frequency penalty', min: -2, max: 2, step: 0.1, hint: '' },
  { key: 'seed', label: 'Seed', min: 0, max: 2 ** 31, step: 1, hint: '' },
];

const JSON_TYPES: Record<string, string> = {
  string: 'string', number: 'number', integer: 'integer', boolean: 'boolean', object: 'object',
};

function schemaType(schema: Record<string, unknown>): string {
  const kind = schema.type;
  if (kind === 'array') {
    const items = (schema.items ?? {}) as Record<string, unknown>;
    const item = JSON_TYPES[String(items.type)] ?? 'any';
    return ['string', 'number', 'object'].includes(item) ? `array[${item}]` : 'any';
  }
  return typeof kind === 'string' ? JSON_TYPES[kind] ?? 'any' : 'any';
}

/** Mirrors nodes/llm.py outputs(): text, usage, and one output per JSON-schema property. */
export function llmOutputs(config: LLMConfig): Record<string, string> {
  const declared: Record<string, string> = { text: 'string', usage: 'object' };
  const schema = config.output?.schema;
  if (config.output?.format === 'json' && schema) {
    const props = (schema.properties ?? {}) as Record<string, unknown>;
    for (const [name, prop] of Object.entries(props)) {
      if (!(name in declared)) declared[name] = schemaType((prop && typeof prop === 'object' ? prop : {}) as Record<string, unknown>);
    }
  }
  return declared;
}

/** The temperature/top_p warning of the seed docs. */
export function paramsWarning(params: LLMParams): string | null {
  if (params.temperature != null && params.top_p != null && params.top_p !== 1) {
    return 'temperature and top_p are both set; change one of them, not both';
  }
  return null;
}
