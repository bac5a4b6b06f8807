// Validation issues from the server grouped for the canvas (per node) and the panels (per field).
import type { Issue } from './types';

export function issuesByNode(issues: Issue[]): Map<string, Issue[]> {
  const map = new Map<string, Issue[]>();
  for (const issue of issues) map.set(issue.node_id, [...(map.get(issue.node_id) ?? []), issue]);
  return map;
}

export function hasErrors(issues: Issue[]): boolean {
  return issues.some((i) => i.severity !== 'warning');
}

/** Issues whose field is `prefix` or lies under it (`config.messages` covers `config.messages[0].content`). */
export function issuesUnder(issues: Issue[] | undefined, prefix: string): Issue[] {
  const want = bracketed(prefix);
  return (issues ?? []).filter((i) => {
    const field = bracketed(i.field);
    return field === want || field.startsWith(`${want}.`) || field.startsWith(`${want}[`);
  });
}

/** List indexes as the panels write them: the server's `config.cases.0.id` is `config.cases[0].id`. */
export function bracketed(field: string): string {
  return field.replace(/\.(\d+)(?=\.|\[|$)/g, '[$1]');
}

/** Normalise a 422 body (a list, or {detail|issues: list}) into issues. */
export function parseIssues(body: unknown): Issue[] {
  const list = Array.isArray(body) ? body
    : body && typeof body === 'object'
      ? ((body as Record<string, unknown>).issues ?? (body as Record<string, unknown>).detail ?? (body as Record<string, unknown>).errors)
      : null;
  if (!Array.isArray(list)) return [];
  return list.filter((i) => i && typeof i === 'object' && 'message' in i).map((i) => ({
    node_id: String(i.node_id ?? ''), field: String(i.field ?? ''), message: String(i.message),
    severity: i.severity === 'warning' ? 'warning' : 'error',
  }));
}
