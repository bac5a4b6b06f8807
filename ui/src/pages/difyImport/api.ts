// Import of a workflow file through the server (Loom JSON or Dify DSL, detected there) and export as Dify DSL.
import { headers, upload } from '../../api/client';
import type { WorkflowJson } from '../../workflow/types';
import { exportProblems, filenameOf, type ExportProblem, type ImportReport } from './report';

export interface ImportedWorkflow { id: string; name: string; definition: WorkflowJson; import_report: ImportReport | null }

/** Upload a file to POST /api/workflows/import; the server refuses bad files naming the place. */
export function importWorkflowFile(file: File): Promise<ImportedWorkflow> {
  return upload<ImportedWorkflow>('/api/workflows/import', 'file', [file]);
}

/** An export the server refused: each node Dify has no equivalent for. */
export class DifyExportError extends Error {
  constructor(message: string, readonly problems: ExportProblem[]) { super(message); }
}

/** GET /api/workflows/{id}/export?format=dify, offered as a .yml download. */
export async function downloadDifyDsl(workflowId: string, fallbackName: string): Promise<void> {
  const res = await fetch(`/api/workflows/${encodeURIComponent(workflowId)}/export?format=dify`, { headers: headers() });
  if (!res.ok) {
    let body: unknown = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    const detail = body && typeof body === 'object' ? (body as Record<string, unknown>).detail : null;
    throw new DifyExportError(typeof detail === 'string' ? detail : `${res.status} ${res.statusText}`, exportProblems(body));
  }
  const blob = new Blob([await res.text()], { type: 'application/yaml' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filenameOf(res.headers.get('Content-Disposition'), `${fallbackName}.yml`);
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

type Translate = (key: string, options?: Record<string, string>) => string;

/** A refused export as one error: the workflow named, then a line per node the server named; other errors as they are. */
export function exportRefusal(e: unknown, name: string, t: Translate): unknown {
  if (!(e instanceof DifyExportError) || e.problems.length === 0) return e;
  return new Error([t('difyImport:exportFailed', { name }),
    ...e.problems.map((p) => (p.node_id ? t('difyImport:exportProblem', { id: p.node_id, reason: p.reason }) : p.reason))].join('\n'));
}
