import { useEffect, useState } from 'react';
import { NumberInput } from '../../nodes/shared/controls';
import { agentApi } from './api';
import type { AgentConfig, KnowledgeSettings } from './types';
import { useTranslation } from 'react-i18next';

/** Knowledge bases and how the agent uses them: retrieved before each answer (auto) or a search tool. */
export function KnowledgePicker({ value, onChange }: { value: KnowledgeSettings; onChange: (k: KnowledgeSettings) => void }) {
  const { t } = useTranslation('agents');
  const [kbs, setKbs] = useState<string[]>([]);
  useEffect(() => { agentApi.knowledgeBases().then((ks) => setKbs(ks.map((k) => String(k.name ?? k.id)))).catch(() => setKbs([])); }, []);
  const all = [...new Set([...kbs, ...value.knowledge_bases])];
  const toggle = (kb: string) => onChange({ ...value, knowledge_bases: value.knowledge_bases.includes(kb) ? value.knowledge_bases.filter((k) => k !== kb) : [...value.knowledge_bases, kb] });
  return (
    <div className="agent-section" data-testid="knowledge-picker">
      <div className="section-title">{t('knowledge.title')}</div>
      {all.length === 0 && <div className="muted">{t('knowledge.empty')}</div>}
      <div className="row">
        {all.map((kb) => (
          <label key={kb} className={`inline ${kbs.includes(kb) ? '' : 'field-warning'}`} title={kbs.includes(kb) ? '' : t('knowledge.notOnServer')}>
            <input type="checkbox" checked={value.knowledge_bases.includes(kb)} onChange={() => toggle(kb)} data-testid={`kb-${kb}`} />{kb}
          </label>
        ))}
      </div>
      <div className="row">
        <label className="inline"><input type="radio" checked={value.mode === 'auto'} onChange={() => onChange({ ...value, mode: 'auto' })} data-testid="kb-mode-auto" />{t('knowledge.auto')}</label>
        <label className="inline"><input type="radio" checked={value.mode === 'tool'} onChange={() => onChange({ ...value, mode: 'tool' })} data-testid="kb-mode-tool" />{t('knowledge.tool')}</label>
      </div>
      <div className="param-grid">
        <label className="field"><span className="field-label">Top K</span><NumberInput value={value.top_k} min={1} max={20} onChange={(v) => onChange({ ...value, top_k: v ?? 3 })} /></label>
        <label className="field"><span className="field-label">{t('knowledge.scoreThreshold')}</span><NumberInput value={value.score_threshold} min={0} step={0.05} placeholder={t('knowledge.none')} onChange={(v) => onChange({ ...value, score_threshold: v })} /></label>
        <label className="field"><span className="field-label">{t('knowledge.searchMode')}</span>
          <select value={value.search_mode ?? ''} onChange={(e) => onChange({ ...value, search_mode: (e.target.value || null) as KnowledgeSettings['search_mode'] })}>
            <option value="">{t('knowledge.ownMode')}</option><option value="vector">{t('knowledge.vector')}</option><option value="keyword">{t('knowledge.keyword')}</option><option value="hybrid">{t('knowledge.hybrid')}</option>
          </select></label>
      </div>
    </div>
  );
}

/** What the chat shows before the first message. */
export function ChatSettings({ config, onChange }: { config: AgentConfig; onChange: (p: Partial<AgentConfig>) => void }) {
  const { t } = useTranslation('agents');
  return (
    <div className="agent-section">
      <div className="section-title">{t('chat.title')}</div>
      <label className="field"><span className="field-label">{t('chat.opening')}</span>
        <textarea rows={2} value={config.opening_statement} onChange={(e) => onChange({ opening_statement: e.target.value })} data-testid="agent-opening" /></label>
      <label className="field"><span className="field-label">{t('chat.questions')}</span>
        <textarea rows={3} value={config.suggested_questions.join('\n')} onChange={(e) => onChange({ suggested_questions: e.target.value.split('\n') })} data-testid="agent-questions" /></label>
    </div>
  );
}
