"""The screenshots of docs/ui.md, in English and in Chinese: each page of the console opened the way a user
would, with data made through the API. Set LOOM_DOC_SCREENSHOTS=1 to write them to docs/images/ as
ui-<page>-<en|zh>.png (otherwise they go to the test's temporary folder, so a plain run changes no file).
A page's shot is taken once the page has its own browser test (SHOTS names the file); the Logs page's
shots come from its own test (test_logs.py: ui-logs.png, ui-logs-zh.png)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.dify_data import DIFY_DSL
from tests.e2e.helpers import ROOT, create_workflow, select_node

pytestmark = pytest.mark.e2e

E2E = Path(__file__).parent
SUFFIX = {"en": "en", "zh-CN": "zh"}


def simple_app() -> dict:
    return {
        "version": "1", "name": "Poem helper", "mode": "workflow",
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 100},
             "config": {"variables": [{"name": "query", "type": "string", "required": True}]}},
            {"id": "llm", "type": "llm", "title": "Writer", "position": {"x": 300, "y": 100},
             "inputs": {"query": {"ref": "start.query"}},
             "config": {"model": "default", "messages": [{"role": "user", "content": "Write about {{query}}"}]}},
            {"id": "end", "type": "end", "position": {"x": 600, "y": 100}, "inputs": {"answer": {"ref": "llm.text"}}},
        ],
        "edges": [{"source": "start", "target": "llm"}, {"source": "llm", "target": "end"}],
    }


def shoot_workflows(page, base: str) -> None:
    create_workflow(base, simple_app())
    create_workflow(base, {**simple_app(), "name": "客服助手", "description": "回答常见问题"})
    page.goto("/")
    expect(page.get_by_test_id("workflow-card")).to_have_count(2)


def shoot_editor(page, base: str) -> None:
    workflow_id = create_workflow(base, simple_app())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("node-llm").wait_for()
    select_node(page, "llm")


def shoot_problems(page, base: str) -> None:
    shoot_editor(page, base)
    page.get_by_test_id("param-temperature").fill("5")
    page.get_by_test_id("issue-count").click()
    expect(page.get_by_test_id("problem").first).to_be_visible(timeout=10_000)


def shoot_knowledge(page, base: str) -> None:
    httpx.post(f"{base}/api/knowledge-bases", json={"name": "poems", "settings": {}}, timeout=30).raise_for_status()
    page.goto("/knowledge")
    page.get_by_test_id("kb-card-poems").wait_for()


def shoot_knowledge_manage(page, base: str) -> None:
    httpx.post(f"{base}/api/knowledge-bases", json={"name": "notes", "settings": {}}, timeout=30).raise_for_status()
    text = "The Great Wall stretches across northern China.\n\nVolcanoes erupt when magma rises.\n"
    httpx.post(f"{base}/api/knowledge-bases/notes/documents", files=[("files", ("notes.txt", text.encode()))],
               timeout=30).raise_for_status()
    page.goto("/knowledge")
    page.get_by_test_id("kb-card-notes").click()
    page.get_by_test_id("doc-chunks-notes.txt").click(timeout=120_000)  # shown once the document is ready
    page.get_by_test_id("kb-chunk").first.wait_for()


def shoot_dify_import(page, base: str) -> None:
    app = DIFY_DSL / "community" / "wwwzhouhui" / "stock_analysis.yml"
    if not app.exists():
        pytest.skip(f"the Dify app to import is not here: {app}")
    page.goto("/")
    page.get_by_test_id("import-file").set_input_files(str(app))
    page.get_by_test_id("import-report").wait_for()


def shoot_versions(page, base: str) -> None:
    res = httpx.post(f"{base}/api/templates/issue-digest", timeout=60)
    res.raise_for_status()
    workflow_id = res.json()["id"]
    url = f"{base}/api/workflows/{workflow_id}"
    httpx.post(f"{url}/publish", json={"note": "First cut from the template"}, timeout=30).raise_for_status()
    definition = httpx.get(url, timeout=10).json()["definition"]
    digest = next(n for n in definition["nodes"] if n["id"] == "digest")
    digest["config"]["template"] = "Digest of {{ repo }}: {{ issues | length }} issues"
    httpx.put(url, json=definition, timeout=10).raise_for_status()
    httpx.post(f"{url}/publish", json={"note": "Shorter digest"}, timeout=30).raise_for_status()
    page.goto(f"/workflows/{workflow_id}/versions")
    page.get_by_test_id("compare-a").select_option("1")
    page.get_by_test_id("compare-b").select_option("2")
    page.get_by_test_id("diff-canvas").locator('[data-testid="rf__node-digest"]').wait_for()


def shoot_models(page, base: str) -> None:
    page.goto("/models")
    page.get_by_test_id("endpoints").wait_for()


def shoot_agents(page, base: str) -> None:
    page.goto("/agents")
    page.get_by_test_id("new-agent").click()
    page.get_by_test_id("agent-create-name").fill("Tutor")
    page.get_by_test_id("agent-create-submit").click()
    page.get_by_test_id("agent-editor").wait_for()


# name → (the page's own browser test, how to get there)
SHOTS: dict[str, tuple[str, Callable[[object, str], None]]] = {
    "workflows": ("test_workflows_page.py", shoot_workflows),
    "editor": ("test_canvas.py", shoot_editor),
    "problems": ("test_problems_panel.py", shoot_problems),
    "knowledge": ("test_knowledge.py", shoot_knowledge),
    "knowledge-manage": ("test_knowledge_manage.py", shoot_knowledge_manage),
    "dify-import": ("test_dify_import.py", shoot_dify_import),
    "versions": ("test_versions.py", shoot_versions),
    "models": ("test_models_page.py", shoot_models),
    "agents": ("test_agents.py", shoot_agents),
}


@pytest.fixture(params=["en", "zh-CN"])
def ui_language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.mark.parametrize("name", list(SHOTS))
def test_page_screenshot(page, loom_server, ui_language, name, tmp_path: Path):
    test_file, go = SHOTS[name]
    if not (E2E / test_file).exists():
        pytest.skip(f"{name} has no browser test yet ({test_file})")
    out = ROOT / "docs" / "images" if os.environ.get("LOOM_DOC_SCREENSHOTS") == "1" else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 760})
    go(page, loom_server)
    page.wait_for_timeout(400)  # let the last layout settle (fit view, fonts)
    assert page.evaluate("document.documentElement.lang") == ui_language
    page.screenshot(path=str(out / f"ui-{name}-{SUFFIX[ui_language]}.png"))
