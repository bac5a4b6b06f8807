// The import report the server returns with a workflow imported from a Dify DSL (dify/report.py), and pure
// helpers the dialog renders it with.

export interface MappedNode { dify_id: string; dify_type: string; loom_id: string; loom_type: string }
export interface NodeNote { node_id: string; reason: string }
export interface Attention { kind: 'model' | 'tool' | 'env' | 'knowledge_base' | 'file'; name: string; detail: string; node_ids: string[] }
export interface Secret { source: string; input_name: string }
export interface ImportReport {
  dify_version: string; app_mode: string; app_name: string;
  mapped: MappedNode[]; approximated: NodeNote[]; dropped: NodeNote[];
  attention: Attention[]; secrets: Secret[]; warnings: string[];
}

/** A problem the server found when exporting to Dify DSL: the node (or '' for the workflow) and why. */
export interface ExportProblem { node_id: string; reason: string }

/** A .yml / .yaml file name: a Dify DSL, sent to the server without being read here. */
export function isYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

/** Whether a picked file should go to the server's import (a Dify DSL) rather than be read as Loom JSON. */
export function isDifyFile(name: string, text: string): boolean {
  if (isYamlName(name)) return true;
  try {
    const body = JSON.parse(text) as unknown;
    return !!body && typeof body === 'object' && (body as Record<string, unknown>).kind === 'app'
      && 'workflow' in (body as Record<string, unknown>);
  } catch {
    return false;
  }
}

/** What needs the user, grouped by kind in a fixed order (models, tools, environment, knowledge, files). */
export function attentionByKind(report: ImportReport): [Attention['kind'], Attention[]][] {
  const order: Attention['kind'][] = ['model', 'tool', 'env', 'knowledge_base', 'file'];
  return order.map((kind) => [kind, report.attention.filter((a) => a.kind === kind)] as [Attention['kind'], Attention[]])
    .filter(([, items]) => items.length > 0);
}

/** Mapped nodes whose Loom type differs from the Dify type (shown as "dify → loom"), others just counted. */
export function renamedTypes(report: ImportReport): MappedNode[] {
  const same = (m: MappedNode) => m.dify_type === m.loom_type || (m.dify_type === 'tool' && m.loom_type === 'plugin');
  return report.mapped.filter((m) => !same(m));
}

/** The problems of a failed Dify export body (422 `{detail, problems}`), else none. */
export function exportProblems(body: unknown): ExportProblem[] {
  const problems = body && typeof body === 'object' ? (body as Record<string, unknown>).problems : null;
  if (!Array.isArray(problems)) return [];
  return problems.filter((p): p is ExportProblem => !!p && typeof p === 'object'
    && typeof (p as ExportProblem).node_id === 'string' && typeof (p as ExportProblem).reason === 'string');
}

/** The download name the server gave (Content-Disposition, RFC 5987 `filename*` first), else a fallback. */
export function filenameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try { return decodeURIComponent(star[1]); } catch { /* fall through to the plain name */ }
  }
  const plain = /filename="([^"]+)"/i.exec(disposition);
  return plain ? plain[1] : fallback;
}
