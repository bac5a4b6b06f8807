import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';
import { useTranslation } from 'react-i18next';

export default memo(function ListOperatorNode({ id, data, selected }: NodeProps<LoomNodeOf<'list-operator'>>) {
  const c = data.config;
  const { t } = useTranslation('nodes');
  const steps = [c.filter && t('chips.filter'), c.sort && t('chips.sort', { order: t(`list.${c.sort.order === 'desc' ? 'descending' : 'ascending'}`) }),
    c.slice && t(`chips.${c.slice.take === 'last' ? 'last' : 'first'}`, { n: c.slice.count }), c.extract && t('chips.item', { index: c.extract.index })].filter(Boolean) as string[];
  return (
    <BaseNode id={id} type="list-operator" title={data.title} selected={selected} handles={sourceHandles('list-operator', data)}>
      {steps.map((s) => <div key={s} className="chip">{s}</div>)}
    </BaseNode>
  );
});
