import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';
import { OPERATOR_LABELS } from './operators';
import { isRef } from '../../workflow/types';
import { useTranslation } from 'react-i18next';

export default memo(function IfElseNode({ id, data, selected }: NodeProps<LoomNodeOf<'if-else'>>) {
  const { t } = useTranslation('nodes');
  return (
    <BaseNode id={id} type="if-else" title={data.title} selected={selected} handles={sourceHandles('if-else', data)}>
      {(data.config.cases ?? []).map((c) => (
        <div key={c.id} className="chip">
          {c.id}: {c.conditions.map((cond) => `${isRef(cond.left) ? cond.left.ref || '?' : t('literal')} ${t(`operators.${cond.op}`, { defaultValue: OPERATOR_LABELS[cond.op] })}`).join(` ${c.logic} `)}
        </div>
      ))}
    </BaseNode>
  );
});
