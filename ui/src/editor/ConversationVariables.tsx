import { CONVERSATION_VAR_TYPES, type ConversationVariable } from '../workflow/types';
import { parseLiteral } from '../nodes/shared/controls';
import { useTranslation } from 'react-i18next';

const EMPTY: Record<ConversationVariable['type'], unknown> = {
  string: '', number: 0, boolean: false, object: {}, 'array[string]': [], 'array[number]': [], 'array[object]': [],
};

function defaultText(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

/** The typed default of a variable from what was typed: JSON where the type is not a string. */
export function parseDefault(type: ConversationVariable['type'], text: string): unknown {
  if (type === 'string') return text;
  if (!text.trim()) return EMPTY[type];
  return parseLiteral(text);
}

/** Settings of a chat app: its conversation variables (name, type, default), read as `conversation.<name>`. */
export function ConversationVariablesEditor({ variables, onChange }: { variables: ConversationVariable[]; onChange: (next: ConversationVariable[]) => void }) {
  const { t } = useTranslation('editor');
  const change = (i: number, patch: Partial<ConversationVariable>) => onChange(variables.map((v, k) => (k === i ? { ...v, ...patch } : v)));
  return (
    <div className="field" data-testid="conversation-variables">
      <span className="field-label">{t('conversationVariables.title')}</span>
      {variables.map((v, i) => (
        <div className="row" key={i}>
          <input value={v.name} placeholder={t('conversationVariables.name')} data-testid={`conv-var-name-${i}`} onChange={(e) => change(i, { name: e.target.value })} />
          <select value={v.type} data-testid={`conv-var-type-${i}`} onChange={(e) => { const type = e.target.value as ConversationVariable['type']; change(i, { type, default: EMPTY[type] }); }}>
            {CONVERSATION_VAR_TYPES.map((vt) => <option key={vt} value={vt}>{vt}</option>)}
          </select>
          <input value={defaultText(v.default)} placeholder={t('conversationVariables.default')} data-testid={`conv-var-default-${i}`} onChange={(e) => change(i, { default: parseDefault(v.type, e.target.value) })} />
          <button type="button" onClick={() => onChange(variables.filter((_, k) => k !== i))} data-testid={`conv-var-remove-${i}`}>✕</button>
        </div>
      ))}
      <button type="button" data-testid="conv-var-add" onClick={() => onChange([...variables, { name: '', type: 'string', default: '' }])}>{t('conversationVariables.add')}</button>
    </div>
  );
}
