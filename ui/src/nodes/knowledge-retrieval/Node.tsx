import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function RetrievalNode({ id, data, selected }: NodeProps<LoomNodeOf<'knowledge-retrieval'>>) {
  return (
    <BaseNode id={id} type="knowledge-retrieval" title={data.title} selected={selected} handles={sourceHandles('knowledge-retrieval', data)}>
      {(data.config.knowledge_bases ?? []).map((kb) => <div key={kb} className="chip">{kb}</div>)}<div className="chip">{data.config.mode ?? 'hybrid'} · top {data.config.top_k ?? 3}</div>
    </BaseNode>
  );
});
