// Pure helpers of the logs page: filters <-> URL, the runs query, paging, input previews and the trace's rows.
import type { NodeTrace, RunSummary } from './api';

export const PAGE_SIZE = 20;
export const STATUSES = ['succeeded', 'failed', 'stopped', 'interrupted', 'running'] as const;
export const SOURCES = ['debug', 'console', 'api', 'agent'] as const;
/** Runs that resume from their failed node (POST /api/runs/{id}/resume). */
export const RESUMABLE = ['failed', 'stopped', 'interrupted'];

export interface RunFilters {
  status: string; // '' for any
  source: string;
  version: string; // '', 'draft' or a number
  q: string;
  page: number; // from 0
}

export const NO_FILTERS: RunFilters = { status: '', source: '', version: '', q: '', page: 0 };

/** The filters kept in the page's URL (`?status=&source=&version=&q=&page=`); unknown values are dropped. */
export function filtersFromParams(params: URLSearchParams): RunFilters {
  const pick = (name: string, allowed: readonly string[]) => {
    const value = params.get(name) ?? '';
    return allowed.includes(value) ? value : '';
  };
  const version = params.get('version') ?? '';
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    status: pick('status', STATUSES),
    source: pick('source', SOURCES),
    version: version === 'draft' || /^[1-9][0-9]{0,8}$/.test(version) ? version : '',
    q: (params.get('q') ?? '').slice(0, 200),
    page: Number.isFinite(page) && page > 1 ? page - 1 : 0,
  };
}

/** The URL parameters of these filters (empty ones left out; pages counted from 1). */
export function paramsFromFilters(filters: RunFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['status', 'source', 'version', 'q'] as const) if (filters[name].trim()) out[name] = filters[name].trim();
  if (filters.page > 0) out.page = String(filters.page + 1);
  return out;
}

/** The query string of GET /api/runs for an app's runs under these filters. */
export function runsQuery(workflowId: string, filters: RunFilters, pageSize = PAGE_SIZE): string {
  const params = new URLSearchParams({ workflow_id: workflowId });
  const { page, ...rest } = paramsFromFilters(filters);
  for (const [name, value] of Object.entries(rest)) params.set(name, value);
  params.set('limit', String(pageSize));
  params.set('offset', String((page ? Number(page) - 1 : 0) * pageSize));
  return params.toString();
}

/** Which rows a page shows (1-based, inclusive) and how many pages there are. */
export function pageRange(page: number, pageSize: number, total: number): { from: number; to: number; pages: number } {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (total === 0) return { from: 0, to: 0, pages };
  const from = Math.min(page * pageSize + 1, total);
  return { from, to: Math.min(total, (page + 1) * pageSize), pages };
}

function preview(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value) && 'name' in (value as Record<string, unknown>)) {
    return String((value as Record<string, unknown>).name); // a file
  }
  return JSON.stringify(value);
}

/** A run's inputs (or a chat turn's query) in one short line: `name: value · name: value`. */
export function inputsPreview(run: Pick<RunSummary, 'inputs'> & { query?: string | null }, max = 80): string {
  const parts = Object.entries(run.inputs ?? {})
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${preview(v)}`);
  const text = run.query ? [run.query, ...parts].join(' · ') : parts.join(' · ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function canResume(run: Pick<RunSummary, 'status' | 'conversation_id'>): boolean {
  return RESUMABLE.includes(run.status) && !run.conversation_id;
}

export function canRerun(run: Pick<RunSummary, 'status' | 'conversation_id'>): boolean {
  return run.status !== 'running' && !run.conversation_id;
}

export interface TraceRow { node: NodeTrace; depth: number; index: number }

/** The trace's nodes in order, each node inside an iteration or loop right under its container (by item or
 * round), indented one level per container. */
export function traceRows(nodes: NodeTrace[]): TraceRow[] {
  const children = new Map<string, { node: NodeTrace; index: number }[]>();
  const top: { node: NodeTrace; index: number }[] = [];
  nodes.forEach((node, index) => {
    if (node.parent_id) {
      const list = children.get(node.parent_id) ?? [];
      list.push({ node, index });
      children.set(node.parent_id, list);
    } else top.push({ node, index });
  });
  const rows: TraceRow[] = [];
  const seen = new Set<string>();
  const walk = (items: { node: NodeTrace; index: number }[], depth: number) => {
    for (const item of items) {
      rows.push({ node: item.node, depth, index: item.index });
      const inside = children.get(item.node.node_id);
      if (inside && !seen.has(item.node.node_id)) {
        seen.add(item.node.node_id);
        walk([...inside].sort((a, b) => (a.node.iteration ?? 0) - (b.node.iteration ?? 0) || a.index - b.index), depth + 1);
      }
    }
  };
  walk(top, 0);
  // Children whose container is not in the trace (a stopped run) still show, at the top level.
  for (const [parent, items] of children) if (!seen.has(parent)) walk(items, 0);
  return rows;
}

/** A node's total tokens (0 when it called no model). */
export function nodeTokens(node: Pick<NodeTrace, 'usage'>): number {
  const usage = node.usage ?? {};
  return Number(usage.total_tokens ?? (Number(usage.prompt_tokens ?? 0) + Number(usage.completion_tokens ?? 0)));
}
