// A workflow's versions: the draft and every published version (number, note, date), restoring one into the
// draft, and comparing any two on a read-only canvas.
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { formatDateTime } from '../../i18n/format';
import { useDocumentTitle } from '../../i18n/useDocumentTitle';
import { dropDraft } from '../../workflow/drafts';
import type { WorkflowJson } from '../../workflow/types';
import { versionsApi, type Draft, type Version } from './api';
import { ChangeList } from './ChangeList';
import { DiffCanvas } from './DiffCanvas';
import { diffGraph } from './diffGraph';
import './versions.css';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const DRAFT = 'draft';

export default function VersionsPage() {
  const { t } = useTranslation('versions');
  useDocumentTitle(t('title'));
  const workflowId = String(useParams().id);
  const navigate = useNavigate();
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [a, setA] = useState<string>('');
  const [b, setB] = useState<string>(DRAFT);
  const [restoring, setRestoring] = useState(false);

  useEffect(() => {
    Promise.all([versionsApi.list(workflowId), versionsApi.draft(workflowId)]).then(([list, current]) => {
      setVersions(list);
      setDraft(current);
      if (list.length) setA(String(list[0].version)); // newest first: the latest published vs the draft
    }).catch((e) => setError(message(e)));
  }, [workflowId]);

  const definitionOf = (choice: string): WorkflowJson | undefined =>
    choice === DRAFT ? draft?.definition : versions?.find((v) => String(v.version) === choice)?.definition;
  const before = definitionOf(a);
  const after = definitionOf(b);
  const graph = useMemo(() => (before && after ? diffGraph(before, after) : null), [before, after]);

  const restore = async (version: number) => {
    if (!window.confirm(t('restoreConfirm', { version }))) return;
    setRestoring(true);
    try {
      await versionsApi.restore(workflowId, version);
      dropDraft(localStorage, workflowId); // an unsaved local edit would otherwise hide the restored draft
      navigate(`/workflows/${workflowId}`);
    } catch (e) {
      setError(message(e));
      setRestoring(false);
    }
  };

  const label = (choice: string) => (choice === DRAFT ? t('draft') : t('versionLabel', { version: choice }));
  const picker = (value: string, onChange: (v: string) => void, testId: string, name: string) => (
    <label className="field"><span className="field-label">{name}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value={DRAFT}>{label(DRAFT)}</option>
        {versions?.map((v) => <option key={v.version} value={String(v.version)}>{label(String(v.version))}</option>)}
      </select></label>
  );

  return (
    <div className="page versions-page">
      <div className="row">
        <Link to={`/workflows/${workflowId}`} data-testid="back-to-editor">← {t('backToEditor')}</Link>
        <h1>{t('heading', { name: draft?.name ?? '' })}</h1>
      </div>
      {error && <pre className="field-error" data-testid="versions-error">{error}</pre>}
      {!versions && !error && <div className="muted">{t('loading')}</div>}
      {versions && (
        <table className="versions-list" data-testid="versions-list">
          <thead><tr><th>{t('columns.version')}</th><th>{t('columns.note')}</th><th>{t('columns.date')}</th><th /></tr></thead>
          <tbody>
            <tr data-testid="version-row-draft">
              <td>{t('draft')}</td><td className="muted">{t('draftNote')}</td><td>{formatDateTime(draft?.updated_at)}</td><td />
            </tr>
            {versions.map((v) => (
              <tr key={v.version} data-testid={`version-row-${v.version}`}>
                <td>{label(String(v.version))}</td>
                <td data-testid={`version-note-${v.version}`}>{v.note || <span className="muted">{t('noNote')}</span>}</td>
                <td>{formatDateTime(v.created_at)}</td>
                <td><button type="button" disabled={restoring} onClick={() => restore(v.version)} data-testid={`restore-${v.version}`}>
                  {t('restore')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {versions && versions.length === 0 && <div className="muted">{t('noVersions')}</div>}
      {versions && (
        <>
          <h2>{t('compare')}</h2>
          <div className="row">
            {picker(a, setA, 'compare-a', t('compareA'))}
            {picker(b, setB, 'compare-b', t('compareB'))}
          </div>
          {!graph && <div className="muted">{t('pickTwo')}</div>}
          {graph && (
            <div className="versions-compare">
              <DiffCanvas key={`${a}:${b}`} graph={graph} />
              <ChangeList diff={graph.diff} />
            </div>
          )}
          <div className="versions-legend muted">
            <span className="diff-added">{t('change.added')}</span> <span className="diff-removed">{t('change.removed')}</span>{' '}
            <span className="diff-changed">{t('change.changed')}</span>
          </div>
        </>
      )}
    </div>
  );
}
