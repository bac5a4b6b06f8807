import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useDocumentTitle } from '../../i18n/useDocumentTitle';
import { logsApi, type AppChoice } from './api';
import { ConversationsView } from './ConversationsView';
import { RunsView } from './RunsView';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
type Tab = 'runs' | 'conversations';

/** Logs: pick an app, then its run history (workflow and chat apps) and its conversations (chat apps and
 * agents). The app is in the path (/logs/:appId); the tab, filters and picked run or turn in the query. */
export default function LogsPage() {
  const { t } = useTranslation('logs');
  useDocumentTitle(t('title'));
  const { appId } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [apps, setApps] = useState<AppChoice[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { logsApi.apps().then(setApps).catch((e) => setError(message(e))); }, []);
  const app = apps?.find((a) => a.id === appId);
  const tabs: Tab[] = !app ? [] : app.kind === 'workflow' ? ['runs'] : app.kind === 'chat' ? ['runs', 'conversations'] : ['conversations'];
  const asked = params.get('tab') as Tab | null;
  const tab: Tab | undefined = asked && tabs.includes(asked) ? asked : tabs[0];

  return (
    <div className="page logs-page">
      <h1>{t('title')}</h1>
      {error && <pre className="field-error">{error}</pre>}
      <div className="row">
        <label className="field"><span className="field-label">{t('app')}</span>
          <select value={app ? app.id : ''} onChange={(e) => navigate(e.target.value ? `/logs/${e.target.value}` : '/logs')}
            data-testid="logs-app">
            <option value="">{t('chooseApp')}</option>
            {apps?.map((a) => <option key={a.id} value={a.id}>{a.name} · {t(`kinds.${a.kind}`)}</option>)}
          </select></label>
        {tabs.length > 1 && tabs.map((name) => (
          <button key={name} className={name === tab ? 'selected' : ''} data-testid={`logs-tab-${name}`}
            onClick={() => setParams({ tab: name })}>{t(`tabs.${name}`)}</button>
        ))}
      </div>
      {apps && appId && !app && <div className="field-error">{t('unknownApp', { id: appId })}</div>}
      {apps && !appId && apps.length === 0 && <div className="muted">{t('noApps')}</div>}
      {app && tab === 'runs' && <RunsView key={app.id} app={app} />}
      {app && tab === 'conversations' && <ConversationsView key={app.id} app={app} />}
    </div>
  );
}
