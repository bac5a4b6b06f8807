import { lazy, Suspense } from 'react';
import { BrowserRouter, NavLink, Route, Routes } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from './i18n/LanguageSwitch';
import WorkflowsPage from './pages/WorkflowsPage';
import KnowledgePage from './pages/KnowledgePage';
import ModelsPage from './pages/ModelsPage';
import DatasetsPage from './pages/datasets/DatasetsPage';

const EditorPage = lazy(() => import('./editor/EditorPage'));
const AgentsPage = lazy(() => import('./pages/agents/AgentsPage'));
const AgentEditorPage = lazy(() => import('./pages/agents/AgentEditorPage'));
const FinetunePage = lazy(() => import('./pages/finetune/FinetunePage'));
const EvaluationPage = lazy(() => import('./pages/evaluation/EvaluationPage'));
const LogsPage = lazy(() => import('./pages/logs/LogsPage'));
const VersionsPage = lazy(() => import('./pages/versions/VersionsPage'));

export function App() {
  const { t } = useTranslation('common');
  return (
    <BrowserRouter>
      <div className="app">
        <nav className="nav">
          <span className="brand">Loom</span>
          <NavLink to="/" end>{t('nav.workflows')}</NavLink>
          <NavLink to="/agents">{t('nav.agents')}</NavLink>
          <NavLink to="/knowledge">{t('nav.knowledge')}</NavLink>
          <NavLink to="/models">{t('nav.models')}</NavLink>
          <NavLink to="/datasets">{t('nav.datasets')}</NavLink>
          <NavLink to="/finetune">{t('nav.finetune')}</NavLink>
          <NavLink to="/evaluation">{t('nav.evaluation')}</NavLink>
          <NavLink to="/logs">{t('nav.logs')}</NavLink>
          <LanguageSwitch />
        </nav>
        <main className="main">
          <Suspense fallback={<div className="page muted">{t('loading')}</div>}>
            <Routes>
              <Route path="/" element={<WorkflowsPage />} />
              <Route path="/workflows/:id" element={<EditorPage />} />
              <Route path="/workflows/:id/versions" element={<VersionsPage />} />
              <Route path="/agents" element={<AgentsPage />} />
              <Route path="/agents/:id" element={<AgentEditorPage />} />
              <Route path="/knowledge" element={<KnowledgePage />} />
              <Route path="/models" element={<ModelsPage />} />
              <Route path="/datasets" element={<DatasetsPage />} />
              <Route path="/finetune" element={<FinetunePage />} />
              <Route path="/evaluation" element={<EvaluationPage />} />
              <Route path="/logs" element={<LogsPage />} />
              <Route path="/logs/:appId" element={<LogsPage />} />
              <Route path="*" element={<div className="page">{t('notFound')}</div>} />
            </Routes>
          </Suspense>
        </main>
      </div>
    </BrowserRouter>
  );
}
