import { InputsTable } from '../shared/controls';
import type { PanelProps } from '../shared/panel';
import { useTranslation } from 'react-i18next';

export default function AggregatorPanel(props: PanelProps<'variable-aggregator'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  return (
    <div>
      <p className="muted">{t('aggregator.note')}</p>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={props.ctx.issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
    </div>
  );
}
