import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function LLMNode(props: NodeProps<LoomNodeOf<'llm'>>) {
  const { id, data, selected } = props;
  return (
    <BaseNode id={id} type="llm" title={data.title} selected={selected} handles={sourceHandles('llm', data)}>
      <div className="chip">{data.config.model}</div>
      {data.config.output?.format === 'json' && <div className="chip">json</div>}
    </BaseNode>
  );
});
