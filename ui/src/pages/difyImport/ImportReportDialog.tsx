// The import report of a workflow imported from a Dify DSL: what mapped, what was approximated or dropped
// (with node ids), what needs the user (models, tools, environment, knowledge, files) and which secrets to fill.
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { attentionByKind, renamedTypes, type ImportReport, type NodeNote } from './report';

interface Props { workflowId: string; workflowName: string; report: ImportReport; onClose: () => void }

export default function ImportReportDialog({ workflowId, workflowName, report, onClose }: Props) {
  const { t } = useTranslation('difyImport');
  const renamed = renamedTypes(report);
  const notes = (title: string, items: NodeNote[], testId: string) => items.length > 0 && (
    <section data-testid={testId}>
      <h3>{title}</h3>
      <ul>{items.map((n, i) => <li key={`${n.node_id}-${i}`}><code>{n.node_id}</code>: {n.reason}</li>)}</ul>
    </section>
  );
  return (
    <div className="card" role="dialog" aria-modal="false" aria-labelledby="dify-import-title" data-testid="import-report">
      <div className="row">
        <h2 id="dify-import-title">{t('title')}</h2><span className="spacer" />
        <button type="button" onClick={onClose} data-testid="import-report-close">{t('close')}</button>
      </div>
      <p data-testid="import-report-summary">
        {t('summary', { name: report.app_name, mode: report.app_mode, version: report.dify_version })}
      </p>
      <section data-testid="import-report-mapped">
        <h3>{t('mapped', { count: report.mapped.length })}</h3>
        {renamed.length > 0 && (
          <ul>{renamed.map((m) => (
            <li key={m.dify_id}><code>{m.dify_id}</code>: {t('mappedAs', { dify: m.dify_type, loom: m.loom_type, id: m.loom_id })}</li>
          ))}</ul>
        )}
      </section>
      {notes(t('approximated', { count: report.approximated.length }), report.approximated, 'import-report-approximated')}
      {notes(t('dropped', { count: report.dropped.length }), report.dropped, 'import-report-dropped')}
      {report.attention.length > 0 && (
        <section data-testid="import-report-attention">
          <h3>{t('attention')}</h3>
          {attentionByKind(report).map(([kind, items]) => (
            <div key={kind} data-testid={`import-report-attention-${kind}`}>
              <strong>{t(`kinds.${kind}`)}</strong>
              <ul>{items.map((a) => (
                <li key={a.name}>
                  <code>{a.name}</code>{a.detail ? `: ${a.detail}` : ''}
                  {a.node_ids.length > 0 && <span className="muted"> ({t('nodes', { ids: a.node_ids.join(', ') })})</span>}
                </li>
              ))}</ul>
            </div>
          ))}
        </section>
      )}
      {report.secrets.length > 0 && (
        <section data-testid="import-report-secrets">
          <h3>{t('secrets')}</h3>
          <ul>{report.secrets.map((s) => (
            <li key={s.input_name}>{t('secretInput', { source: s.source, input: s.input_name })}</li>
          ))}</ul>
        </section>
      )}
      {report.warnings.length > 0 && (
        <ul className="muted" data-testid="import-report-warnings">{report.warnings.map((w) => <li key={w}>{w}</li>)}</ul>
      )}
      <div className="row">
        <Link to={`/workflows/${workflowId}`} data-testid="import-report-open">
          {t('open', { name: workflowName })}
        </Link>
      </div>
    </div>
  );
}
