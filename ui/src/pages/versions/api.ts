// The versions API: published versions of a workflow, its draft, and restoring a version into the draft.
import { request, unwrapList } from '../../api/client';
import type { WorkflowJson } from '../../workflow/types';

export interface Version { version: number; note: string; created_at: number; definition: WorkflowJson }
export interface Draft { name: string; updated_at: number; definition: WorkflowJson }

export const versionsApi = {
  list: async (workflowId: string) => unwrapList<Version>(await request('GET', `/api/workflows/${workflowId}/versions`)),
  draft: (workflowId: string) => request<Draft>('GET', `/api/workflows/${workflowId}`),
  restore: (workflowId: string, version: number) =>
    request<Record<string, unknown>>('POST', `/api/workflows/${workflowId}/versions/${version}/restore`),
};
