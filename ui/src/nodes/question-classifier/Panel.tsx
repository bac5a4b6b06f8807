import { Field, InputsTable } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { ModelFields } from './ModelFields';
import { addClass, bracketIndexes, classProblems, type ClassExample, type QuestionClass } from './defaults';

export default function QuestionClassifierPanel(props: PanelProps<'question-classifier'>) {
  const { data } = props.node;
  const cfg = data.config;
  const classes = cfg.classes ?? [];
  const examples = cfg.examples ?? [];
  const issues = bracketIndexes(props.ctx.issues);
  const problems = classProblems(classes);
  const setClasses = (next: QuestionClass[]) => patchConfig(props, { classes: next });
  const setClass = (i: number, patch: Partial<QuestionClass>) => setClasses(classes.map((c, k) => (k === i ? { ...c, ...patch } : c)));
  const setExamples = (next: ClassExample[]) => patchConfig(props, { examples: next });
  return (
    <div>
      <InputsTable inputs={data.inputs} options={props.ctx.upstream} issues={issues} onChange={(inputs) => props.update((d) => ({ ...d, inputs }))} />
      <div className="muted">The input named <code>query</code> is the text to classify.</div>
      <ModelFields config={cfg} ctx={props.ctx} issues={issues} inputNames={Object.keys(data.inputs)} onChange={(patch) => patchConfig(props, patch)} />
      <div className="section-title">Classes (a handle each)</div>
      {issues.filter((x) => x.field === 'config.classes').map((x, k) => <div key={k} className="field-error">{x.message}</div>)}
      {classes.map((c, i) => (
          <div key={i} className={`case-box ${problems[i] ? 'field-invalid' : ''}`} data-testid={`class-${i}`}>
            <Field label={`Class ${i + 1}`} issues={issues} field={`config.classes[${i}]`}>
              <div className="row">
                <input value={c.id} title="Handle id" placeholder="id" onChange={(e) => setClass(i, { id: e.target.value })} data-testid={`class-id-${i}`} />
                <input value={c.name} placeholder="name the model sees" onChange={(e) => setClass(i, { name: e.target.value })} data-testid={`class-name-${i}`} />
                <button type="button" className="icon" title="Remove class" onClick={() => setClasses(classes.filter((_, k) => k !== i))}>✕</button>
              </div>
              <input value={c.description ?? ''} placeholder="description (optional)" onChange={(e) => setClass(i, { description: e.target.value })} data-testid={`class-description-${i}`} />
              {problems[i] && <span className="field-error" data-testid={`class-problem-${i}`}>{problems[i]}</span>}
            </Field>
          </div>
        ))}
      <button type="button" data-testid="add-class" onClick={() => setClasses(addClass(classes))}>+ Class</button>
      <div className="muted">ELSE takes every answer that names no class.</div>
      <div className="section-title">Examples (optional)</div>
      {examples.map((ex, i) => (
        <Field key={i} label={`Example ${i + 1}`} issues={issues} field={`config.examples[${i}]`}>
          <div className="row">
            <input value={ex.input} placeholder="text" onChange={(e) => setExamples(examples.map((x, k) => (k === i ? { ...x, input: e.target.value } : x)))} data-testid={`example-input-${i}`} />
            <select value={ex.class_id} onChange={(e) => setExamples(examples.map((x, k) => (k === i ? { ...x, class_id: e.target.value } : x)))} data-testid={`example-class-${i}`}>
              {!classes.some((c) => c.id === ex.class_id) && ex.class_id !== 'else' && <option value={ex.class_id}>{ex.class_id} (no such class)</option>}
              {classes.map((c) => <option key={c.id} value={c.id}>{c.name || c.id}</option>)}
              <option value="else">else</option>
            </select>
            <button type="button" className="icon" onClick={() => setExamples(examples.filter((_, k) => k !== i))}>✕</button>
          </div>
        </Field>
      ))}
      <button type="button" data-testid="add-example" onClick={() => setExamples([...examples, { input: '', class_id: classes[0]?.id ?? 'else' }])}>+ Example</button>
    </div>
  );
}
