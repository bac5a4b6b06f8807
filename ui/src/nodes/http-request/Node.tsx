import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function HttpRequestNode({ id, data, selected }: NodeProps<LoomNodeOf<'http-request'>>) {
  const url = data.config.url ?? '';
  return (
    <BaseNode id={id} type="http-request" title={data.title} selected={selected} handles={sourceHandles('http-request', data)}>
      <div className="chip">{`${data.config.method} ${url.length > 36 ? `${url.slice(0, 36)}…` : url}`}</div>
    </BaseNode>
  );
});
