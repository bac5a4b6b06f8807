import type { ReactNode } from 'react';
import type { NodeType } from '../../workflow/types';
import { BaseNode } from '../shared/BaseNode';

/** A container on the canvas: its header card (run status, validation mark, handles) and the area its
 * sub-graph's nodes are dropped into. Shared by iteration and loop. */
export function ContainerBox({ id, type, title, selected, handles, children }: {
  id: string; type: NodeType; title: string; selected?: boolean; handles: string[]; children?: ReactNode;
}) {
  return (
    <div className={`loom-container ${selected ? 'selected' : ''}`} data-testid={`container-${id}`}>
      <BaseNode id={id} type={type} title={title} selected={selected} handles={handles}>{children}</BaseNode>
      <div className="loom-container-hint">drop nodes here</div>
    </div>
  );
}
