import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { downloadJson } from '../../editor/download';
import { agentApi } from './api';
import { newAgent, type AgentSummary } from './types';
import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../../i18n/useDocumentTitle';

/** Agent apps: create, open, duplicate (export + import), export JSON, import JSON, delete. */
export default function AgentsPage() {
  const { t } = useTranslation('agents');
  const [items, setItems] = useState<AgentSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();
  useDocumentTitle(t('title'));
  const load = () => agentApi.list().then(setItems).catch((e) => setError(e.message));
  useEffect(() => { void load(); }, []);

  const guard = async (f: () => Promise<unknown>) => { setError(null); try { await f(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); } };
  const create = () => guard(async () => {
    const app = await agentApi.create(newAgent(name.trim() || t('untitled'), description));
    navigate(`/agents/${app.id}`);
  });
  const duplicate = (a: AgentSummary) => guard(async () => {
    const doc = await agentApi.exportJson(a.id);
    await agentApi.importJson({ ...doc, name: t('copyName', { name: doc.name }).slice(0, 200) });
    await load();
  });
  const remove = (a: AgentSummary) => guard(async () => {
    if (!window.confirm(t('deleteConfirm', { name: a.name }))) return;
    await agentApi.remove(a.id);
    await load();
  });
  const exportOne = (a: AgentSummary) => guard(async () => downloadJson(`${a.name}.agent.json`, await agentApi.exportJson(a.id)));
  const importFile = (file: File) => guard(async () => {
    let doc: unknown;
    try { doc = JSON.parse(await file.text()); } catch { throw new Error(t('notJson', { file: file.name })); }
    const app = await agentApi.importJson(doc);
    navigate(`/agents/${app.id}`);
  });

  return (
    <div className="page" data-testid="agents-page">
      <div className="row">
        <h1>{t('title')}</h1><span className="spacer" />
        <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-agent">{t('newAgent')}</button>
        <button type="button" onClick={() => fileRef.current?.click()} data-testid="import-agent">{t('importJson')}</button>
        <input ref={fileRef} type="file" accept=".json,application/json" hidden data-testid="import-agent-file" onChange={(e) => { const f = e.target.files?.[0]; if (f) void importFile(f); e.target.value = ''; }} />
      </div>
      {error && <pre className="field-error" data-testid="page-error">{error}</pre>}
      {creating && (
        <form className="card create-form" onSubmit={(e) => { e.preventDefault(); void create(); }} data-testid="agent-create-form">
          <label className="field"><span className="field-label">{t('name')}</span><input value={name} onChange={(e) => setName(e.target.value)} data-testid="agent-create-name" autoFocus /></label>
          <label className="field"><span className="field-label">{t('description')}</span><textarea value={description} onChange={(e) => setDescription(e.target.value)} /></label>
          <div className="row"><button type="submit" className="primary" data-testid="agent-create-submit">{t('common:actions.create')}</button><button type="button" onClick={() => setCreating(false)}>{t('common:actions.cancel')}</button></div>
        </form>
      )}
      <div className="cards" data-testid="agent-list">
        {items.map((a) => (
          <div key={a.id} className="card" data-testid="agent-card">
            <span className="agent-icon">{a.icon}</span>
            <Link to={`/agents/${a.id}`} className="card-title" data-testid="open-agent">{a.name}</Link>
            <span className="badge">{a.version ? `v${a.version}` : t('draft')}</span>
            <p className="muted">{a.description}</p>
            <div className="row">
              <button type="button" onClick={() => duplicate(a)} data-testid="duplicate-agent">{t('duplicate')}</button>
              <button type="button" onClick={() => exportOne(a)} data-testid="export-agent">{t('export')}</button>
              <button type="button" onClick={() => remove(a)} data-testid="delete-agent">{t('common:actions.delete')}</button>
            </div>
          </div>
        ))}
        {items.length === 0 && !error && <p className="muted">{t('empty')}</p>}
      </div>
    </div>
  );
}
