import { lazy, Suspense } from 'react';
import { BrowserRouter, NavLink, Route, Routes } from 'react-router-dom';
import WorkflowsPage from './pages/WorkflowsPage';
import KnowledgePage from './pages/KnowledgePage';
import ModelsPage from './pages/ModelsPage';
import DatasetsPage from './pages/datasets/DatasetsPage';

const EditorPage = lazy(() => import('./editor/EditorPage'));
const AgentsPage = lazy(() => import('./pages/agents/AgentsPage'));
const AgentEditorPage = lazy(() => import('./pages/agents/AgentEditorPage'));
const FinetunePage = lazy(() => import('./pages/finetune/FinetunePage'));
const EvaluationPage = lazy(() => import('./pages/evaluation/EvaluationPage'));

export function App() {
  return (
    <BrowserRouter>
      <div className="app">
        <nav className="nav">
          <span className="brand">Loom</span>
          <NavLink to="/" end>Workflows</NavLink>
          <NavLink to="/agents">Agents</NavLink>
          <NavLink to="/knowledge">Knowledge</NavLink>
          <NavLink to="/models">Models</NavLink>
          <NavLink to="/datasets">Datasets</NavLink>
          <NavLink to="/finetune">Fine-tuning</NavLink>
          <NavLink to="/evaluation">Evaluation</NavLink>
        </nav>
        <main className="main">
          <Suspense fallback={<div className="page muted">Loading…</div>}>
            <Routes>
              <Route path="/" element={<WorkflowsPage />} />
              <Route path="/workflows/:id" element={<EditorPage />} />
              <Route path="/agents" element={<AgentsPage />} />
              <Route path="/agents/:id" element={<AgentEditorPage />} />
              <Route path="/knowledge" element={<KnowledgePage />} />
              <Route path="/models" element={<ModelsPage />} />
              <Route path="/datasets" element={<DatasetsPage />} />
              <Route path="/finetune" element={<FinetunePage />} />
              <Route path="/evaluation" element={<EvaluationPage />} />
              <Route path="*" element={<div className="page">Not found.</div>} />
            </Routes>
          </Suspense>
        </main>
      </div>
    </BrowserRouter>
  );
}
