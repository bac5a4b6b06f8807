export default function ModelsPage() {
  return <div className="page"><h1>Models</h1><p className="muted">Models arrive with the models API.</p></div>;
}
