import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { sourceHandles } from '../outputs';
import { ContainerBox } from './ContainerBox';

export default memo(function IterationNode({ id, data, selected }: NodeProps<LoomNodeOf<'iteration'>>) {
  const c = data.config;
  return (
    <ContainerBox id={id} type="iteration" title={data.title} selected={selected} handles={sourceHandles('iteration', data)}>
      <div className="chip">{c.parallel ? `parallel ×${c.max_concurrency ?? 4}` : 'sequential'}</div>
      <div className="chip">on error: {c.error_mode ?? 'stop'}</div>
    </ContainerBox>
  );
});
