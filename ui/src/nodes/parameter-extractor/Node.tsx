import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function ParameterExtractorNode({ id, data, selected }: NodeProps<LoomNodeOf<'parameter-extractor'>>) {
  return (
    <BaseNode id={id} type="parameter-extractor" title={data.title} selected={selected} handles={sourceHandles('parameter-extractor', data)}>
      <div className="chip">{data.config.model}</div>
      {(data.config.parameters ?? []).map((p, i) => <div key={i} className="chip">{p.name}: {p.type}{p.required ? ' *' : ''}</div>)}
    </BaseNode>
  );
});
