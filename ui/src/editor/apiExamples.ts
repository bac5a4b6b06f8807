// The public API call of a published app, per kind: a workflow runs once (/v1/workflows/{id}/run); a chat
// workflow and an agent app chat (/v1/apps/{id}/chat). Each with a blocking and a streaming (SSE) call, as curl
// and as Python (requests).

export type AppKind = 'workflow' | 'chat' | 'agent';

export interface ApiExamples { endpoint: string; blocking: string; streaming: string; pythonBlocking: string; pythonStreaming: string }

function curl(url: string, key: string, body: Record<string, unknown>, stream: boolean): string {
  const data = JSON.stringify(body).replace(/'/g, "'\\''");
  return `curl ${stream ? '-N ' : ''}-X POST '${url}' \\\n  -H 'Authorization: Bearer ${key}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${data}'`;
}

/** A JSON value written as a Python literal (True, False, None; strings as JSON writes them, which Python reads). */
export function pyLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${pyLiteral(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

function pyCall(url: string, key: string, body: Record<string, unknown>, stream: boolean): string {
  return `requests.post(\n    ${JSON.stringify(url)},\n    headers={"Authorization": "Bearer ${key}"},\n    json=${pyLiteral(body)},\n    timeout=300,${stream ? '\n    stream=True,' : ''}\n)`;
}

/** Reads the SSE frames (`event:` then `data:` lines) of a streaming answer; `handle` is the body of the loop. */
function pyStream(url: string, key: string, body: Record<string, unknown>, handle: string[], setup: string[] = []): string {
  return [
    'import json', '', 'import requests', '', ...setup,
    `with ${pyCall(url, key, body, true)} as response:`,
    '    response.raise_for_status()',
    '    event = None',
    '    for line in response.iter_lines(decode_unicode=True):',
    '        if line.startswith("event: "):',
    '            event = line[len("event: "):]',
    '        elif line.startswith("data: "):',
    '            data = json.loads(line[len("data: "):])',
    ...handle.map((l) => `            ${l}`),
  ].join('\n');
}

/** The endpoint and the blocking and streaming calls of an app with the given key. */
export function apiExamples(kind: AppKind, origin: string, appId: string, key: string, inputs: Record<string, unknown> = {}): ApiExamples {
  if (kind === 'workflow') {
    const url = `${origin}/v1/workflows/${appId}/run`;
    const body = (mode: string) => ({ inputs, response_mode: mode });
    return {
      endpoint: `POST ${url}`,
      blocking: curl(url, key, body('blocking'), false),
      streaming: curl(url, key, body('streaming'), true),
      pythonBlocking: ['import requests', '', `response = ${pyCall(url, key, body('blocking'), false)}`, 'response.raise_for_status()',
        'run = response.json()', 'print(run["status"], run["outputs"])'].join('\n'),
      pythonStreaming: pyStream(url, key, body('streaming'), [
        'if event == "text_chunk":  # a model\'s text as it is written',
        '    print(data["delta"], end="", flush=True)',
        'elif event == "run_finished":',
        '    print()', '    print(data["status"], data.get("outputs"))',
      ]),
    };
  }
  const url = `${origin}/v1/apps/${appId}/chat`;
  const body = (mode: string) => ({ query: 'Hello', ...(Object.keys(inputs).length ? { inputs } : {}), response_mode: mode, user: 'demo-user' });
  // A chat workflow's reply streams as its answer nodes' text (one without answer nodes sends it whole, in the
  // last frame); an agent's as its model's text.
  const delta = kind === 'chat' ? 'answer_chunk' : 'text_chunk';
  return {
    endpoint: `POST ${url}`,
    blocking: curl(url, key, body('blocking'), false),
    streaming: curl(url, key, body('streaming'), true),
    pythonBlocking: ['import requests', '', `response = ${pyCall(url, key, body('blocking'), false)}`, 'response.raise_for_status()',
      'reply = response.json()', 'print(reply["answer"])',
      '# the next message continues the conversation: send "conversation_id": reply["conversation_id"]'].join('\n'),
    pythonStreaming: pyStream(url, key, body('streaming'), [
      `if event == "${delta}":`,
      '    streamed = True',
      '    print(data["delta"], end="", flush=True)',
      'elif event == "message":  # the whole reply, last',
      '    print("" if streamed else data["answer"])',
      '    print("conversation_id:", data["conversation_id"])',
    ], ['streamed = False']),
  };
}
