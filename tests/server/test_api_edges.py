"""Rough edges of the HTTP API that fuzzing and probing found: each is a clear 4xx, never a 5xx, an
existence oracle or a limit that depends on the Content-Type."""

from __future__ import annotations

import pytest

from engine.spec import Services
from knowledge.errors import InvalidSettings
from knowledge.service import KnowledgeService
from nodes.plugins import ToolRegistry
from tests.helpers import chain, end, node, start, workflow
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import echo_workflow
from tests.server.test_public import bearer, published_app

HUGE = str(2 ** 70)


@pytest.mark.parametrize("path", ["/api/agents/{agent}/turns?offset={huge}", "/api/agents/{agent}/turns?limit={huge}",
                                  "/api/runs?offset={huge}", "/api/runs?offset=-1"])
async def test_paging_beyond_the_database_integer_range_is_422(client, path):
    agent_id = (await client.post("/api/agents", json={"name": "helper"})).json()["id"]
    response = await client.get(path.format(agent=agent_id, huge=HUGE))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] in ("offset", "limit")


async def test_agent_conversation_messages_answer_401_without_a_key_whether_or_not_the_id_exists(client):
    agent_id = (await client.post("/api/agents", json={"name": "helper"})).json()["id"]
    await client.post(f"/api/agents/{agent_id}/publish")
    key = (await client.post(f"/api/agents/{agent_id}/keys")).json()["key"]
    auth = {"Authorization": f"Bearer {key}"}
    reply = (await client.post(f"/v1/agents/{agent_id}/chat", json={"query": "hi"}, headers=auth)).json()
    real = reply["conversation_id"]  # no model here: the turn fails, the conversation exists all the same
    for conversation_id in (real, "no-such-conversation"):
        for headers in ({}, {"Authorization": "Bearer not-a-key"}):
            response = await client.get(f"/v1/agent-conversations/{conversation_id}/messages", headers=headers)
            assert response.status_code == 401, (conversation_id, headers, response.text)
    assert (await client.get(f"/v1/agent-conversations/{real}/messages", headers=auth)).status_code == 200
    missing = await client.get("/v1/agent-conversations/no-such-conversation/messages", headers=auth)
    assert missing.status_code == 404


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=x", "MULTIPART/form-data; boundary=x",
                                          "text/plain", "application/octet-stream", None])
async def test_the_json_body_limit_applies_whatever_the_content_type(data_dir, content_type):
    async with running_app(data_dir, max_body_bytes=1000) as app, asgi_client(app) as client:
        headers = {"Content-Type": content_type} if content_type else {}
        response = await client.post("/api/workflows", content=b"--x\r\n" + b"a" * 5000, headers=headers)
        assert response.status_code == 413, response.text
        assert "over the limit of 1,000 bytes" in response.json()["detail"]
        # Where a file is expected, multipart bodies get the upload limit.
        uploaded = await client.post("/api/files", files={"file": ("notes.txt", b"n" * 5000, "text/plain")})
        assert uploaded.status_code == 201, uploaded.text


def named(**fields) -> dict:
    return {**echo_workflow(), **fields}


@pytest.mark.parametrize(("path", "body", "where"), [
    ("/api/workflows", named(name="echo\x00"), "name"),
    ("/api/workflows", named(name="line\nbreak"), "name"),
    ("/api/workflows", workflow([{**start("text"), "title": "St\x07art"}, end(text="start.text")],
                                chain("start", "end")), "title"),
    ("/api/agents", {"name": "helper\x1b[31m"}, "name"),
    ("/api/workflows/{workflow}/keys", {"name": "site\x00"}, "name"),
    ("/api/templates/any-template", {"name": "copy\r"}, "name"),
], ids=["workflow-nul", "workflow-newline", "node-title", "agent-escape", "key-nul", "template-cr"])
async def test_control_characters_in_names_are_rejected(client, path, body, where):
    workflow_id = (await client.post("/api/workflows", json=echo_workflow())).json()["id"]
    response = await client.post(path.format(workflow=workflow_id), json=body)
    assert response.status_code == 422, response.text
    assert "must not contain control characters (U+" in response.text and where in response.text


async def test_single_node_debug_uses_literal_inputs(client):
    flow = workflow([start("text"), node("join", "variable-aggregator", {"a": {"value": "fixed"}, "b": "start.text"}),
                     end(out="join.output")], chain("start", "join", "end"))
    workflow_id = (await client.post("/api/workflows", json=flow)).json()["id"]
    response = await client.post(f"/api/workflows/{workflow_id}/nodes/join/run", json={"inputs": {}})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "succeeded" and response.json()["outputs"] == {"output": "fixed"}
    assert response.json()["inputs"] == {"a": "fixed", "b": None}


@pytest.mark.parametrize(("path", "body"), [
    ("/api/models", {"kind": "endpoint", "name": "gpt\n", "base_url": "http://127.0.0.1:9/v1", "model": "m"}),
    ("/api/plugins", {"name": "toy\n", "source": "openapi: 3.0.0"}),
], ids=["model", "plugin"])
async def test_identifier_names_with_a_trailing_newline_are_rejected(data_dir, path, body):
    # ``$`` in a Python pattern also matches before a final newline; the whole name must match.
    async with running_app(data_dir, services=Services(tools=ToolRegistry(data_dir))) as app, \
            asgi_client(app) as client:
        response = await client.post(path, json=body)
    assert response.status_code in (400, 422), response.text
    assert "name" in response.text


def test_a_knowledge_base_name_with_a_trailing_newline_is_rejected(data_dir):
    knowledge = KnowledgeService(data_dir)  # `loom kb create` reaches the service without the API's checks
    with pytest.raises(InvalidSettings, match="invalid knowledge base name"):
        knowledge.create("poems\n")
    knowledge.close()


@pytest.mark.parametrize(("mode", "body"), [
    ("blocking", b'{"inputs": {"text": "a\\ud800b"}}'),
    ("streaming", b'{"inputs": {"text": "\\udfff"}, "response_mode": "streaming"}'),
    ("async", b'{"inputs": {"text": "ok"}, "user": "\\ud83d", "response_mode": "async"}'),
])
async def test_a_lone_surrogate_in_a_run_request_is_a_422_naming_it_not_a_crashed_run(client, mode, body):
    workflow_id, key = await published_app(client, echo_workflow())
    response = await client.post(f"/v1/workflows/{workflow_id}/run", content=body,
                                 headers={"content-type": "application/json", **bearer(key)})
    assert response.status_code == 422, response.text
    assert "lone UTF-16 surrogate" in response.text
    assert (await client.get(f"/api/runs?workflow_id={workflow_id}")).json()["total"] == 0  # no run was started
