// A read-only canvas of a comparison: added nodes and edges green, removed red (drawn from the older version),
// changed amber. Uncontrolled (default nodes): the page remounts it for each pair compared.
import '@xyflow/react/dist/style.css';
import { useEffect, useRef } from 'react';
import { Background, Controls, ReactFlow, ReactFlowProvider, useNodesInitialized, useReactFlow } from '@xyflow/react';
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
          <FitWhenMeasured />
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}

/** Fits the whole comparison once every node has been measured (the first fit can come before their sizes). */
function FitWhenMeasured() {
  const initialized = useNodesInitialized();
  const flow = useReactFlow();
  const done = useRef(false);
  useEffect(() => {
    if (!initialized || done.current) return;
    done.current = true;
    void flow.fitView(FIT_VIEW);
  }, [initialized, flow]);
  return null;
}
