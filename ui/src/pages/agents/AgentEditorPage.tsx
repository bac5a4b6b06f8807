import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { ErrorBoundary } from '../../editor/ErrorBoundary';
import { agentApi } from './api';
import { AgentPreview } from './AgentPreview';
import { AgentPublish } from './AgentPublish';
import { ChatSettings, KnowledgePicker } from './KnowledgePicker';
import { ModelSettings } from './ModelSettings';
import { PersonaEditor } from './PersonaEditor';
import { SkillsPicker } from './SkillsPicker';
import { TurnTrace } from './TurnTrace';
import type { AgentConfig, AgentPublic } from './types';
import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../../i18n/useDocumentTitle';

const AUTOSAVE_MS = 800;
type Tab = 'preview' | 'trace' | 'publish';
export type SaveState = 'saved' | 'saving' | 'invalid' | 'error';

export default function AgentEditorPage() {
  const { t } = useTranslation('agents');
  const { id = '' } = useParams();
  const [app, setApp] = useState<AgentPublic | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { agentApi.get(id).then(setApp).catch((e) => setError(e.message)); }, [id]);
  if (error) return <div className="page field-error" data-testid="page-error">{error}</div>;
  if (!app) return <div className="page muted">{t('common:loading')}</div>;
  return <AgentEditor key={app.id} initial={app} />;
}

function AgentEditor({ initial }: { initial: AgentPublic }) {
  const { t } = useTranslation('agents');
  const agentId = initial.id;
  const [config, setConfig] = useState<AgentConfig>(initial.config);
  const [issues, setIssues] = useState<string[]>(initial.issues);
  const [version, setVersion] = useState(initial.version);
  const [saveState, setSaveState] = useState<SaveState>('saved');
  const [saveError, setSaveError] = useState<string | null>(null);
  const [savedAt, setSavedAt] = useState(0); // bumps after each save so the tools list refreshes
  const [tab, setTab] = useState<Tab>('preview');
  const [traceTurn, setTraceTurn] = useState<string | null>(null);
  const lastSaved = useRef(JSON.stringify(initial.config));
  useDocumentTitle(config.name || t('title'));

  const patch = useCallback((p: Partial<AgentConfig>) => setConfig((c) => ({ ...c, ...p })), []);

  /** Save the draft now (no-op when unchanged); returns whether the server took it. */
  const save = useCallback(async (next: AgentConfig): Promise<boolean> => {
    const text = JSON.stringify(next);
    if (text === lastSaved.current) return true;
    setSaveState('saving');
    try {
      const res = await agentApi.save(agentId, next);
      lastSaved.current = text;
      setIssues(res.issues); setVersion(res.version); setSaveError(null); setSaveState('saved'); setSavedAt(Date.now());
      return true;
    } catch (err) {
      // The server refuses an invalid draft (422 naming the field); the edit stays here until it validates.
      setSaveError(err instanceof Error ? err.message : String(err));
      setSaveState(err instanceof ApiError && err.status === 422 ? 'invalid' : 'error');
      return false;
    }
  }, [agentId]);

  useEffect(() => {
    if (JSON.stringify(config) === lastSaved.current) return;
    const timer = setTimeout(() => { void save(config); }, AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [config, save]);

  const saveNow = useCallback(() => save(config), [save, config]);
  const label = { saved: t('save.saved'), saving: t('save.saving'), invalid: t('save.invalid'), error: t('save.error') }[saveState];

  return (
    <div className="editor" data-testid="agent-editor">
      <div className="toolbar">
        <Link to="/agents">← {t('title')}</Link>
        <input className="agent-icon-input" value={config.icon} onChange={(e) => patch({ icon: e.target.value })} title={t('icon')} data-testid="agent-icon" />
        <input className="title-input" value={config.name} onChange={(e) => patch({ name: e.target.value })} data-testid="agent-name" />
        <span className={`save-state ${saveState === 'saved' || saveState === 'saving' ? '' : 'error'}`} data-testid="save-state">{label}</span>
        <span className="badge" data-testid="agent-version">{version ? t('publishedVersion', { version }) : t('neverPublished')}</span>
        <span className="spacer" />
        {(['preview', 'trace', 'publish'] as Tab[]).map((name) => (
          <button type="button" key={name} className={tab === name ? 'primary' : ''} onClick={() => setTab(name)} data-testid={`agent-tab-${name}`}>{t(`tabs.${name}`)}</button>
        ))}
      </div>
      {saveError && <pre className="issue-bar" data-testid="save-error">{saveError}</pre>}
      {issues.length > 0 && <div className="issue-bar" data-testid="agent-issues">{issues.map((i) => <div key={i}>{i}</div>)}</div>}
      <div className="editor-body">
        <div className="agent-form" data-testid="agent-form">
          <label className="field"><span className="field-label">{t('description')}</span>
            <textarea rows={2} value={config.description} onChange={(e) => patch({ description: e.target.value })} data-testid="agent-description" /></label>
          <ErrorBoundary label={t('boundary.persona')}><PersonaEditor value={config.persona} onChange={(persona) => patch({ persona })} /></ErrorBoundary>
          <ErrorBoundary label={t('boundary.model')}><ModelSettings config={config} onChange={patch} /></ErrorBoundary>
          <ErrorBoundary label={t('boundary.skills')}><SkillsPicker agentId={agentId} skills={config.skills} savedAt={savedAt} onChange={(skills) => patch({ skills })} /></ErrorBoundary>
          <ErrorBoundary label={t('boundary.knowledge')}><KnowledgePicker value={config.knowledge} onChange={(knowledge) => patch({ knowledge })} /></ErrorBoundary>
          <ChatSettings config={config} onChange={patch} />
        </div>
        <aside className="side-panel agent-side" data-testid={`agent-panel-${tab}`}><ErrorBoundary key={tab} label={t('boundary.panel')}>
          {tab === 'preview' && <AgentPreview agentId={agentId} config={config} beforeSend={saveNow} onTrace={(turnId) => { setTraceTurn(turnId); setTab('trace'); }} />}
          {tab === 'trace' && <TurnTrace agentId={agentId} turnId={traceTurn} onPick={setTraceTurn} />}
          {tab === 'publish' && <AgentPublish agentId={agentId} version={version} canPublish={saveState !== 'invalid'} beforePublish={saveNow} onPublished={setVersion} />}
        </ErrorBoundary></aside>
      </div>
    </div>
  );
}
