import { Field, InputsTable, NumberInput } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import type { RetrievalConfig } from './defaults';
import { useTranslation } from 'react-i18next';

export default function RetrievalPanel(props: PanelProps<'knowledge-retrieval'>) {
  const { t } = useTranslation('nodes');
  const { data } = props.node;
  const cfg = { ...data.config, knowledge_bases: data.config.knowledge_bases ?? [], mode: data.config.mode ?? 'hybrid', top_k: data.config.top_k ?? 3 };
  const { issues } = props.ctx;
  const kbs = [...new Set([...props.ctx.knowledgeBases, ...cfg.knowledge_bases])];
  const toggle = (kb: string, on: boolean) => patchConfig(props, {
    knowledge_bases: on ? [...cfg.knowledge_bases, kb] : cfg.knowledge_bases.filter((k) => k !== kb),
  });
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
      <Field label={t('retrieval.knowledgeBases')} issues={issues} field="config.knowledge_bases">
        {kbs.length === 0 && <span className="muted">{t('retrieval.noKnowledgeBases')}</span>}
        {kbs.map((kb) => (
          <label key={kb} className="inline"><input type="checkbox" checked={cfg.knowledge_bases.includes(kb)} onChange={(e) => toggle(kb, e.target.checked)} data-testid={`kb-${kb}`} />{kb}</label>
        ))}
      </Field>
      <Field label={t('retrieval.mode')} issues={issues} field="config.mode">
        <select value={cfg.mode} onChange={(e) => patchConfig(props, { mode: e.target.value as RetrievalConfig['mode'] })} data-testid="retrieval-mode">
          <option value="vector">{t('retrieval.vector')}</option><option value="keyword">{t('retrieval.keyword')}</option><option value="hybrid">{t('retrieval.hybrid')}</option>
        </select>
      </Field>
      <Field label="Top K" issues={issues} field="config.top_k">
        <NumberInput value={cfg.top_k} min={1} max={50} onChange={(v) => patchConfig(props, { top_k: v ?? 3 })} testId="top-k" />
      </Field>
      <Field label={t('retrieval.scoreThreshold')} issues={issues} field="config.score_threshold">
        <NumberInput value={cfg.score_threshold} min={0} max={1} step={0.05} onChange={(v) => patchConfig(props, { score_threshold: v })} testId="score-threshold" />
      </Field>
      {cfg.mode === 'hybrid' && (
        <Field label={t('retrieval.weights')} issues={issues} field="config.weights">
          <div className="row">
            <NumberInput value={cfg.weights?.vector ?? 0.3} min={0} max={1} step={0.1} onChange={(v) => patchConfig(props, { weights: { vector: v ?? 0.3, keyword: cfg.weights?.keyword ?? 0.7 } })} />
            <NumberInput value={cfg.weights?.keyword ?? 0.7} min={0} max={1} step={0.1} onChange={(v) => patchConfig(props, { weights: { vector: cfg.weights?.vector ?? 0.3, keyword: v ?? 0.7 } })} />
          </div>
        </Field>
      )}
      <Field label={t('retrieval.rerank')} issues={issues} field="config.rerank">
        <input placeholder={t('retrieval.rerankPlaceholder')} value={cfg.rerank?.model ?? ''}
          onChange={(e) => patchConfig(props, { rerank: e.target.value ? { model: e.target.value } : null })} data-testid="rerank-model" />
      </Field>
    </div>
  );
}
