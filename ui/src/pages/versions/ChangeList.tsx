// The side list of a comparison: each added, removed and changed node, and a changed node's fields
// (path: before → after).
import { useTranslation } from 'react-i18next';
import type { WorkflowDiff } from '../../workflow/versionDiff';
import { changeClass } from './diffGraph';

const shown = (value: unknown) => {
  if (value === undefined || value === null) return '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
};

export function ChangeList({ diff }: { diff: WorkflowDiff }) {
  const { t } = useTranslation('versions');
  const listed = diff.nodes.filter((n) => n.change !== 'unchanged');
  const edgeCount = diff.edges.filter((e) => e.change !== 'unchanged').length;
  const nodes = (change: string) => diff.nodes.filter((n) => n.change === change).length;
  return (
    <aside className="versions-changes" data-testid="diff-changes">
      <div className="muted" data-testid="diff-counts">
        {t('counts', { added: nodes('added'), removed: nodes('removed'), changed: nodes('changed') })}
      </div>
      {listed.length === 0 && edgeCount === 0 && diff.workflow.length === 0 && <div className="muted">{t('noChanges')}</div>}
      {diff.workflow.length > 0 && (
        <section className="diff-changed"><strong>{t('workflowSettings')}</strong>
          <ul>{diff.workflow.map((f) => <li key={f.path} data-testid="diff-field"><code>{f.path}</code>: {shown(f.before)} → {shown(f.after)}</li>)}</ul>
        </section>
      )}
      {listed.map((n) => (
        <section key={n.id} className={changeClass(n.change)} data-testid={`diff-node-${n.id}`}>
          <strong>{(n.after ?? n.before)?.title || n.id}</strong> <span className="muted">{n.id} · {t(`change.${n.change}`)}</span>
          {n.fields.length > 0 && (
            <ul>{n.fields.map((f) => (
              <li key={f.path} data-testid="diff-field"><code>{f.path}</code>: <span className="diff-before">{shown(f.before)}</span> → <span className="diff-after">{shown(f.after)}</span></li>
            ))}</ul>
          )}
        </section>
      ))}
      {edgeCount > 0 && (
        <section><strong>{t('edges')}</strong>
          <ul>{diff.edges.filter((e) => e.change !== 'unchanged').map((e) => (
            <li key={e.key} className={changeClass(e.change)} data-testid="diff-edge"><code>{e.key}</code> · {t(`change.${e.change}`)}</li>
          ))}</ul>
        </section>
      )}
    </aside>
  );
}
