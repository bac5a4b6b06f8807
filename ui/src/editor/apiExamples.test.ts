import { describe, expect, it } from 'vitest';
import { apiExamples } from './apiExamples';

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
