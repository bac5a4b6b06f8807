import { InputsTable } from '../shared/controls';
import type { PanelProps } from '../shared/panel';

export default function AggregatorPanel(props: PanelProps<'variable-aggregator'>) {
  const { data } = props.node;
  return (
    <div>
      <p className="muted">The output is the first input, in order, that is present and non-empty.</p>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={props.ctx.issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
    </div>
  );
}
