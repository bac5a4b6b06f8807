import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, request, type WorkflowSummary } from '../api/client';
import { newWorkflow } from '../editor/newWorkflow';
import { downloadJson } from '../editor/download';
import type { WorkflowJson, WorkflowMode } from '../workflow/types';

export default function WorkflowsPage() {
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
  const navigate = useNavigate();
  const load = () => api.listWorkflows().then(setItems).catch((e) => setError(e.message));
  useEffect(() => { void load(); }, []);
  // Templates are the example workflows the server ships; a server without the route simply offers none.
  useEffect(() => { listTemplates().then(setTemplates).catch(() => setTemplates([])); }, []);
  const fromTemplate = (t: TemplateSummary) => guard(async () => {
    setInstantiating(t.template_id);
    try {
      const created = await request<Record<string, unknown>>('POST', `/api/templates/${encodeURIComponent(t.template_id)}`);
      navigate(`/workflows/${String(created.id ?? (created.workflow as Record<string, unknown> | undefined)?.id)}`);
    } finally { setInstantiating(null); }
  });

  const guard = async (f: () => Promise<unknown>) => { setError(null); try { await f(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); } };
  const create = () => guard(async () => {
    const rec = await api.createWorkflow(newWorkflow(name.trim() || 'Untitled', description, mode));
    navigate(`/workflows/${rec.id}`);
  });
  const duplicate = (id: string) => guard(async () => {
    await api.duplicateWorkflow(id);
    await load();
  });
  const remove = (w: WorkflowSummary) => guard(async () => {
    if (!window.confirm(`Delete "${w.name}"?`)) return;
    await api.deleteWorkflow(w.id);
    await load();
  });
  const exportOne = (id: string) => guard(async () => {
    const rec = await api.getWorkflow(id);
    downloadJson(`${rec.definition.name}.json`, rec.definition);
  });
  const importFile = (file: File) => guard(async () => {
    let def: WorkflowJson;
    try { def = JSON.parse(await file.text()) as WorkflowJson; } catch { throw new Error(`${file.name} is not valid JSON`); }
    const rec = await api.createWorkflow(def);
    navigate(`/workflows/${rec.id}`);
  });

  return (
    <div className="page">
      <div className="row">
        <h1>Workflows</h1><span className="spacer" />
        <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-workflow">New workflow</button>
        {templates !== null && templates.length > 0 && (
          <button type="button" onClick={() => setShowTemplates(!showTemplates)} data-testid="new-from-template">New from template</button>
        )}
        <button type="button" onClick={() => fileRef.current?.click()} data-testid="import-workflow">Import JSON</button>
        <input ref={fileRef} type="file" accept=".json,application/json" hidden data-testid="import-file" onChange={(e) => { const f = e.target.files?.[0]; if (f) void importFile(f); e.target.value = ''; }} />
      </div>
      {error && <pre className="field-error" data-testid="page-error">{error}</pre>}
      {showTemplates && templates && (
        <div className="cards" data-testid="template-list">
          {templates.map((t) => (
            <div key={t.template_id} className="card" data-testid={`template-${t.template_id}`}>
              <strong className="card-title">{t.name}</strong> <span className="badge">{t.mode}</span>
              <p className="muted">{t.description}</p>
              {t.knowledge_bases.length > 0 && <p className="muted">Knowledge: {t.knowledge_bases.join(', ')} (created and indexed on first use)</p>}
              <button type="button" className="primary" disabled={instantiating !== null} onClick={() => fromTemplate(t)} data-testid={`use-template-${t.template_id}`}>
                {instantiating === t.template_id ? 'Creating and indexing…' : 'Use this template'}
              </button>
            </div>
          ))}
        </div>
      )}
      {creating && (
        <form className="card create-form" onSubmit={(e) => { e.preventDefault(); void create(); }} data-testid="create-form">
          <label className="field"><span className="field-label">Name</span><input value={name} onChange={(e) => setName(e.target.value)} data-testid="create-name" autoFocus /></label>
          <label className="field"><span className="field-label">Description</span><textarea value={description} onChange={(e) => setDescription(e.target.value)} data-testid="create-description" /></label>
          <div className="row">
            <label className="inline"><input type="radio" checked={mode === 'workflow'} onChange={() => setMode('workflow')} data-testid="mode-workflow" />Workflow (inputs → outputs)</label>
            <label className="inline"><input type="radio" checked={mode === 'chat'} onChange={() => setMode('chat')} data-testid="mode-chat" />Chat (multi-turn)</label>
          </div>
          <div className="row"><button type="submit" className="primary" data-testid="create-submit">Create</button><button type="button" onClick={() => setCreating(false)}>Cancel</button></div>
        </form>
      )}
      <div className="cards" data-testid="workflow-list">
        {items.map((w) => (
          <div key={w.id} className="card" data-testid="workflow-card">
            <Link to={`/workflows/${w.id}`} className="card-title" data-testid="open-workflow">{w.name}</Link>
            <span className="badge">{w.mode ?? 'workflow'}</span>
            <p className="muted">{w.description}</p>
            <div className="row">
              <button type="button" onClick={() => duplicate(w.id)} data-testid="duplicate-workflow">Duplicate</button>
              <button type="button" onClick={() => exportOne(w.id)} data-testid="export-workflow">Export</button>
              <button type="button" onClick={() => remove(w)} data-testid="delete-workflow">Delete</button>
            </div>
          </div>
        ))}
        {items.length === 0 && !error && <p className="muted">No workflows yet.</p>}
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
