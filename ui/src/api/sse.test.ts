import { describe, expect, it } from 'vitest';
import { readSse } from './sse';

/** A fetch Response whose body arrives in the given pieces (strings or raw bytes). */
function response(...chunks: (string | Uint8Array)[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? encoder.encode(c) : c);
      controller.close();
    },
  });
  return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
}

async function collect(res: Response): Promise<[Record<string, unknown>, string][]> {
  const seen: [Record<string, unknown>, string][] = [];
  await readSse(res, (payload, event) => seen.push([payload, event]));
  return seen;
}

describe('readSse', () => {
  it('gives each event its JSON payload and name, across chunk boundaries', async () => {
    const seen = await collect(response('event: node_started\nid: 1\ndata: {"a"', ':1}\n\n: ping\n\ndata: {"b":\ndata: 2}\n\n'));
    expect(seen).toEqual([[{ a: 1 }, 'node_started'], [{ b: 2 }, 'message']]);
  });

  it('skips comments, keep-alive pings and data that is not JSON', async () => {
    const seen = await collect(response(': ping - 2026-01-01\n\nevent: x\ndata: not json\n\nevent: run_finished\ndata: {"seq":3}\n\n'));
    expect(seen).toEqual([[{ seq: 3 }, 'run_finished']]);
  });

  it('accepts CRLF line endings', async () => {
    expect(await collect(response('event: text_chunk\r\ndata: {"delta":"x"}\r\n\r\n'))).toEqual([[{ delta: 'x' }, 'text_chunk']]);
  });

  it('decodes a character split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: {"t":"é"}\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    expect(await collect(response(bytes.slice(0, cut), bytes.slice(cut)))).toEqual([[{ t: 'é' }, 'message']]);
  });

  it('delivers a last event the stream did not end with a blank line', async () => {
    expect(await collect(response('event: message\ndata: {"end":true}'))).toEqual([[{ end: true }, 'message']]);
  });
});
