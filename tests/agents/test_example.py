"""The seed's AI research assistant (apps/research-assistant.agent.json), end to end: imported as is, it reads
an uploaded document with ``read_file`` and asks the research-assistant workflow (a small published stand-in
here) in one parallel step, then answers; the scripted model server issues the real ``tool_calls``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.spec import AgentConfig
from knowledge.service import KnowledgeService
from tests.agents.conftest import call, services_for
from tests.agents.test_knowledge import NOTES
from tests.doubles.openai_server import Reply
from tests.helpers import chain, end, start, workflow
from tests.server.conftest import asgi_client, running_app

APP = Path(__file__).resolve().parents[2] / "apps" / "research-assistant.agent.json"
PAPER = "LoRA freezes the base weights and trains two small low-rank matrices, so optimizer state shrinks."


def stand_in_workflow() -> dict:
    """Named like the seed's workflow; answers with a fixed note about the query."""
    nodes = [start({"name": "query", "type": "string", "required": True}),
             end(answer="start.query")]
    definition = workflow(nodes, chain("start", "end"), name="AI研读研究助手")
    definition["nodes"][-1]["config"] = {"answer_template": "知识库笔记：{{answer}} 与低秩适配有关。"}
    return definition


@pytest.fixture
async def client(data_dir, openai_server):
    knowledge = KnowledgeService(data_dir)
    knowledge.create("academic")
    knowledge.add_document("academic", "storage.txt", NOTES["storage.txt"].encode())
    services = services_for(data_dir, openai_server.url, knowledge=knowledge)
    async with running_app(data_dir, services=services) as app, asgi_client(app) as client:
        yield client
    await services.llm.aclose()
    await services.tools.aclose()
    knowledge.close()


def test_the_example_is_a_valid_agent_app():
    config = AgentConfig.model_validate_json(APP.read_text(encoding="utf-8"))
    assert [s.type for s in config.skills] == ["plugin", "workflow"]
    assert config.opening_statement == "我是AI学术助手，请上传文档或提出问题"


async def test_research_assistant_reads_the_upload_and_asks_the_workflow(client, openai_server):
    workflow_id = (await client.post("/api/workflows", json=stand_in_workflow())).json()["id"]
    await client.post(f"/api/workflows/{workflow_id}/publish")
    imported = (await client.post("/api/agents/import", json=json.loads(APP.read_text(encoding="utf-8")))).json()
    assert imported["issues"] == []
    agent_id = imported["id"]
    upload = (await client.post("/api/files", files={"file": ("lora.txt", PAPER.encode(), "text/plain")})).json()

    def model(body: dict) -> Reply | str:
        if not any(m["role"] == "tool" for m in body["messages"]):
            attached = next(m["content"] for m in body["messages"] if "attached these files" in m["content"])
            file = json.loads(attached.split(": ", 1)[1])[0]
            return Reply(tool_calls=[call("read_file", {"file_url": file}, "read"),
                                     call("research_assistant", {"query": "LoRA 为什么省显存"}, "ask")])
        return "LoRA 只训练低秩矩阵，所以省显存。依据：文档与知识库笔记。"

    openai_server.respond_with(model)
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={
        "query": "这篇文档的主要结论是什么？", "files": [{"file_id": upload["file_id"]}]})).json()
    assert (reply["status"], reply["answer"]) == ("succeeded",
                                                  "LoRA 只训练低秩矩阵，所以省显存。依据：文档与知识库笔记。")

    offered = [t["function"]["name"] for t in openai_server.requests[0]["tools"]]
    assert offered == ["read_file", "research_assistant", "search_knowledge"]
    assert openai_server.requests[0]["messages"][0]["content"].startswith("# 角色")
    results = {m["tool_call_id"]: json.loads(m["content"]) for m in openai_server.requests[1]["messages"]
               if m["role"] == "tool"}
    assert results["read"]["text"].strip() == PAPER and results["read"]["name"] == "lora.txt"
    assert results["ask"] == {"answer": "知识库笔记：LoRA 为什么省显存 与低秩适配有关。"}
    trace = (await client.get(f"/api/agent-turns/{reply['run_id']}")).json()["trace"]
    assert {s.get("source") for s in trace if s["kind"] == "tool"} == {"read_file/read_file", workflow_id}
