// A read-only canvas of a comparison: added nodes and edges green, removed red (drawn from the older version),
// changed amber.
import { Background, Controls, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { nodeTypes } from '../../nodes/registry';
import type { DiffGraph } from './diffGraph';

export function DiffCanvas({ graph }: { graph: DiffGraph }) {
  return (
    <div className="versions-canvas" data-testid="diff-canvas">
      <ReactFlowProvider>
        <ReactFlow nodes={graph.nodes} edges={graph.edges} nodeTypes={nodeTypes} fitView minZoom={0.1} maxZoom={2}
          nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} deleteKeyCode={null}
          proOptions={{ hideAttribution: true }}>
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
