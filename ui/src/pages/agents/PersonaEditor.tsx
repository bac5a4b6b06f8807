import { useEffect, useMemo, useState } from 'react';
import { composePersona, parsePersona, SECTIONS, setExtra, setSection, type PersonaLang } from './persona';
import { useTranslation } from 'react-i18next';

/** The persona: a structured helper (role, task, constraints, steps, output format, free text) that writes
 * the persona text, or the text itself. */
export function PersonaEditor({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation('agents');
  const [mode, setMode] = useState<'structured' | 'text'>('structured');
  const parts = useMemo(() => parsePersona(value), [value]);
  const setLang = (lang: PersonaLang) => onChange(composePersona({ ...parts, lang }));
  return (
    <div className="persona-editor" data-testid="persona-editor">
      <div className="row">
        <span className="section-title">{t('persona.title')}</span><span className="spacer" />
        <label className="inline"><input type="radio" checked={mode === 'structured'} onChange={() => setMode('structured')} data-testid="persona-structured" />{t('persona.structured')}</label>
        <label className="inline"><input type="radio" checked={mode === 'text'} onChange={() => setMode('text')} data-testid="persona-text-mode" />{t('persona.text')}</label>
        {mode === 'structured' && (
          <select value={parts.lang} onChange={(e) => setLang(e.target.value as PersonaLang)} title={t('persona.headingLanguage')} data-testid="persona-lang">
            <option value="en"># Role …</option><option value="zh"># 角色 …</option>
          </select>
        )}
      </div>
      {mode === 'text' ? (
        <textarea rows={14} value={value} onChange={(e) => onChange(e.target.value)} data-testid="persona-text" />
      ) : (
        <>
          {SECTIONS.map((s) => (
            <label className="field" key={s.key}>
              <span className="field-label">{parts.lang === 'zh' ? `${s.zh} · ${s.en}` : s.en} <span className="muted">{s.hint}</span></span>
              <SectionText rows={s.key === 'role' ? 2 : 3} text={parts.sections[s.key]} onChange={(v) => onChange(setSection(value, s.key, v))} testId={`persona-${s.key}`} />
            </label>
          ))}
          <label className="field"><span className="field-label">{t('persona.freeText')} <span className="muted">{t('persona.freeTextHint')}</span></span>
            <SectionText rows={2} text={parts.extra} onChange={(v) => onChange(setExtra(value, v))} testId="persona-extra" /></label>
        </>
      )}
      <div className="muted">{t('persona.length', { count: value.length, max: 20000 })}</div>
    </div>
  );
}

/** A section's text area. The persona text keeps sections trimmed, so the box holds what is typed (a trailing
 * space or new line) and follows the persona only when it changes from elsewhere. */
function SectionText({ text, onChange, rows, testId }: { text: string; onChange: (v: string) => void; rows: number; testId: string }) {
  const [draft, setDraft] = useState(text);
  useEffect(() => { if (draft.trim() !== text.trim()) setDraft(text); }, [text]);
  return <textarea rows={rows} value={draft} onChange={(e) => { setDraft(e.target.value); onChange(e.target.value); }} data-testid={testId} />;
}
