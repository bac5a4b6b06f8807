import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';

export default memo(function ListOperatorNode({ id, data, selected }: NodeProps<LoomNodeOf<'list-operator'>>) {
  const c = data.config;
  const steps = [c.filter && 'filter', c.sort && `sort ${c.sort.order}`, c.slice && `${c.slice.take} ${c.slice.count}`,
    c.extract && `item ${c.extract.index}`].filter(Boolean) as string[];
  return (
    <BaseNode id={id} type="list-operator" title={data.title} selected={selected} handles={sourceHandles('list-operator', data)}>
      {steps.map((s) => <div key={s} className="chip">{s}</div>)}
    </BaseNode>
  );
});
