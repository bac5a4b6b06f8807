import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { LoomNodeOf } from '../configs';
import { sourceHandles } from '../outputs';
import { ContainerBox } from './ContainerBox';
import { useTranslation } from 'react-i18next';

export default memo(function IterationNode({ id, data, selected }: NodeProps<LoomNodeOf<'iteration'>>) {
  const c = data.config;
  const { t } = useTranslation('nodes');
  return (
    <ContainerBox id={id} type="iteration" title={data.title} selected={selected} handles={sourceHandles('iteration', data)}>
      <div className="chip">{c.parallel ? t('chips.parallel', { n: c.max_concurrency ?? 4 }) : t('chips.sequential')}</div>
      <div className="chip">{t('chips.onError', { mode: c.error_mode ?? 'stop' })}</div>
    </ContainerBox>
  );
});
