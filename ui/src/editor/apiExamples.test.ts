import { describe, expect, it } from 'vitest';
import { apiExamples, pyLiteral } from './apiExamples';

describe('apiExamples', () => {
  it('runs a workflow once, blocking and streaming', () => {
    const ex = apiExamples('workflow', 'http://h', 'wf1', 'lk-1', { query: '...' });
    expect(ex.endpoint).toBe('POST http://h/v1/workflows/wf1/run');
    expect(ex.blocking).toContain('"inputs":{"query":"..."},"response_mode":"blocking"');
    expect(ex.streaming).toContain('curl -N');
    expect(ex.streaming).toContain('"response_mode":"streaming"');
  });

  it('chats with chat workflows and agent apps', () => {
    for (const kind of ['chat', 'agent'] as const) {
      const ex = apiExamples(kind, 'http://h', 'app1', 'lk-1');
      expect(ex.endpoint).toBe('POST http://h/v1/apps/app1/chat');
      expect(ex.blocking).toContain('"query":"Hello"');
      expect(ex.blocking).not.toContain('/run');
      expect(ex.streaming).toContain('"response_mode":"streaming"');
    }
  });

  it('quotes single quotes for the shell', () => {
    expect(apiExamples('workflow', 'http://h', 'w', 'k', { q: "it's" }).blocking).toContain("it'\\''s");
  });
});

describe('Python examples', () => {
  it('call the same endpoint with the same body, blocking and streaming', () => {
    const ex = apiExamples('workflow', 'http://h', 'wf1', 'lk-1', { query: '...', strict: true, n: null });
    expect(ex.pythonBlocking).toContain('"http://h/v1/workflows/wf1/run"');
    expect(ex.pythonBlocking).toContain('json={"inputs": {"query": "...", "strict": True, "n": None}, "response_mode": "blocking"}');
    expect(ex.pythonBlocking).toContain('"Authorization": "Bearer lk-1"');
    expect(ex.pythonStreaming).toContain('stream=True');
    expect(ex.pythonStreaming).toContain('"response_mode": "streaming"');
    expect(ex.pythonStreaming).toContain('event == "run_finished"');
  });

  it('read a chat workflow\'s answer chunks and an agent\'s text, and say how to continue the conversation', () => {
    const chat = apiExamples('chat', 'http://h', 'app1', 'k');
    expect(chat.pythonStreaming).toContain('"http://h/v1/apps/app1/chat"');
    expect(chat.pythonStreaming).toContain('event == "answer_chunk"');
    expect(chat.pythonBlocking).toContain('conversation_id');
    expect(apiExamples('agent', 'http://h', 'agent-1', 'k').pythonStreaming).toContain('event == "text_chunk"');
  });
});

describe('pyLiteral', () => {
  it('writes JSON values as Python literals', () => {
    expect(pyLiteral({ a: [1, 'x', true, false, null], 'b"': { c: 1.5 } })).toBe('{"a": [1, "x", True, False, None], "b\\"": {"c": 1.5}}');
  });
});
