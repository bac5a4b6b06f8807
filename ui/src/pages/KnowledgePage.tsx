export default function KnowledgePage() {
  return <div className="page"><h1>Knowledge</h1><p className="muted">Knowledge bases arrive with the knowledge API.</p></div>;
}
