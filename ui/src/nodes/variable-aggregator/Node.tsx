import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function AggregatorNode({ id, data, selected }: NodeProps<LoomNodeOf<'variable-aggregator'>>) {
  return (
    <BaseNode id={id} type="variable-aggregator" title={data.title} selected={selected} handles={sourceHandles('variable-aggregator', data)}>
      {Object.keys(data.inputs).map((n) => <div key={n} className="chip">{n}</div>)}
    </BaseNode>
  );
});
