// Fitting a canvas to its graph once the nodes are measured: the first fit (React Flow's fitView prop) can come
// before the nodes' sizes are known. Used by the editor and the versions diff.
import { useEffect, useRef } from 'react';
import { useNodesInitialized, useReactFlow, type FitViewOptions } from '@xyflow/react';

/** Fits the view to `options` once every node has been measured. Render it inside the ReactFlow. */
export function FitOnOpen({ options }: { options: FitViewOptions }) {
  const initialized = useNodesInitialized();
  const flow = useReactFlow();
  const done = useRef(false);
  useEffect(() => {
    if (!initialized || done.current) return;
    done.current = true;
    void flow.fitView(options);
  }, [initialized, flow, options]);
  return null;
}
