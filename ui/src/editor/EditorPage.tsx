import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useParams, Link } from 'react-router-dom';
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { FitOnOpen } from './FitOnOpen';
import '@xyflow/react/dist/style.css';
import { api, ApiError } from '../api/client';
import { fromWorkflowJson, toWorkflowJson, type WorkflowMeta } from '../workflow/serialize';
import { upstreamOutputs } from '../workflow/upstream';
import { isContainerType, panelOptions, placement, subtreeIds } from '../workflow/containers';
import { ConversationVariablesEditor } from './ConversationVariables';
import { outputsOf, sourceHandles } from '../nodes/outputs';
import { followHandles } from '../workflow/handles';
import { plainMessage } from '../workflow/messages';
import { nodeTypes, moduleFor } from '../nodes/registry';
import type { LoomData, LoomNode } from '../nodes/configs';
import { nodeTypeTitle } from '../nodes/shared/looks';
import { freshId } from '../workflow/ids';
import { hasErrors, issuesByNode } from '../workflow/issues';
import type { Issue, NodeType, WorkflowJson } from '../workflow/types';
import type { StartVariable } from '../nodes/start/defaults';
import type { Preset } from '../nodes/llm/defaults';
import type { PluginInfo } from '../nodes/plugin/catalog';
import { createEditorStores, EditorContext } from './context';
import { useCanvas } from './useCanvas';
import { Palette, DRAG_MIME } from './Palette';
import { NodePanel } from './NodePanel';
import { RunPanel } from './RunPanel';
import { PublishPanel } from './PublishPanel';
import { ChatPreview } from './ChatPreview';
import { useTranslation } from 'react-i18next';
import { ProblemsPanel } from './ProblemsPanel';
import { downloadDifyDsl, exportRefusal } from '../pages/difyImport/api';
import { problemList, type Problem } from '../workflow/problems';
import { downloadJson } from './download';
import { ErrorBoundary } from './ErrorBoundary';
import { dropDraft, keepDraft, restoreDraft, type StoredDraft } from '../workflow/drafts';

const AUTOSAVE_MS = 800;

export default function EditorPage() {
  const { id } = useParams();
  const { t } = useTranslation('editor');
  const [loaded, setLoaded] = useState<{ json: WorkflowJson; saved: WorkflowJson; restored: StoredDraft | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.getWorkflow(String(id)).then((r) => {
      // An edit the server refused (invalid) survives a reload from the browser's storage.
      const restored = restoreDraft(localStorage, String(id), r.definition);
      setLoaded({ json: restored?.definition ?? r.definition, saved: r.definition, restored });
    }).catch((e) => setError(String(e.message ?? e)));
  }, [id]);
  if (error) return <div className="page"><p className="field-error">{error}</p><Link to="/">{t('common:actions.back')}</Link></div>;
  if (!loaded) return <div className="page muted">{t('common:loading')}</div>;
  return <ReactFlowProvider><Editor workflowId={String(id)} initial={loaded.json} saved={loaded.saved} restored={loaded.restored} /></ReactFlowProvider>;
}

type Tab = 'run' | 'publish' | 'chat' | 'settings' | 'problems';

