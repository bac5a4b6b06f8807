// The canvas of a comparison: the newer definition's nodes and edges plus the removed ones (drawn where they were
// in the older one), each tagged with its change so the canvas can colour it.
import { diffWorkflows, edgeKey, type Change, type WorkflowDiff } from '../../workflow/versionDiff';
import { fromWorkflowJson } from '../../workflow/serialize';
import type { LoomEdge, LoomNode } from '../../nodes/configs';
import type { WorkflowJson } from '../../workflow/types';

export interface DiffGraph { diff: WorkflowDiff; nodes: LoomNode[]; edges: LoomEdge[] }

export const changeClass = (change: Change) => `diff-${change}`;

export function diffGraph(before: WorkflowJson, after: WorkflowJson): DiffGraph {
  const diff = diffWorkflows(before, after);
  const removedNodes = diff.nodes.filter((n) => n.change === 'removed' && n.before).map((n) => n.before!);
  const removedEdges = diff.edges.filter((e) => e.change === 'removed').map((e) => e.edge);
  const merged: WorkflowJson = { ...after, nodes: [...after.nodes, ...removedNodes], edges: [...after.edges, ...removedEdges] };
  const canvas = fromWorkflowJson(merged);
  const nodeChange = new Map(diff.nodes.map((n) => [n.id, n.change]));
  const edgeChange = new Map(diff.edges.map((e) => [edgeKey(e.edge), e.change]));
  const nodes = canvas.nodes.map((n) => ({
    ...n, className: changeClass(nodeChange.get(n.id) ?? 'unchanged'), draggable: false, connectable: false, deletable: false,
  })) as LoomNode[];
  const edges = canvas.edges.map((e) => {
    const change = edgeChange.get(edgeKey({ source: e.source, target: e.target, source_handle: e.sourceHandle ?? undefined })) ?? 'unchanged';
    return { ...e, className: changeClass(change), deletable: false, animated: change === 'added' };
  }) as LoomEdge[];
  return { diff, nodes, edges };
}
