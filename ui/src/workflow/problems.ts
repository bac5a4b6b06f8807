// The draft's validation problems as one list (the problems panel) and where each one is edited: the node to
// select and the panel field to focus. Messages go through plainMessage, the one place that words them.
import { bracketed } from './issues';
import { fieldLabel, plainMessage } from './messages';
import type { Issue } from './types';

export interface Problem {
  /** The node to select; null for a problem of the whole workflow (no start node, an edge from nowhere). */
  nodeId: string | null;
  nodeTitle: string;
  /** The server's field path in the panels' notation (`config.cases[0].id`); '' for the node itself. */
  field: string;
  fieldLabel: string;
  message: string;
  severity: 'error' | 'warning';
}

/** Every issue as a problem, errors before warnings, then in canvas order; workflow-wide ones first. */
export function problemList(issues: Issue[], nodes: { id: string; title?: string }[]): Problem[] {
  const order = new Map(nodes.map((n, i) => [n.id, i]));
  const titles = new Map(nodes.map((n) => [n.id, n.title || n.id]));
  const rank = (p: Problem) => (p.nodeId === null ? -1 : order.get(p.nodeId) ?? nodes.length);
  return issues
    .map((issue): Problem => {
      const known = order.has(issue.node_id);
      const field = bracketed(issue.field);
      return {
        nodeId: known ? issue.node_id : null,
        nodeTitle: known ? String(titles.get(issue.node_id)) : issue.node_id,
        field,
        fieldLabel: field ? fieldLabel(field) : '',
        message: plainMessage(field, issue.message),
        severity: issue.severity === 'warning' ? 'warning' : 'error',
      };
    })
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.severity === b.p.severity ? 0 : a.p.severity === 'error' ? -1 : 1) || rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/** Of the panel's fields (their `data-field` paths), the deepest one at or above `field` (`config.messages[0]`
 * for `config.messages[0].content`): the one that shows the issue's message. Null when none does. */
export function fieldAbove(field: string, candidates: string[]): string | null {
  const want = bracketed(field);
  const above = candidates.filter((c) => c && under(want, bracketed(c))).sort((a, b) => bracketed(b).length - bracketed(a).length);
  return above[0] ?? null;
}

/** The panel field to focus for `field`: the one above it, else the first one below it (`inputs.items` for
 * `inputs`). Null when the panel has no field for it. */
export function fieldFor(field: string, candidates: string[]): string | null {
  if (!field) return null;
  return fieldAbove(field, candidates) ?? candidates.find((c) => c && under(bracketed(c), bracketed(field))) ?? null;
}
