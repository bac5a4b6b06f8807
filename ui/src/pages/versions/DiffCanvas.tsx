// A read-only canvas of a comparison: added nodes and edges green, removed red (drawn from the older version),
// changed amber. Uncontrolled (default nodes): the page remounts it for each pair compared.
import '@xyflow/react/dist/style.css';
import { Background, Controls, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { FitOnOpen } from '../../editor/FitOnOpen';
import { nodeTypes } from '../../nodes/registry';
import type { DiffGraph } from './diffGraph';

const FIT_VIEW = { padding: 0.1, minZoom: 0.1, maxZoom: 1.2 };

export function DiffCanvas({ graph }: { graph: DiffGraph }) {
  return (
    <div className="versions-canvas" data-testid="diff-canvas">
      <ReactFlowProvider>
        <ReactFlow defaultNodes={graph.nodes} defaultEdges={graph.edges} nodeTypes={nodeTypes} fitView fitViewOptions={FIT_VIEW}
          minZoom={0.1} maxZoom={2} nodesDraggable={false} nodesConnectable={false} elementsSelectable={false}
          deleteKeyCode={null} proOptions={{ hideAttribution: true }}>
          <FitOnOpen options={FIT_VIEW} />
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
