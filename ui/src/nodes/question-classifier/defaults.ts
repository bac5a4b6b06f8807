import type { LLMParams } from '../llm/defaults';
import { freshId } from '../../workflow/ids';
import i18n from '../../i18n';

/** A class: its id is the handle its outgoing edge uses; the model sees its name and description. */
export interface QuestionClass { id: string; name: string; description?: string }
/** A few-shot example: a text and the id of its class (`else` for none). */
export interface ClassExample { input: string; class_id: string }

/** The model settings shared by the task nodes (mirrors nodes/llm_tasks.py TaskModel). */
export interface TaskModel {
  model: string;
  preset?: string | null;
  params?: LLMParams;
  instructions?: string;
  json_mode?: boolean;
}

/** Mirrors nodes/question_classifier.py QuestionClassifierConfig; `else` is implicit. */
export interface ClassifierConfig extends TaskModel {
  classes: QuestionClass[];
  examples?: ClassExample[];
}

export const RESERVED_HANDLES = ['else', 'error', 'out'];

export const classifierDefaults = (): ClassifierConfig => ({
  model: 'default',
  params: { temperature: 0 },
  instructions: '',
  classes: [{ id: 'class1', name: 'Class 1' }, { id: 'class2', name: 'Class 2' }],
  examples: [],
});

/** One handle per class, then `else`. */
export function classifierHandles(config: ClassifierConfig): string[] {
  return [...(config.classes ?? []).map((c) => c.id), 'else'];
}

/** Mirrors nodes/question_classifier.py outputs(). */
export function classifierOutputs(): Record<string, string> {
  return { class_id: 'string', class_name: 'string', text: 'string', usage: 'object' };
}

/** A new class with a fresh id and name, appended. */
export function addClass(classes: QuestionClass[]): QuestionClass[] {
  const id = freshId(`class${classes.length + 1}`, [...classes.map((c) => c.id), ...RESERVED_HANDLES]);
  return [...classes, { id, name: `Class ${classes.length + 1}` }];
}

/** What the editor marks before saving: empty or duplicate names, bad or duplicate ids (the server says the same). */
export function classProblems(classes: QuestionClass[]): Record<number, string> {
  const problems: Record<number, string> = {};
  const ids = new Set<string>();
  const names = new Set<string>();
  classes.forEach((c, i) => {
    const name = c.name.trim().toLowerCase();
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(c.id)) problems[i] = i18n.t('nodes:problems.classId');
    else if (RESERVED_HANDLES.includes(c.id)) problems[i] = i18n.t('nodes:problems.classIdReserved', { id: c.id });
    else if (ids.has(c.id)) problems[i] = i18n.t('nodes:problems.duplicateClassId', { id: c.id });
    else if (!name) problems[i] = i18n.t('nodes:problems.className');
    else if (names.has(name)) problems[i] = i18n.t('nodes:problems.duplicateClassName', { name: c.name.trim() });
    ids.add(c.id);
    names.add(name);
  });
  return problems;
}

/** Server issues name list items both ways (`config.classes.2.id` from the config model, `config.classes[2].id`
 * from the node's checks); the panel marks fields by the bracket form. */
export function bracketIndexes<I extends { field: string }>(issues: I[]): I[] {
  return issues.map((i) => ({ ...i, field: i.field.replace(/\.(\d+)(?=\.|$)/g, '[$1]') }));
}
