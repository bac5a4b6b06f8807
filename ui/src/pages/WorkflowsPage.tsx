import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, request, type WorkflowSummary } from '../api/client';
import { newWorkflow } from '../editor/newWorkflow';
import { downloadJson } from '../editor/download';
import type { WorkflowJson, WorkflowMode } from '../workflow/types';
import { useDocumentTitle } from '../i18n/useDocumentTitle';
import { useTranslation } from 'react-i18next';
import ImportReportDialog from './difyImport/ImportReportDialog';
import { downloadDifyDsl, exportRefusal, importWorkflowFile, type ImportedWorkflow } from './difyImport/api';
import { isDifyFile, isYamlName } from './difyImport/report';

export default function WorkflowsPage() {
  const { t } = useTranslation('workflows');
  useDocumentTitle(t('title'));
  const [items, setItems] = useState<WorkflowSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [mode, setMode] = useState<WorkflowMode>('workflow');
  const fileRef = useRef<HTMLInputElement>(null);
  const [templates, setTemplates] = useState<TemplateSummary[] | null>(null);
  const [showTemplates, setShowTemplates] = useState(false);
  const [instantiating, setInstantiating] = useState<string | null>(null);
  const [imported, setImported] = useState<ImportedWorkflow | null>(null);
  const navigate = useNavigate();
  const load = () => api.listWorkflows().then(setItems).catch((e) => setError(e.message));
  useEffect(() => { void load(); }, []);
  // Templates are the example workflows the server ships; a server without the route simply offers none.
  useEffect(() => { listTemplates().then(setTemplates).catch(() => setTemplates([])); }, []);
  const fromTemplate = (tpl: TemplateSummary) => guard(async () => {
    setInstantiating(tpl.template_id);
    try {
      const created = await request<Record<string, unknown>>('POST', `/api/templates/${encodeURIComponent(tpl.template_id)}`);
      navigate(`/workflows/${String(created.id ?? (created.workflow as Record<string, unknown> | undefined)?.id)}`);
    } finally { setInstantiating(null); }
  });

  const guard = async (f: () => Promise<unknown>) => { setError(null); try { await f(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); } };
  const create = () => guard(async () => {
    const rec = await api.createWorkflow(newWorkflow(name.trim() || t('untitled'), description, mode));
    navigate(`/workflows/${rec.id}`);
  });
  const duplicate = (id: string) => guard(async () => {
    await api.duplicateWorkflow(id);
    await load();
  });
  const remove = (w: WorkflowSummary) => guard(async () => {
    if (!window.confirm(t('deleteConfirm', { name: w.name }))) return;
    await api.deleteWorkflow(w.id);
    await load();
  });
  const exportOne = (id: string) => guard(async () => {
    const rec = await api.getWorkflow(id);
    downloadJson(`${rec.definition.name}.json`, rec.definition);
  });
  const exportDify = (w: WorkflowSummary) => guard(async () => {
    try {
      await downloadDifyDsl(w.id, w.name);
    } catch (e) {
      throw exportRefusal(e, w.name, t);
    }
  });
  const importFile = (file: File) => guard(async () => {
    // A YAML file goes to the server unread (it checks the size before reading); JSON may be a Dify envelope.
    const text = isYamlName(file.name) ? '' : await file.text();
    if (isYamlName(file.name) || isDifyFile(file.name, text)) {
      // The server reads Dify DSL (and refuses bad files naming the place); the report says what it did.
      let result: ImportedWorkflow;
      try { result = await importWorkflowFile(file); } catch (e) {
        throw new Error(t('difyImport:importFailed', { file: file.name, detail: e instanceof Error ? e.message : String(e) }));
      }
      if (!result.import_report) { navigate(`/workflows/${result.id}`); return; }
      setImported(result);
      await load();
      return;
    }
    let def: WorkflowJson;
    try { def = JSON.parse(text) as WorkflowJson; } catch { throw new Error(t('notJson', { file: file.name })); }
    const rec = await api.createWorkflow(def);
    navigate(`/workflows/${rec.id}`);
  });

  return (
    <div className="page">
      <div className="row">
        <h1>{t('title')}</h1><span className="spacer" />
        <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-workflow">{t('newWorkflow')}</button>
        {templates !== null && templates.length > 0 && (
          <button type="button" onClick={() => setShowTemplates(!showTemplates)} data-testid="new-from-template">{t('newFromTemplate')}</button>
        )}
        <button type="button" onClick={() => fileRef.current?.click()} data-testid="import-workflow">{t('difyImport:importButton')}</button>
        <input ref={fileRef} type="file" accept=".json,.yml,.yaml,application/json,application/yaml" hidden data-testid="import-file" onChange={(e) => { const f = e.target.files?.[0]; if (f) void importFile(f); e.target.value = ''; }} />
      </div>
      {error && <pre className="field-error" data-testid="page-error">{error}</pre>}
      {imported?.import_report && (
        <ImportReportDialog workflowId={imported.id} workflowName={imported.name} report={imported.import_report}
          onClose={() => setImported(null)} />
      )}
      {showTemplates && templates && (
        <div className="cards" data-testid="template-list">
          {templates.map((tpl) => (
            <div key={tpl.template_id} className="card" data-testid={`template-${tpl.template_id}`}>
              <strong className="card-title">{tpl.name}</strong> <span className="badge">{t(`modes.${tpl.mode === 'chat' ? 'chat' : 'workflow'}`)}</span>
              <p className="muted">{tpl.description}</p>
              {tpl.knowledge_bases.length > 0 && <p className="muted">{t('templateKnowledge', { names: tpl.knowledge_bases.join(', ') })}</p>}
              <button type="button" className="primary" disabled={instantiating !== null} onClick={() => fromTemplate(tpl)} data-testid={`use-template-${tpl.template_id}`}>
                {instantiating === tpl.template_id ? t('creatingTemplate') : t('useTemplate')}
              </button>
            </div>
          ))}
        </div>
      )}
      {creating && (
        <form className="card create-form" onSubmit={(e) => { e.preventDefault(); void create(); }} data-testid="create-form">
          <label className="field"><span className="field-label">{t('name')}</span><input value={name} onChange={(e) => setName(e.target.value)} data-testid="create-name" autoFocus /></label>
          <label className="field"><span className="field-label">{t('description')}</span><textarea value={description} onChange={(e) => setDescription(e.target.value)} data-testid="create-description" /></label>
          <div className="row">
            <label className="inline"><input type="radio" checked={mode === 'workflow'} onChange={() => setMode('workflow')} data-testid="mode-workflow" />{t('modeWorkflow')}</label>
            <label className="inline"><input type="radio" checked={mode === 'chat'} onChange={() => setMode('chat')} data-testid="mode-chat" />{t('modeChat')}</label>
          </div>
          <div className="row"><button type="submit" className="primary" data-testid="create-submit">{t('common:actions.create')}</button><button type="button" onClick={() => setCreating(false)}>{t('common:actions.cancel')}</button></div>
        </form>
      )}
      <div className="cards" data-testid="workflow-list">
        {items.map((w) => (
          <div key={w.id} className="card" data-testid="workflow-card">
            <Link to={`/workflows/${w.id}`} className="card-title" data-testid="open-workflow">{w.name}</Link>
            <span className="badge">{t(`modes.${w.mode === 'chat' ? 'chat' : 'workflow'}`)}</span>
            <p className="muted">{w.description}</p>
            <div className="row">
              <button type="button" onClick={() => duplicate(w.id)} data-testid="duplicate-workflow">{t('duplicate')}</button>
              <button type="button" onClick={() => exportOne(w.id)} data-testid="export-workflow">{t('export')}</button>
              <button type="button" onClick={() => exportDify(w)} data-testid="export-dify">{t('difyImport:exportDify')}</button>
              <button type="button" onClick={() => remove(w)} data-testid="delete-workflow">{t('common:actions.delete')}</button>
            </div>
          </div>
        ))}
        {items.length === 0 && !error && <p className="muted">{t('empty')}</p>}
      </div>
    </div>
  );
}

export interface TemplateSummary { template_id: string; name: string; description: string; mode: string; knowledge_bases: string[] }

async function listTemplates(): Promise<TemplateSummary[]> {
  const body = await request<unknown>('GET', '/api/templates');
  const items = Array.isArray(body) ? body : ((body as { items?: unknown[] } | null)?.items ?? []);
  return items as TemplateSummary[];
}
