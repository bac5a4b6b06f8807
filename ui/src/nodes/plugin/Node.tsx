import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { BaseNode } from '../shared/BaseNode';
import { sourceHandles } from '../outputs';
import { useTranslation } from 'react-i18next';

export default memo(function PluginNode({ id, data, selected }: NodeProps<LoomNodeOf<'plugin'>>) {
  const { t } = useTranslation('nodes');
  return (
    <BaseNode id={id} type="plugin" title={data.title} selected={selected} handles={sourceHandles('plugin', data)}>
      <div className="chip">{data.config.plugin || t('chips.noPlugin')}{data.config.tool ? ` / ${data.config.tool}` : ''}</div>
    </BaseNode>
  );
});
