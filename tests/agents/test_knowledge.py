"""Knowledge in agent apps, with a real knowledge base (bundled MiniLM embeddings, FAISS, BM25): retrieved
before the answer (``auto``) or searched by the model through ``search_knowledge`` (``tool``)."""

from __future__ import annotations

import json

import pytest

from knowledge.service import KnowledgeService
from tests.agents.conftest import call, create_agent, services_for
from tests.doubles.openai_server import Reply
from tests.server.conftest import asgi_client, running_app

NOTES = {"storage.txt": "Loom stores vectors in FAISS files beside the SQLite database.",
         "plugins.txt": "The seed's research assistant reads papers with the Read_File plugin.",
         "fruit.txt": "Bananas are yellow when ripe."}


@pytest.fixture
async def client(data_dir, openai_server):
    knowledge = KnowledgeService(data_dir)
    knowledge.create("notes")
    for filename, text in NOTES.items():
        knowledge.add_document("notes", filename, text.encode())
    services = services_for(data_dir, openai_server.url, knowledge=knowledge)
    async with running_app(data_dir, services=services) as app, asgi_client(app) as client:
        yield client
    await services.llm.aclose()
    await services.tools.aclose()
    knowledge.close()


async def test_auto_mode_adds_references_before_the_answer(client, openai_server):
    openai_server.push("In FAISS files.")
    agent_id = await create_agent(client, knowledge={"knowledge_bases": ["notes"], "mode": "auto", "top_k": 1})
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "Where are vectors stored?"})).json()
    assert reply["answer"] == "In FAISS files."
    system = [m["content"] for m in openai_server.requests[0]["messages"] if m["role"] == "system"]
    assert "<references>" in system[1] and "FAISS" in system[1] and "Bananas" not in system[1]
    assert "tools" not in openai_server.requests[0]
    trace = (await client.get(f"/api/agent-turns/{reply['run_id']}")).json()["trace"]
    assert trace[0]["kind"] == "retrieval" and "FAISS" in trace[0]["hits"][0]["content"]


async def test_tool_mode_offers_search_knowledge(client, openai_server):
    openai_server.push(Reply(tool_calls=[call("search_knowledge", {"query": "What colour are ripe bananas?"}, "k1")]),
                       "Yellow.")
    agent_id = await create_agent(client, knowledge={"knowledge_bases": ["notes"], "mode": "tool", "top_k": 1})
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "What colour are ripe bananas?"})).json()
    assert reply["answer"] == "Yellow."
    assert [t["function"]["name"] for t in openai_server.requests[0]["tools"]] == ["search_knowledge"]
    hits = json.loads([m for m in openai_server.requests[1]["messages"] if m["role"] == "tool"][0]["content"])
    assert len(hits) == 1 and "Bananas" in hits[0]["content"] and hits[0]["document"] == "fruit.txt"