function Editor({ workflowId, initial, saved, restored }: { workflowId: string; initial: WorkflowJson; saved: WorkflowJson; restored: StoredDraft | null }) {
  const { t } = useTranslation('editor');
  const start = useMemo(() => fromWorkflowJson(initial), [initial]);
  const [meta, setMeta] = useState<WorkflowMeta>(start.meta);
  const { graph, commit, onNodesChange, onEdgesChange, onConnect, undo, redo } = useCanvas({ nodes: start.nodes, edges: start.edges });
  const stores = useMemo(createEditorStores, []);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [saveState, setSaveState] = useState<'saved' | 'saving' | 'invalid' | 'error'>(restored ? 'invalid' : 'saved');
  const [unsavedProblems, setUnsavedProblems] = useState(restored?.problems ?? 0);
  const [tab, setTab] = useState<Tab | null>(null);
  const [focus, setFocus] = useState<{ field: string; seq: number } | null>(null);
  const { t: tProblems } = useTranslation('problems');
  const { t: tDify } = useTranslation('difyImport');
  const [exportError, setExportError] = useState<string | null>(null);
  // the saved workflow, as Dify DSL; a refusal names each node Dify cannot express
  const exportDify = () => {
    setExportError(null);
    downloadDifyDsl(workflowId, meta.name).catch((e: unknown) => {
      const shown = exportRefusal(e, meta.name, tDify);
      setExportError(shown instanceof Error ? shown.message : String(shown));
    });
  };
  const [models, setModels] = useState<string[]>(['default']);
  const [presets, setPresets] = useState<Preset[]>([]);
  const [kbs, setKbs] = useState<string[]>([]);
  const [plugins, setPlugins] = useState<PluginInfo[]>([]);
  const flow = useReactFlow();
  // What the server holds, in the canvas's serialisation: a restored draft differs, so it is re-validated at once.
  const lastSavedIssues = useRef<Issue[]>([]);
  const lastTried = useRef<string | null>(null);
  const lastSaved = useRef(JSON.stringify(restored ? toWorkflowJson(fromWorkflowJson(saved)) : toWorkflowJson({ meta: start.meta, nodes: start.nodes, edges: start.edges })));

  useEffect(() => {
    api.listModels().then((ms) => setModels([...new Set(['default', ...ms.map((m) => String(m.name ?? m.id))])])).catch(() => undefined);
    api.listPresets().then(setPresets).catch(() => undefined);
    api.listPlugins().then((ps) => setPlugins(ps as unknown as PluginInfo[])).catch(() => undefined);
    api.listKnowledgeBases().then((ks) => setKbs(ks.map((k) => String(k.name ?? k.id)))).catch(() => undefined);
  }, []);

  const json = useMemo(() => toWorkflowJson({ meta, nodes: graph.nodes, edges: graph.edges }), [meta, graph]);

  const applyIssues = useCallback((list: Issue[]) => {
    setIssues(list);
    stores.issues.set(issuesByNode(list));
  }, [stores]);

  /** Save the draft now; returns whether it is free of errors. */
  const save = useCallback(async (def: WorkflowJson): Promise<boolean> => {
    const text = JSON.stringify(def);
    lastTried.current = text;
    setSaveState('saving');
    try {
      const res = await api.saveWorkflow(workflowId, def);
      lastSaved.current = text;
      dropDraft(localStorage, workflowId);
      const reported = [...((res?.issues as Issue[]) ?? []), ...((res?.warnings as Issue[]) ?? [])];
      applyIssues(reported);
      lastSavedIssues.current = reported;
      setSaveState('saved');
      return !hasErrors(reported);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        // The server keeps only valid drafts: the edit stays here, marked, until it validates.
        applyIssues(err.issues);
        const problems = err.issues.filter((i) => i.severity !== 'warning').length || 1;
        keepDraft(localStorage, workflowId, def, problems);
        setUnsavedProblems(problems);
        setSaveState('invalid');
        return false;
      }
      setSaveState('error');
      return false;
    }
  }, [workflowId, applyIssues]);

  // Autosave: a quiet period after the last change, skipped when nothing in the definition moved.
  useEffect(() => {
    const text = JSON.stringify(json);
    if (text === lastSaved.current) {
      // Edited back to what the server holds (e.g. undo): nothing to save, nothing unsaved.
      if (saveState === 'invalid') {
        dropDraft(localStorage, workflowId);
        applyIssues(lastSavedIssues.current);
        setSaveState('saved');
      }
      return;
    }
    if (text === lastTried.current) return; // in flight, or refused as invalid: wait for the next edit
    const timer = setTimeout(() => { void save(json); }, AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [json, save, saveState, workflowId, applyIssues]);

  const saveNow = useCallback(() => save(json), [save, json]);

  const addNode = useCallback((type: NodeType, position?: { x: number; y: number }, parentId?: string) => {
    const mod = moduleFor(type);
    const defaults = mod.defaults();
    commit((g) => {
      const nodeId = freshId(type === 'knowledge-retrieval' ? 'kb' : type.replace('variable-', ''), g.nodes.map((n) => n.id));
      const pos = position ?? { x: 100 + g.nodes.length * 30, y: 300 };
      const node = { id: nodeId, type, position: pos, deletable: mod.deletable, selected: true, ...placement(type, parentId),
        data: { title: nodeTypeTitle(type), inputs: defaults.inputs, config: defaults.config } } as LoomNode;
      return { ...g, nodes: [...g.nodes.map((n) => ({ ...n, selected: false })), node] };
    });
  }, [commit]);

  const onDrop = useCallback((e: DragEvent) => {
    e.preventDefault();
    const type = e.dataTransfer.getData(DRAG_MIME) as NodeType;
    if (!type) return;
    const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    // Dropped onto a container (the innermost one): the node joins its sub-graph, placed relative to it.
    const container = flow.getIntersectingNodes({ x: at.x, y: at.y, width: 1, height: 1 }).filter((n) => isContainerType(n.type)).pop();
    const origin = container ? flow.getInternalNode(container.id)?.internals.positionAbsolute ?? container.position : null;
    if (container && origin) addNode(type, { x: at.x - origin.x, y: at.y - origin.y }, container.id);
    else addNode(type, at);
  }, [addNode, flow]);

  const selected = graph.nodes.filter((n) => n.selected);
  const current = selected.length === 1 ? selected[0] : null;

  const updateNode = useCallback((nodeId: string, change: (d: LoomData<unknown>) => LoomData<unknown>) => {
    commit((g) => {
      const node = g.nodes.find((n) => n.id === nodeId);
      if (!node) return g;
      const data = change(node.data as LoomData<unknown>);
      const type = node.type as NodeType;
      return {
        nodes: g.nodes.map((n) => (n.id === nodeId ? { ...n, data } : n) as LoomNode),
        edges: followHandles(g.edges, nodeId, sourceHandles(type, node.data as LoomData<unknown>), sourceHandles(type, data)),
      };
    }, `data:${nodeId}`);
  }, [commit]);

  const deleteNode = useCallback((nodeId: string) => {
    commit((g) => {
      const gone = subtreeIds(g.nodes, nodeId); // a container goes with its sub-graph
      return { nodes: g.nodes.filter((n) => !gone.has(n.id)), edges: g.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)) };
    });
  }, [commit]);

  const copyNode = useCallback((node: LoomNode) => {
    commit((g) => {
      const nodeId = freshId(`${node.id}_copy`, g.nodes.map((n) => n.id));
      const copy = { ...node, id: nodeId, selected: true, deletable: true, position: { x: node.position.x + 40, y: node.position.y + 60 },
        data: { ...structuredClone(node.data), title: t('copyTitle', { title: node.data.title || node.id }) } } as LoomNode;
      return { ...g, nodes: [...g.nodes.map((n) => ({ ...n, selected: false })), copy] };
    });
  }, [commit]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest('input, textarea, select, .cm-editor')) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'z') { e.preventDefault(); if (e.shiftKey) redo(); else undo(); }
      if (mod && e.key.toLowerCase() === 'y') { e.preventDefault(); redo(); }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, redo]);

  const upstreamOf = useCallback((nodeId: string) => upstreamOutputs(nodeId, graph.nodes, graph.edges, (n) => outputsOf(n, plugins), meta.mode, undefined, meta.conversation_variables),
    [graph, plugins, meta]);
  const panelCtx = useMemo(() => current ? {
    ...panelOptions(current, graph.nodes, (n) => outputsOf(n, plugins), upstreamOf),
    mode: meta.mode, issues: issues.filter((i) => i.node_id === current.id), knowledgeBases: kbs, models, presets, plugins,
  } : null, [current, graph, upstreamOf, meta.mode, meta.conversation_variables, issues, kbs, models, presets, plugins]);

  const startNode = graph.nodes.find((n) => n.type === 'start');
  const variables = (startNode?.data.config as { variables?: StartVariable[] } | undefined)?.variables ?? [];
  const errorCount = issues.filter((i) => i.severity !== 'warning').length;
  const workflowIssues = issues.filter((i) => !graph.nodes.some((n) => n.id === i.node_id));
  const problems = useMemo(() => problemList(issues, graph.nodes.map((n) => ({ id: n.id, title: n.data.title }))), [issues, graph.nodes]);
  /** A problem picked in the list: select its node (only it) and focus the field that edits it. */
  const pickProblem = useCallback((p: Problem) => {
    if (!p.nodeId) return;
    onNodesChange(graph.nodes.filter((n) => !!n.selected !== (n.id === p.nodeId)).map((n) => ({ id: n.id, type: 'select' as const, selected: n.id === p.nodeId })));
    setFocus((f) => ({ field: p.field, seq: (f?.seq ?? 0) + 1 }));
  }, [graph.nodes, onNodesChange]);

  return (
    <EditorContext.Provider value={stores}>
      <div className="editor">
        <header className="toolbar">
          <Link to="/">← {t('common:nav.workflows')}</Link>
          <strong data-testid="workflow-name">{meta.name}</strong>
          <span className="badge">{t(`workflows:modes.${meta.mode === 'chat' ? 'chat' : 'workflow'}`)}</span>
          <span className={`save-state ${saveState}`} data-testid="save-state">{{ saving: t('save.saving'), error: t('save.failed'), invalid: t('save.invalid'), saved: t('save.saved') }[saveState]}</span>
          <button type="button" className={`issue-count ${errorCount ? 'field-error' : 'muted'}`} data-testid="issue-count" title={tProblems('show')}
            onClick={() => setTab(tab === 'problems' ? null : 'problems')}>{errorCount ? t('toolbar.errors', { count: errorCount }) : t('toolbar.valid')}</button>
          <span className="spacer" />
          <button type="button" onClick={undo} data-testid="undo" title={t('toolbar.undo')}>↶</button>
          <button type="button" onClick={redo} data-testid="redo" title={t('toolbar.redo')}>↷</button>
          <button type="button" onClick={() => downloadJson(`${meta.name}.json`, json)} data-testid="export">{t('toolbar.export')}</button>
          <button type="button" onClick={exportDify} data-testid="export-dify">{tDify('exportDify')}</button>
          <Link to={`/workflows/${workflowId}/versions`} data-testid="versions-link">{t('versions:title')}</Link>
          <button type="button" onClick={() => setTab(tab === 'settings' ? null : 'settings')}>{t('toolbar.settings')}</button>
          {meta.mode === 'chat' && <button type="button" onClick={() => setTab(tab === 'chat' ? null : 'chat')} data-testid="tab-chat">{t('toolbar.preview')}</button>}
          <button type="button" onClick={() => setTab(tab === 'run' ? null : 'run')} data-testid="tab-run">{t('toolbar.run')}</button>
          <button type="button" className="primary" onClick={() => setTab(tab === 'publish' ? null : 'publish')} data-testid="tab-publish" disabled={errorCount > 0} title={errorCount ? t('toolbar.fixToPublish') : ''}>{t('toolbar.publish')}</button>
        </header>
        {exportError && <pre className="issue-bar" data-testid="export-error" onClick={() => setExportError(null)}>{exportError}</pre>}
        {saveState === 'invalid' && (
          <div className="issue-bar unsaved-banner" data-testid="unsaved-banner">
            {t('unsaved', { count: unsavedProblems })}
            <button type="button" data-testid="discard-draft" onClick={() => { dropDraft(localStorage, workflowId); window.location.reload(); }}>{t('discard')}</button>
          </div>
        )}
        {workflowIssues.length > 0 && (
          <div className="issue-bar" data-testid="workflow-issues">{workflowIssues.map((i, k) => <div key={k}>{i.node_id ? `${i.node_id}: ` : ''}{plainMessage(i.field, i.message)}</div>)}</div>
        )}
        <div className="editor-body">
          <Palette onAdd={(t) => addNode(t)} />
          <div className="canvas" onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop} data-testid="canvas">
            <ReactFlow
              nodes={graph.nodes} edges={graph.edges} nodeTypes={nodeTypes}
              onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} onConnect={onConnect}
              fitView fitViewOptions={FIT_VIEW} minZoom={0.1} maxZoom={2} deleteKeyCode={['Delete', 'Backspace']} proOptions={{ hideAttribution: true }}
            >
              <FitOnOpen options={FIT_VIEW} />
              <Background />
              <Controls />
              <MiniMap pannable zoomable data-testid="minimap" />
            </ReactFlow>
          </div>
          {current && panelCtx && (
            <ErrorBoundary key={current.id} label={t('boundary.nodePanel')}><NodePanel key={current.id} workflowId={workflowId} node={current} ctx={panelCtx}
              update={(c) => updateNode(current.id, c)} onDelete={() => deleteNode(current.id)} onCopy={() => copyNode(current)}
              beforeDebug={async () => { await saveNow(); }} definition={() => json} focus={focus} /></ErrorBoundary>
          )}
          {tab && (
            <aside className="side-panel" data-testid={`panel-${tab}`}><ErrorBoundary key={tab} label={t('boundary.panel')}>
              {tab === 'run' && <RunPanel workflowId={workflowId} variables={variables} beforeRun={saveNow} />}
              {tab === 'publish' && <PublishPanel workflowId={workflowId} kind={meta.mode === 'chat' ? 'chat' : 'workflow'} canPublish={errorCount === 0} beforePublish={saveNow}
                exampleInputs={Object.fromEntries(variables.map((v) => [v.name, v.type === 'string' ? '...' : null]))} />}
              {tab === 'chat' && <ChatPreview workflowId={workflowId} meta={meta} variables={variables} beforeRun={saveNow} />}
              {tab === 'problems' && <ProblemsPanel problems={problems} onPick={pickProblem} />}
              {tab === 'settings' && <SettingsPanel meta={meta} onChange={setMeta} />}
            </ErrorBoundary></aside>
          )}
        </div>
      </div>
    </EditorContext.Provider>
  );
}

