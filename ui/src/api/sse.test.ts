import { describe, expect, it } from 'vitest';
import { parseSse } from './sse';

describe('parseSse', () => {
  it('splits complete messages and keeps the remainder', () => {
    const { messages, rest } = parseSse('event: node_started\ndata: {"a":1}\n\n: ping\n\ndata: {"b":\ndata: 2}\n\ndata: {"c"');
    expect(messages).toEqual([{ event: 'node_started', data: '{"a":1}' }, { event: 'message', data: '{"b":\n2}' }]);
    expect(rest).toBe('data: {"c"');
  });

  it('accepts CRLF line endings', () => {
    expect(parseSse('data: x\r\n\r\n').messages).toEqual([{ event: 'message', data: 'x' }]);
  });
});
