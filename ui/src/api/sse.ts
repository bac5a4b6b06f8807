// Server-sent events over fetch (EventSource cannot POST): split a byte stream into JSON events.

export interface SseMessage { event: string; data: string }

/** Parse complete SSE messages out of `buffer`; returns them and the unfinished remainder. */
export function parseSse(buffer: string): { messages: SseMessage[]; rest: string } {
  const messages: SseMessage[] = [];
  const blocks = buffer.replace(/\r\n/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) messages.push({ event, data: data.join('\n') });
  }
  return { messages, rest };
}

/** Read an SSE response body, calling `onEvent` with each parsed JSON payload. */
export async function readSse(response: Response, onEvent: (payload: Record<string, unknown>, event: string) => void): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
    const { messages, rest } = parseSse(done ? `${buffer}\n\n` : buffer);
    buffer = rest;
    for (const m of messages) {
      try {
        const payload = JSON.parse(m.data) as Record<string, unknown>;
        onEvent(payload, m.event);
      } catch {
        // A non-JSON keep-alive or comment; nothing to show.
      }
    }
    if (done) return;
  }
}
