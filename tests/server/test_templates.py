"""Templates over HTTP on a fresh data directory: the example workflows are listed, each becomes a new
workflow with its bundled knowledge bases created and indexed (real parsing, MiniLM embeddings, FAISS), and
the teaching assistant runs end to end against a seed-like model on 127.0.0.1 (test double) with the real
knowledge service, code sandbox and plugins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from server.services import build_services, close_services
from server.templates import bundled_knowledge
from tests.doubles.openai_server import ScriptedOpenAI
from tests.doubles.seed_model import seed_responder
from tests.server.conftest import asgi_client, running_app

TEMPLATES = {"faq-intent": ("workflow", ["faq"]), "research-assistant": ("chat", ["academic"]),
             "teaching-assistant": ("workflow", ["yuwen"]), "ticket-router": ("workflow", []),
             "issue-digest": ("workflow", []), "grade-report": ("workflow", []),
             "support-chat": ("chat", [])}


@pytest.fixture
async def client(data_dir) -> AsyncIterator[httpx.AsyncClient]:
    services = build_services(data_dir, sandbox_size=1)
    with ScriptedOpenAI(seed_responder) as model:
        services.llm = Gateway({"default": EndpointModel(name="default", base_url=model.url, model="seed")})
        try:
            async with running_app(data_dir, services=services) as app, asgi_client(app) as client:
                client.timeout = httpx.Timeout(300)  # the first use of a template indexes its knowledge
                yield client
        finally:
            await close_services(services)


def by_id(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


async def test_templates_create_workflows_with_their_knowledge_and_run(client):
    listed = (await client.get("/api/templates")).json()["items"]
    assert {t["template_id"]: (t["mode"], t["knowledge_bases"]) for t in listed} == TEMPLATES
    assert by_id(listed, "template_id")["teaching-assistant"]["name"] == "语文智能助教"
    assert (await client.get("/api/knowledge-bases")).json()["items"] == []  # a fresh data directory

    created = {}
    for template_id, (mode, kbs) in TEMPLATES.items():
        response = await client.post(f"/api/templates/{template_id}")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["template_id"] == template_id and body["mode"] == mode
        assert body["knowledge_bases_created"] == kbs and body["definition"]["nodes"]
        created[template_id] = body
        for kb in kbs:
            documents = (await client.get(f"/api/knowledge-bases/{kb}/documents")).json()["items"]
            assert len(documents) == len(bundled_knowledge()[kb]["files"])
            assert all(d["status"] == "ready" and d["chunks"] > 0 for d in documents), documents

    # The second time, the knowledge bases exist: nothing is indexed again, and a name may be given.
    again = await client.post("/api/templates/teaching-assistant", json={"name": "我的助教"})
    assert again.status_code == 201 and again.json()["knowledge_bases_created"] == []
    assert again.json()["name"] == "我的助教" and again.json()["id"] != created["teaching-assistant"]["id"]
    workflows = (await client.get("/api/workflows")).json()["items"]
    assert len(workflows) == len(TEMPLATES) + 1

    workflow_id = created["teaching-assistant"]["id"]
    run = await client.post(f"/api/workflows/{workflow_id}/runs",
                            json={"inputs": {"query": "你好，请问《竹里馆》的作者是谁？"}})
    assert run.status_code == 200, run.text
    result = run.json()
    assert result["status"] == "succeeded", result["error"]
    answer = result["outputs"]["answer"]
    assert answer.startswith("根据参考资料：") and "王维" in answer and "（此回答由AI生成）" not in answer

    trace = by_id((await client.get(f"/api/runs/{result['run_id']}")).json()["nodes"], "node_id")
    assert trace["extract"]["outputs"]["question"] == "《竹里馆》的作者是谁？"
    retrieved = trace["kb"]["outputs"]["output_list"]
    assert "独坐幽篁里" in retrieved[0]["content"] and retrieved[0]["document"] == "question-bank.docx"
    assert trace["check"]["branch"] == "found" and trace["ai"]["status"] == "skipped"
    assert trace["merge"]["inputs"] == {"str1": trace["polish"]["outputs"]["text"], "str2": None}
    assert trace["merge"]["outputs"]["output"] == answer


async def test_unknown_template_is_404(client):
    response = await client.post("/api/templates/nope")
    assert response.status_code == 404 and "nope" in response.json()["detail"]
    bad = await client.post("/api/templates/faq-intent", json={"name": ""})
    assert bad.status_code == 422
