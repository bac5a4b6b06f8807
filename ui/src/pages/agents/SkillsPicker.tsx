import { useEffect, useState } from 'react';
import { agentApi } from './api';
import { describeSkill, matches, pluginOptions, toggleSkill, unmatchedSkills, workflowOptions, type SkillOption } from './skills';
import type { Skill, ToolInfo } from './types';
import { useTranslation } from 'react-i18next';

/** Skills: plugin tools and published workflows (checkboxes), each with the tool name and description the
 * model sees; skills this server cannot resolve; and the tools the saved draft offers now. */
export function SkillsPicker({ agentId, skills, savedAt, onChange }: { agentId: string; skills: Skill[]; savedAt: number; onChange: (s: Skill[]) => void }) {
  const { t } = useTranslation('agents');
  const [plugins, setPlugins] = useState<SkillOption[]>([]);
  const [workflows, setWorkflows] = useState<SkillOption[]>([]);
  const [tools, setTools] = useState<ToolInfo[] | null>(null);
  const [toolsError, setToolsError] = useState<string | null>(null);
  useEffect(() => {
    agentApi.plugins().then((p) => setPlugins(pluginOptions(p))).catch(() => setPlugins([]));
    agentApi.workflows().then((w) => setWorkflows(workflowOptions(w))).catch(() => setWorkflows([]));
  }, []);
  useEffect(() => {
    agentApi.tools(agentId).then((list) => { setTools(list); setToolsError(null); }).catch((e) => { setTools(null); setToolsError(e.message); });
  }, [agentId, savedAt]);

  const edit = (skill: Skill, p: Partial<Skill>) => onChange(skills.map((s) => (s === skill ? { ...s, ...p } as Skill : s)));
  const unmatched = unmatchedSkills(skills, [...plugins, ...workflows]);
  const group = (title: string, options: SkillOption[], empty: string) => (
    <div className="skill-group">
      <div className="field-label">{title}</div>
      {options.length === 0 && <div className="muted">{empty}</div>}
      {options.map((o) => {
        const skill = skills.find((s) => matches(s, o));
        return (
          <div key={o.key} className="skill-row" data-testid={`skill-${o.key}`}>
            <label className="inline" title={o.description}>
              <input type="checkbox" checked={Boolean(skill)} onChange={() => onChange(toggleSkill(skills, o))} data-testid={`skill-toggle-${o.key}`} />
              {o.label}
            </label>
            {skill && <SkillOverrides skill={skill} onChange={(p) => edit(skill, p)} />}
          </div>
        );
      })}
    </div>
  );
  return (
    <div className="agent-section" data-testid="skills-picker">
      <div className="section-title">{t('skills.title')}</div>
      {group(t('skills.plugins'), plugins, t('skills.noPlugins'))}
      {group(t('skills.workflows'), workflows, t('skills.noWorkflows'))}
      {unmatched.length > 0 && (
        <div className="skill-group" data-testid="unmatched-skills">
          <div className="field-label">{t('skills.unavailable')}</div>
          {unmatched.map((s, i) => (
            <div key={i} className="row field-warning">{describeSkill(s)}
              <button type="button" className="icon" onClick={() => onChange(skills.filter((x) => x !== s))} title={t('skills.remove')}>✕</button></div>
          ))}
        </div>
      )}
      <details className="tools-offered" data-testid="tools-offered">
        <summary>{t('skills.toolsOffered', { count: tools?.length ?? '?' })}</summary>
        {toolsError && <div className="field-error">{toolsError}</div>}
        {tools?.map((tool) => (
          <div key={tool.name} className="trace-node"><code>{tool.name}</code> <span className="badge">{tool.kind}</span> <span className="muted">{tool.description}</span>
            <pre className="json">{JSON.stringify(tool.parameters, null, 2)}</pre></div>
        ))}
      </details>
    </div>
  );
}

function SkillOverrides({ skill, onChange }: { skill: Skill; onChange: (p: Partial<Skill>) => void }) {
  const { t } = useTranslation('agents');
  return (
    <div className="skill-overrides">
      <input placeholder={t('skills.toolName')} value={skill.name ?? ''} onChange={(e) => onChange({ name: e.target.value || null })} title={t('skills.toolNameHint')} />
      <input placeholder={t('skills.toolDescription')} value={skill.description ?? ''} onChange={(e) => onChange({ description: e.target.value || null })} />
    </div>
  );
}
