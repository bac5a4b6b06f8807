// The draft's problems in one list: node, field and message; a click selects the node and focuses the field.
import { useTranslation } from 'react-i18next';
import type { Problem } from '../workflow/problems';

export function ProblemsPanel({ problems, onPick }: { problems: Problem[]; onPick: (p: Problem) => void }) {
  const { t } = useTranslation('problems');
  if (!problems.length) return <div className="muted" data-testid="problems-none">{t('none')}</div>;
  const errors = problems.filter((p) => p.severity === 'error').length;
  return (
    <div data-testid="problems-panel">
      <div className="section-title">{t('summary', { errors, warnings: problems.length - errors })}</div>
      <ul className="problems">
        {problems.map((p, i) => (
          <li key={i} className={`problem ${p.severity}`} data-testid="problem">
            <button type="button" disabled={p.nodeId === null} onClick={() => onPick(p)} title={p.nodeId ? t('goToField') : t('wholeWorkflow')}>
              <span className="problem-where"><strong data-testid="problem-node">{p.nodeTitle || t('workflow')}</strong>{p.fieldLabel && <> · <span data-testid="problem-field">{p.fieldLabel}</span></>}</span>
              <span className={`field-${p.severity}`} data-testid="problem-message">{p.message}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
