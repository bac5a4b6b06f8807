import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function StartNode({ id, data, selected }: NodeProps<LoomNodeOf<'start'>>) {
  return (
    <BaseNode id={id} type="start" title={data.title} selected={selected} handles={sourceHandles('start', data)}>
      {(data.config.variables ?? []).map((v) => <div key={v.name} className="chip">{v.name}: {v.type}</div>)}
    </BaseNode>
  );
});
