import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { sourceHandles } from '../outputs';
import { ContainerBox } from '../iteration/ContainerBox';

export default memo(function LoopNode({ id, data, selected }: NodeProps<LoomNodeOf<'loop'>>) {
  const c = data.config;
  return (
    <ContainerBox id={id} type="loop" title={data.title} selected={selected} handles={sourceHandles('loop', data)}>
      {(c.variables ?? []).map((v) => <div key={v.name} className="chip">{v.name}</div>)}
      <div className="chip">≤ {c.max_rounds ?? 10} rounds</div>
    </ContainerBox>
  );
});