/** The whole graph in view, never blown up past 150% (a two-node draft) nor shrunk below 20%. */
const FIT_VIEW = { padding: 0.1, minZoom: 0.2, maxZoom: 1.5 };

function SettingsPanel({ meta, onChange }: { meta: WorkflowMeta; onChange: (m: WorkflowMeta) => void }) {
  const { t } = useTranslation('editor');
  const app = meta.app ?? { opening_statement: '', suggested_questions: [] };
  return (
    <div>
      <label className="field"><span className="field-label">{t('settings.name')}</span><input value={meta.name} onChange={(e) => onChange({ ...meta, name: e.target.value })} data-testid="settings-name" /></label>
      <label className="field"><span className="field-label">{t('settings.description')}</span><textarea value={meta.description} onChange={(e) => onChange({ ...meta, description: e.target.value })} /></label>
      {meta.mode === 'chat' && (
        <>
          <label className="field"><span className="field-label">{t('settings.opening')}</span>
            <textarea value={app.opening_statement} onChange={(e) => onChange({ ...meta, app: { ...app, opening_statement: e.target.value } })} data-testid="settings-opening" /></label>
          <label className="field"><span className="field-label">{t('settings.questions')}</span>
            <textarea value={app.suggested_questions.join('\n')} onChange={(e) => onChange({ ...meta, app: { ...app, suggested_questions: e.target.value.split('\n') } })} data-testid="settings-questions" /></label>
          <ConversationVariablesEditor variables={meta.conversation_variables ?? []} onChange={(next) => onChange({ ...meta, conversation_variables: next })} />
        </>
      )}
    </div>
  );
}
