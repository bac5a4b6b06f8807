import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function AnswerNode({ id, data, selected }: NodeProps<LoomNodeOf<'answer'>>) {
  const first = (data.config.text ?? '').split('\n')[0];
  return (
    <BaseNode id={id} type="answer" title={data.title} selected={selected} handles={sourceHandles('answer', data)}>
      <div className="chip">{first.length > 40 ? `${first.slice(0, 40)}…` : first}</div>
    </BaseNode>
  );
});
