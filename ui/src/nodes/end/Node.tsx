import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function EndNode({ id, data, selected }: NodeProps<LoomNodeOf<'end'>>) {
  return (
    <BaseNode id={id} type="end" title={data.title} selected={selected} handles={sourceHandles('end', data)}>
      {Object.keys(data.inputs).map((n) => <div key={n} className="chip">{n}</div>)}
    </BaseNode>
  );
});
