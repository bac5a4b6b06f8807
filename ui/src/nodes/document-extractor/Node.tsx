import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function DocumentExtractorNode({ id, data, selected }: NodeProps<LoomNodeOf<'document-extractor'>>) {
  return (
    <BaseNode id={id} type="document-extractor" title={data.title} selected={selected} handles={sourceHandles('document-extractor', data)}>
      <div className="chip">{data.config.multiple ? 'files → texts' : 'file → text'}</div>
    </BaseNode>
  );
});
