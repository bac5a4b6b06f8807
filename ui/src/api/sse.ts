// Server-sent events over fetch (EventSource cannot POST): the response body goes through eventsource-parser,
// and each event's JSON payload is handed on with its event name.
import { createParser } from 'eventsource-parser';

export type SseHandler = (payload: Record<string, unknown>, event: string) => void;

/** Read an SSE response body, calling `onEvent` with each parsed JSON payload and its `event:` name
 *  (`message` when it has none). Comments (the server's keep-alive pings) and non-JSON data are skipped. */
export async function readSse(response: Response, onEvent: SseHandler): Promise<void> {
  if (!response.body) return;
  const parser = createParser({
    onEvent(message) {
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(message.data) as Record<string, unknown>;
      } catch {
        return; // not JSON: nothing to show
      }
      onEvent(payload, message.event ?? 'message');
    },
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  // A last event the server did not end with a blank line still counts.
  parser.feed(`${decoder.decode()}\n\n`);
}
