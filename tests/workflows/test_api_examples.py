"""The example workflows through the public /v1 API: made from templates, published, called with an app key,
blocking and streaming (chat apps through /v1/apps/{id}/chat), against a seed-like model (test double)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from server.services import build_services, close_services
from tests.doubles.openai_server import ScriptedOpenAI
from tests.server.conftest import asgi_client, running_app


@pytest.fixture
async def client(tmp_path: Path, seed_model: ScriptedOpenAI) -> AsyncIterator[httpx.AsyncClient]:
    services = build_services(tmp_path / "api-data", sandbox_size=1)
    services.llm = Gateway({"default": EndpointModel(name="default", base_url=seed_model.url, model="seed")})
    try:
        async with running_app(tmp_path / "api-data", services=services) as app, asgi_client(app) as client:
            client.timeout = httpx.Timeout(300)
            yield client
    finally:
        await close_services(services)


async def publish(client: httpx.AsyncClient, template_id: str) -> tuple[str, dict[str, str]]:
    """A workflow from the template, published, and the headers of a fresh app key for it."""
    created = await client.post(f"/api/templates/{template_id}")
    assert created.status_code == 201, created.text
    workflow_id = created.json()["id"]
    assert (await client.post(f"/api/workflows/{workflow_id}/publish")).status_code in (200, 201)
    key = (await client.post(f"/api/workflows/{workflow_id}/keys", json={"name": "test"})).json()["key"]
    return workflow_id, {"Authorization": f"Bearer {key}"}


def sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    frames = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in lines:
            frames.append((lines.get("event", "message"), json.loads(lines["data"])))
    return frames


def nodes_of(frames: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {data["node_id"]: data for event, data in frames if event == "node_finished"}


async def test_teaching_assistant_over_v1(client: httpx.AsyncClient) -> None:
    workflow_id, auth = await publish(client, "teaching-assistant")
    url = f"/v1/workflows/{workflow_id}/run"

    blocking = await client.post(url, headers=auth, json={"inputs": {"query": "请问《竹里馆》的作者是谁？"},
                                                          "response_mode": "blocking"})
    assert blocking.status_code == 200, blocking.text
    result = blocking.json()
    assert result["status"] == "succeeded" and "王维" in result["outputs"]["answer"]
    trace = (await client.get(f"/v1/runs/{result['run_id']}", headers=auth)).json()
    assert trace["status"] == "succeeded"

    streaming = await client.post(url, headers=auth, json={"inputs": {"query": "光合作用是什么？"},
                                                           "response_mode": "streaming"})
    frames = sse(streaming.text)
    assert frames[0][0] == "run_started" and frames[-1][0] == "run_finished"
    nodes = nodes_of(frames)
    assert nodes["kb"]["outputs"]["output_list"] == [] and nodes["check"]["branch"] == "else"
    assert nodes["polish"]["status"] == "skipped" and nodes["merge"]["inputs"]["str1"] is None
    assert any(event == "text_chunk" and data["node_id"] == "ai" for event, data in frames)
    assert frames[-1][1]["outputs"]["answer"].endswith("（此回答由AI生成）")


async def test_faq_intent_over_v1(client: httpx.AsyncClient) -> None:
    workflow_id, auth = await publish(client, "faq-intent")
    url = f"/v1/workflows/{workflow_id}/run"
    matched = (await client.post(url, headers=auth, json={"inputs": {"query": "怎么注销掉我的信用卡"},
                                                           "response_mode": "blocking"})).json()
    assert matched["outputs"]["matched"] == "如何删除银行卡"
    assert matched["outputs"]["answer"].startswith("进入“我的 > 银行卡”")
    frames = sse((await client.post(url, headers=auth, json={"inputs": {"query": "怎么换信用卡"},
                                                            "response_mode": "streaming"})).text)
    nodes = nodes_of(frames)
    assert nodes["route"]["branch"] == "no_match" and nodes["faq"]["status"] == "skipped"
    assert frames[-1][1]["outputs"]["answer"].startswith("抱歉")


async def test_research_assistant_chat_over_v1(client: httpx.AsyncClient, seed_model: ScriptedOpenAI) -> None:
    workflow_id, auth = await publish(client, "research-assistant")
    app = (await client.get(f"/v1/apps/{workflow_id}", headers=auth)).json()
    assert app["opening_statement"] == "我是AI学术助手，请上传文档或提出问题" and app["suggested_questions"]

    first = await client.post(f"/v1/apps/{workflow_id}/chat", headers=auth,
                              json={"query": "什么是检索增强生成？", "response_mode": "blocking"})
    assert first.status_code == 200, first.text
    reply = first.json()
    assert reply["answer"].startswith("## 回答\n\n根据参考资料：# 检索增强生成（RAG）")

    frames = sse((await client.post(f"/v1/apps/{workflow_id}/chat", headers=auth, json={
        "query": "LoRA 微调为什么省显存？", "conversation_id": reply["conversation_id"],
        "response_mode": "streaming"})).text)
    assert frames[0][0] == "conversation" and frames[-1][0] == "message"
    nodes = nodes_of(frames)
    assert nodes["has_doc"]["branch"] == "else" and nodes["found"]["branch"] == "yes"
    assert nodes["kb"]["outputs"]["output_list"][0]["document"] == "lora.md"
    assert "LoRA" in frames[-1][1]["answer"]
    messages = (await client.get(f"/v1/conversations/{reply['conversation_id']}/messages", headers=auth)).json()
    assert [m["query"] for m in messages["items"]] == ["什么是检索增强生成？", "LoRA 微调为什么省显存？"]
