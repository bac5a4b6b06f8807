import { Field, InputsTable } from '../shared/controls';
import { patchConfig, type PanelProps } from '../shared/panel';
import { ModelFields } from './ModelFields';
import { addClass, bracketIndexes, classProblems, type ClassExample, type QuestionClass } from './defaults';
import { useTranslation } from 'react-i18next';

export default function QuestionClassifierPanel(props: PanelProps<'question-classifier'>) {
  const { t } = useTranslation('nodes');
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
      <div className="muted">{t('classifier.queryNote')}</div>
      <ModelFields config={cfg} ctx={props.ctx} issues={issues} inputNames={Object.keys(data.inputs)} onChange={(patch) => patchConfig(props, patch)} />
      <div className="section-title">{t('classifier.classes')}</div>
      {issues.filter((x) => x.field === 'config.classes').map((x, k) => <div key={k} className="field-error">{x.message}</div>)}
      {classes.map((c, i) => (
          <div key={i} className={`case-box ${problems[i] ? 'field-invalid' : ''}`} data-testid={`class-${i}`}>
            <Field label={t('classifier.class', { n: i + 1 })} issues={issues} field={`config.classes[${i}]`}>
              <div className="row">
                <input value={c.id} title={t('classifier.handleId')} placeholder="id" onChange={(e) => setClass(i, { id: e.target.value })} data-testid={`class-id-${i}`} />
                <input value={c.name} placeholder={t('classifier.namePlaceholder')} onChange={(e) => setClass(i, { name: e.target.value })} data-testid={`class-name-${i}`} />
                <button type="button" className="icon" title={t('classifier.removeClass')} onClick={() => setClasses(classes.filter((_, k) => k !== i))}>✕</button>
              </div>
              <input value={c.description ?? ''} placeholder={t('classifier.descriptionPlaceholder')} onChange={(e) => setClass(i, { description: e.target.value })} data-testid={`class-description-${i}`} />
              {problems[i] && <span className="field-error" data-testid={`class-problem-${i}`}>{problems[i]}</span>}
            </Field>
          </div>
        ))}
      <button type="button" data-testid="add-class" onClick={() => setClasses(addClass(classes))}>{t('classifier.addClass')}</button>
      <div className="muted">{t('classifier.elseNote')}</div>
      <div className="section-title">{t('classifier.examples')}</div>
      {examples.map((ex, i) => (
        <Field key={i} label={t('classifier.example', { n: i + 1 })} issues={issues} field={`config.examples[${i}]`}>
          <div className="row">
            <input value={ex.input} placeholder={t('classifier.text')} onChange={(e) => setExamples(examples.map((x, k) => (k === i ? { ...x, input: e.target.value } : x)))} data-testid={`example-input-${i}`} />
            <select value={ex.class_id} onChange={(e) => setExamples(examples.map((x, k) => (k === i ? { ...x, class_id: e.target.value } : x)))} data-testid={`example-class-${i}`}>
              {!classes.some((c) => c.id === ex.class_id) && ex.class_id !== 'else' && <option value={ex.class_id}>{t('classifier.noSuchClass', { id: ex.class_id })}</option>}
              {classes.map((c) => <option key={c.id} value={c.id}>{c.name || c.id}</option>)}
              <option value="else">else</option>
            </select>
            <button type="button" className="icon" onClick={() => setExamples(examples.filter((_, k) => k !== i))}>✕</button>
          </div>
        </Field>
      ))}
      <button type="button" data-testid="add-example" onClick={() => setExamples([...examples, { input: '', class_id: classes[0]?.id ?? 'else' }])}>{t('classifier.addExample')}</button>
    </div>
  );
}
