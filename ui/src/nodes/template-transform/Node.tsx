import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function TemplateNode({ id, data, selected }: NodeProps<LoomNodeOf<'template-transform'>>) {
  const first = (data.config.template ?? '').split('\n')[0];
  return (
    <BaseNode id={id} type="template-transform" title={data.title} selected={selected} handles={sourceHandles('template-transform', data)}>
      <div className="chip">{first.length > 40 ? `${first.slice(0, 40)}…` : first}</div>
    </BaseNode>
  );
});
