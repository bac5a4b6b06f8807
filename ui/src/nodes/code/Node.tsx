import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function CodeNode({ id, data, selected }: NodeProps<LoomNodeOf<'code'>>) {
  return (
    <BaseNode id={id} type="code" title={data.title} selected={selected} handles={sourceHandles('code', data)}>
      {Object.entries(data.config.outputs ?? {}).map(([n, t]) => <div key={n} className="chip">{n}: {t}</div>)}
    </BaseNode>
  );
});
