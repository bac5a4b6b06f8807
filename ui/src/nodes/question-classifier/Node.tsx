import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function QuestionClassifierNode({ id, data, selected }: NodeProps<LoomNodeOf<'question-classifier'>>) {
  return (
    <BaseNode id={id} type="question-classifier" title={data.title} selected={selected} handles={sourceHandles('question-classifier', data)}>
      <div className="chip">{data.config.model}</div>
      {(data.config.classes ?? []).map((c) => <div key={c.id} className="chip">{c.id}: {c.name}</div>)}
    </BaseNode>
  );
});
