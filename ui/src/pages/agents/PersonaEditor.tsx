import { useEffect, useMemo, useState } from 'react';
import { composePersona, parsePersona, SECTIONS, setExtra, setSection, type PersonaLang } from './persona';

/** The persona: a structured helper (role, task, constraints, steps, output format, free text) that writes
 * the persona text, or the text itself. */
export function PersonaEditor({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [mode, setMode] = useState<'structured' | 'text'>('structured');
  const parts = useMemo(() => parsePersona(value), [value]);
  const setLang = (lang: PersonaLang) => onChange(composePersona({ ...parts, lang }));
  return (
    <div className="persona-editor" data-testid="persona-editor">
      <div className="row">
        <span className="section-title">Persona</span><span className="spacer" />
        <label className="inline"><input type="radio" checked={mode === 'structured'} onChange={() => setMode('structured')} data-testid="persona-structured" />Structured</label>
        <label className="inline"><input type="radio" checked={mode === 'text'} onChange={() => setMode('text')} data-testid="persona-text-mode" />Text</label>
        {mode === 'structured' && (
          <select value={parts.lang} onChange={(e) => setLang(e.target.value as PersonaLang)} title="Heading language" data-testid="persona-lang">
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
          <label className="field"><span className="field-label">Free text <span className="muted">anything else, kept after the sections</span></span>
            <SectionText rows={2} text={parts.extra} onChange={(v) => onChange(setExtra(value, v))} testId="persona-extra" /></label>
        </>
      )}
      <div className="muted">{value.length} / 20000 characters</div>
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
