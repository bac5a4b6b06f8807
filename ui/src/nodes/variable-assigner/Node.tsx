import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function AssignerNode({ id, data, selected }: NodeProps<LoomNodeOf<'variable-assigner'>>) {
  return (
    <BaseNode id={id} type="variable-assigner" title={data.title} selected={selected} handles={sourceHandles('variable-assigner', data)}>
      {(data.config.items ?? []).map((item, i) => (
        <div key={i} className="chip">{`${item.operation} ${(item.variable?.ref ?? '').replace(/^conversation\./, '') || '?'}`}</div>
      ))}
    </BaseNode>
  );
});
