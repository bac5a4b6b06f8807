import { Handle, Position, useUpdateNodeInternals } from '@xyflow/react';
import { useEffect, type ReactNode } from 'react';
import { useNodeIssues, useNodeRun } from '../../editor/context';
import type { NodeType } from '../../workflow/types';
import { NODE_LOOKS } from './looks';
import { plainMessage } from '../../workflow/messages';

interface Props {
  id: string;
  type: NodeType;
  title: string;
  selected?: boolean;
  handles: string[]; // source handle ids
  children?: ReactNode;
}

const STATUS_ICON: Record<string, string> = { running: '⏳', succeeded: '✓', failed: '✕', skipped: '⤼' };

/** The frame every canvas node shares: header, run status, validation mark and handles. */
export function BaseNode({ id, type, title, selected, handles, children }: Props) {
  const run = useNodeRun(id);
  const issues = useNodeIssues(id);
  const errors = issues?.filter((i) => i.severity !== 'warning') ?? [];
  const look = NODE_LOOKS[type];
  const updateNodeInternals = useUpdateNodeInternals();
  const handleKey = handles.join('|');
  // Handles come and go with the config (if-else cases, error branch): re-measure them.
  useEffect(() => { updateNodeInternals(id); }, [id, handleKey, updateNodeInternals]);
  const classes = ['loom-node', selected ? 'selected' : '', errors.length ? 'invalid' : '', run ? `run-${run.status}` : ''];
  return (
    <div className={classes.join(' ')} data-testid={`node-${id}`} data-status={run?.status ?? ''} data-invalid={errors.length ? 'true' : 'false'}>
      {type !== 'start' && <Handle type="target" position={Position.Left} id="in" />}
      <div className="loom-node-header" style={{ borderColor: look.color }}>
        <span className="loom-node-icon" style={{ background: look.color }}>{look.icon}</span>
        <span className="loom-node-title">{title || id}</span>
        {run && (
          <span className={`loom-node-status status-${run.status}`} title={run.error ?? run.status}>
            {STATUS_ICON[run.status]}{run.elapsedMs !== undefined && run.status !== 'skipped' ? ` ${formatMs(run.elapsedMs)}` : ''}
          </span>
        )}
        {errors.length > 0 && <span className="loom-node-issue" title={errors.map((e) => plainMessage(e.field, e.message)).join('\n')}>!</span>}
      </div>
      <div className="loom-node-body">{children}</div>
      {handles.length === 1 && handles[0] === 'out' ? (
        <Handle type="source" position={Position.Right} id="out" />
      ) : (
        <div className="loom-node-handles">
          {handles.map((h) => (
            <div key={h} className={`loom-node-handle-row handle-${h === 'error' ? 'error' : 'case'}`}>
              <span>{h === 'out' ? '' : h}</span>
              <Handle type="source" position={Position.Right} id={h} data-testid={`handle-${id}-${h}`} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}
