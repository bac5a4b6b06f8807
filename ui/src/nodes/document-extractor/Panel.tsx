import { isRef } from '../../workflow/types';
import { Field, NumberInput, RefPicker } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { FORMATS, MAX_CHARS, fileInputProblem, isFileType } from './defaults';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../i18n/format';

export default function DocumentExtractorPanel(props: PanelProps<'document-extractor'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = data.config;
  const source = data.inputs.files;
  const ref = isRef(source) ? source.ref : '';
  const picked = props.ctx.upstream.find((o) => o.ref === ref)?.type;
  const problem = fileInputProblem(picked, !!cfg.multiple);
  const pick = (next: string) => {
    const type = props.ctx.upstream.find((o) => o.ref === next)?.type;
    props.update((d) => ({ ...d, inputs: { files: { ref: next } }, config: { ...d.config, multiple: type === 'array[file]' ? true : type === 'file' ? false : d.config.multiple } }));
  };
  return (
    <div>
      <Field label={t('extractor.files')} issues={props.ctx.issues} field="inputs">
        <RefPicker value={ref} options={props.ctx.upstream.filter((o) => isFileType(o.type))} onChange={pick} testId="extractor-files" />
        {problem && <span className="field-error" data-testid="extractor-problem">{problem}</span>}
      </Field>
      <Field label={t('extractor.multiple')} issues={props.ctx.issues} field="config.multiple">
        <input type="checkbox" checked={!!cfg.multiple} data-testid="extractor-multiple" onChange={(e) => patchConfig(props, { multiple: e.target.checked })} />
      </Field>
      <Field label={t('extractor.maxChars')} issues={props.ctx.issues} field="config.max_chars">
        <NumberInput value={cfg.max_chars ?? null} min={1} max={MAX_CHARS} placeholder={formatNumber(MAX_CHARS)} onChange={(v) => patchConfig(props, { max_chars: v ?? undefined })} />
      </Field>
      <p className="muted">{t('extractor.note', { formats: FORMATS })}</p>
    </div>
  );
}
