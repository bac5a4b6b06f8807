// The public API call of a published app, per kind: a workflow runs once (/v1/workflows/{id}/run); a chat
// workflow and an agent app chat (/v1/apps/{id}/chat). Each with a blocking and a streaming (SSE) curl example.

export type AppKind = 'workflow' | 'chat' | 'agent';

export interface ApiExamples { endpoint: string; blocking: string; streaming: string }

function curl(url: string, key: string, body: Record<string, unknown>, stream: boolean): string {
  const data = JSON.stringify(body).replace(/'/g, "'\\''");
  return `curl ${stream ? '-N ' : ''}-X POST '${url}' \\\n  -H 'Authorization: Bearer ${key}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${data}'`;
}

/** The endpoint and the blocking and streaming curl calls of an app with the given key. */
export function apiExamples(kind: AppKind, origin: string, appId: string, key: string, inputs: Record<string, unknown> = {}): ApiExamples {
  if (kind === 'workflow') {
    const url = `${origin}/v1/workflows/${appId}/run`;
    return {
      endpoint: `POST ${url}`,
      blocking: curl(url, key, { inputs, response_mode: 'blocking' }, false),
      streaming: curl(url, key, { inputs, response_mode: 'streaming' }, true),
    };
  }
  const url = `${origin}/v1/apps/${appId}/chat`;
  const body = (mode: string) => ({ query: 'Hello', ...(Object.keys(inputs).length ? { inputs } : {}), response_mode: mode, user: 'demo-user' });
  return { endpoint: `POST ${url}`, blocking: curl(url, key, body('blocking'), false), streaming: curl(url, key, body('streaming'), true) };
}
