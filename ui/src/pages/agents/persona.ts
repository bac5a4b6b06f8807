// The structured persona helper: role, task, constraints, steps and output format as `# Heading` sections of
// the persona text (the seed's layout, in English or Chinese), plus free text. The text stays the one truth.

export type SectionKey = 'role' | 'task' | 'constraints' | 'steps' | 'output';
export type PersonaLang = 'en' | 'zh';

export const SECTIONS: { key: SectionKey; en: string; zh: string; aliases: string[]; hint: string }[] = [
  { key: 'role', en: 'Role', zh: '角色', aliases: ['persona', '人设'], hint: 'Who the assistant is' },
  { key: 'task', en: 'Task', zh: '任务', aliases: ['tasks', 'goal', '目标'], hint: 'What it does for the user' },
  { key: 'constraints', en: 'Constraints', zh: '约束', aliases: ['rules', '限制', '约束条件'], hint: 'What it must and must not do' },
  { key: 'steps', en: 'Steps', zh: '执行步骤', aliases: ['workflow', 'execution steps', '步骤', '技能'], hint: 'In which order it uses its skills' },
  { key: 'output', en: 'Output format', zh: '输出格式', aliases: ['output', 'format', '输出'], hint: 'How the answer looks' },
];

export interface PersonaParts {
  sections: Record<SectionKey, string>;
  /** Text outside the five sections (before the first one, or under other headings), kept verbatim. */
  extra: string;
  lang: PersonaLang;
}

const HEADING = /^#\s+(.+?)\s*$/;

function sectionFor(title: string): { key: SectionKey; lang: PersonaLang } | null {
  const t = title.toLowerCase();
  for (const s of SECTIONS) {
    if (t === s.en.toLowerCase()) return { key: s.key, lang: 'en' };
    if (t === s.zh) return { key: s.key, lang: 'zh' };
    if (s.aliases.includes(t)) return { key: s.key, lang: /[\u4e00-\u9fff]/.test(t) ? 'zh' : 'en' };
  }
  return null;
}

export function emptySections(): Record<SectionKey, string> {
  return { role: '', task: '', constraints: '', steps: '', output: '' };
}

/** Split a persona into the five sections and the rest. */
export function parsePersona(text: string): PersonaParts {
  const sections = emptySections();
  const extra: string[] = [];
  let lang: PersonaLang | null = null;
  let current: SectionKey | null = null;
  let body: string[] = [];
  const flush = () => {
    const value = body.join('\n').trim();
    if (current) sections[current] = sections[current] ? `${sections[current]}\n\n${value}` : value;
    else if (value) extra.push(value);
    body = [];
  };
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const m = HEADING.exec(line);
    const found = m ? sectionFor(m[1]) : null;
    if (found) {
      flush();
      current = found.key;
      lang = lang ?? found.lang;
    } else if (m) {
      flush();
      current = null;
      body.push(line); // an unknown heading stays with its text in the free part
    } else {
      body.push(line);
    }
  }
  flush();
  return { sections, extra: extra.join('\n\n'), lang: lang ?? (/[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en') };
}

/** Write the persona text: the filled sections in the fixed order, then the free text. */
export function composePersona(parts: PersonaParts): string {
  const blocks = SECTIONS.filter((s) => parts.sections[s.key].trim())
    .map((s) => `# ${parts.lang === 'zh' ? s.zh : s.en}\n${parts.sections[s.key].trim()}`);
  if (parts.extra.trim()) blocks.push(parts.extra.trim());
  return blocks.join('\n\n');
}

/** Replace one section of a persona text, leaving everything else as it was. */
export function setSection(text: string, key: SectionKey, value: string): string {
  const parts = parsePersona(text);
  return composePersona({ ...parts, sections: { ...parts.sections, [key]: value } });
}

export function setExtra(text: string, value: string): string {
  return composePersona({ ...parsePersona(text), extra: value });
}
