// Skill pickers: the plugin tools and published workflows an agent may use, matched against its skills.
import type { Skill } from './types';

export interface SkillOption { key: string; label: string; description: string; skill: Skill; aliases: string[] }

/** One option per plugin tool (`GET /api/plugins`). */
export function pluginOptions(plugins: Record<string, unknown>[]): SkillOption[] {
  return plugins.flatMap((p) => ((p.tools as Record<string, unknown>[] | undefined) ?? []).map((t) => {
    const plugin = String(p.name), tool = String(t.name);
    return { key: `plugin:${plugin}/${tool}`, label: plugin === tool ? tool : `${plugin} / ${tool}`, description: String(t.description ?? p.description ?? ''),
      skill: { type: 'plugin', plugin, tool } as Skill, aliases: [] };
  }));
}

/** One option per workflow with a published version (only those can run as skills). */
export function workflowOptions(workflows: Record<string, unknown>[]): SkillOption[] {
  return workflows.filter((w) => Number(w.latest_version ?? w.published_version ?? 0) > 0).map((w) => ({
    key: `workflow:${String(w.id)}`, label: String(w.name), description: String(w.description ?? ''),
    skill: { type: 'workflow', workflow: String(w.id) } as Skill, aliases: [String(w.name)],
  }));
}

/** Whether `skill` is the option (a workflow skill may name the workflow by id or by name). */
export function matches(skill: Skill, option: SkillOption): boolean {
  const o = option.skill;
  if (skill.type === 'plugin' && o.type === 'plugin') return skill.plugin === o.plugin && skill.tool === o.tool;
  if (skill.type === 'workflow' && o.type === 'workflow') return skill.workflow === o.workflow || option.aliases.includes(skill.workflow);
  return false;
}

/** Add the option's skill, or remove the skill matching it. */
export function toggleSkill(skills: Skill[], option: SkillOption): Skill[] {
  return skills.some((s) => matches(s, option)) ? skills.filter((s) => !matches(s, option)) : [...skills, { ...option.skill }];
}

/** Skills that match no option (a plugin not installed, a workflow unknown or not published). */
export function unmatchedSkills(skills: Skill[], options: SkillOption[]): Skill[] {
  return skills.filter((s) => !options.some((o) => matches(s, o)));
}

export function describeSkill(s: Skill): string {
  return s.type === 'plugin' ? `plugin ${s.plugin}/${s.tool}` : `workflow ${s.workflow}`;
}
