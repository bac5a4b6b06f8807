"""Embedding and rerank models in the console: register embedding endpoints with their task on the Models
page (the scripted OpenAI server answers /embeddings), build a KB on one, switch it to the other from the
Knowledge page and watch it re-embed, then pick a rerank endpoint."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import ScriptedOpenAI
from tests.e2e.test_models_page import fill_form

pytestmark = pytest.mark.e2e


def test_register_embedding_models_build_a_kb_and_switch_it(page, loom_server: str,
                                                            model_server: ScriptedOpenAI) -> None:
    page.goto("/models")
    for name, model, task in (("emb-a", "embed-a", "embedding"), ("emb-b", "embed-b", "embedding"),
                              ("rr", "rerank-a", "rerank")):
        fill_form(page, "add-endpoint", {"name": name, "base_url": model_server.url, "model": model, "task": task})
    rows = page.get_by_test_id("endpoint-row")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="emb-a").get_by_test_id("model-task")).to_have_text("embedding")
    expect(rows.filter(has_text="rr").get_by_test_id("model-task")).to_have_text("rerank")

    api = httpx.Client(base_url=loom_server, timeout=30)
    assert api.post("/api/knowledge-bases", json={"name": "notes", "settings": {
        "embedding": {"model": "emb-a"}}}).status_code == 201
    files = [("files", ("sea.txt", b"Whales sing songs deep in the cold ocean water.", "text/plain")),
             ("files", ("space.txt", b"The rocket reached orbit after a long countdown.", "text/plain"))]
    assert api.post("/api/knowledge-bases/notes/documents", files=files).status_code == 202

    page.goto("/knowledge")
    page.get_by_test_id("kb-card-notes").click()
    expect(page.get_by_test_id("doc-status-sea.txt")).to_have_text("ready", timeout=60_000)
    expect(page.get_by_test_id("kb-embedding-model")).to_have_text("emb-a")
    page.get_by_test_id("kb-embedding-input").fill("emb-b")
    page.get_by_test_id("kb-reembed").click()
    expect(page.get_by_test_id("kb-reembed-status")).to_contain_text("done", timeout=30_000)
    expect(page.get_by_test_id("kb-reembed-status")).to_contain_text("emb-a → emb-b: 2 / 2 chunks")
    expect(page.get_by_test_id("kb-embedding-model")).to_have_text("emb-b")

    page.get_by_test_id("kb-rerank-input").fill("rr")
    page.get_by_test_id("kb-rerank-save").click()
    for _ in range(50):  # the save, seen through the API
        if api.get("/api/knowledge-bases/notes").json()["settings"]["retrieval"]["rerank_model"] == "rr":
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the rerank model was not saved")
    page.get_by_test_id("kb-query").fill("whales ocean")
    page.get_by_test_id("kb-search").click()
    expect(page.get_by_test_id("kb-hit").first).to_contain_text("Whales")
    assert any(p.endswith("/rerank") for p in model_server.paths)
    assert {r["model"] for r, p in zip(model_server.requests, model_server.paths, strict=True)
            if p.endswith("/embeddings")} == {"embed-a", "embed-b"}
