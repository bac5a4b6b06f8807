"""Conversation variables in chat apps: values kept per conversation across turns, isolated between
conversations, unchanged by a failed turn, deleted with their conversation; answers stream as answer_chunk
frames and make the reply; migration 0009 on a database at the previous head."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.db.conversation_variables import ConversationVariables
from tests.helpers import edge, lit, node, ref, workflow
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import parse_sse
from tests.server.migrations import database_at, downgrade, scalar, tables, workflow_row

PREVIOUS_HEAD = "0007_evaluation"
WF = "c" * 32


def counter_app() -> dict[str, Any]:
    """Each turn counts itself and remembers the query; a query "fail" fails the turn after the assigner ran."""
    assign = node("assign", "variable-assigner", config={"items": [
        {"variable": ref("conversation.turns"), "operation": "increment"},
        {"variable": ref("conversation.seen"), "operation": "append", "value": ref("sys.query")}]})
    check = node("check", "if-else", config={"cases": [
        {"id": "fail", "conditions": [{"left": ref("sys.query"), "op": "eq", "right": lit("fail")}]}]})
    reply = node("reply", "answer", {"n": "conversation.turns", "seen": "conversation.seen"},
                 config={"text": "Turn {{n}}; seen {{seen}}"})
    broken = node("broken", "sleep", config={"fail_times": 99})
    return workflow([node("start", "start"), assign, check, reply, broken, node("end", "end")],
                    [edge("start", "assign"), edge("assign", "check"), edge("check", "broken", "fail"),
                     edge("check", "reply", "else"), edge("broken", "end"), edge("reply", "end")],
                    name="counter", mode="chat",
                    conversation_variables=[{"name": "turns", "type": "number", "default": 0},
                                            {"name": "seen", "type": "array[string]"}])


async def send(client: Any, workflow_id: str, query: str, conversation_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return (await client.post(f"/api/workflows/{workflow_id}/chat", json=body)).json()


async def test_values_persist_per_conversation_and_a_failed_turn_changes_none(data_dir: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        workflow_id = (await client.post("/api/workflows", json=counter_app())).json()["id"]
        variables = ConversationVariables(app.state.loom.store.engine)
        first = await send(client, workflow_id, "a")
        assert first["status"] == "succeeded" and first["answer"] == "Turn 1; seen a"
        a = first["conversation_id"]
        assert (await send(client, workflow_id, "b", a))["answer"] == "Turn 2; seen a\nb"
        other = await send(client, workflow_id, "x")  # a new conversation starts from the defaults
        assert other["answer"] == "Turn 1; seen x" and other["conversation_id"] != a
        failed = await send(client, workflow_id, "fail", a)
        assert failed["status"] == "failed"
        assert variables.load(a) == {"turns": 2, "seen": ["a", "b"]}
        assert (await send(client, workflow_id, "c", a))["answer"] == "Turn 3; seen a\nb\nc"
        assert variables.load(other["conversation_id"]) == {"turns": 1, "seen": ["x"]}
        shown = await client.get(f"/api/conversations/{a}/variables")
        assert shown.json() == {"variables": {"turns": 3, "seen": ["a", "b", "c"]}}
        assert (await client.get("/api/conversations/nope/variables")).status_code == 404
        assert (await client.delete(f"/api/conversations/{a}")).status_code == 204
        assert variables.load(a) == {}


async def test_answers_stream_as_answer_chunks_and_make_the_reply(data_dir: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        workflow_id = (await client.post("/api/workflows", json=counter_app())).json()["id"]
        streamed = await client.post(f"/api/workflows/{workflow_id}/chat",
                                     json={"query": "hello", "response_mode": "streaming"})
        frames = parse_sse(streamed.text)
        chunks = [d["delta"] for kind, d in frames if kind == "answer_chunk"]
        assert chunks == ["Turn ", "1", "; seen ", "hello"]
        finished = next(d for kind, d in frames if kind == "run_finished")
        assert finished["answer"] == "Turn 1; seen hello"
        assert finished["conversation"] == {"turns": 1, "seen": ["hello"]}
        assert frames[-1][0] == "message" and frames[-1][1]["answer"] == "Turn 1; seen hello"


async def test_migration_from_the_previous_head_keeps_conversations_and_downgrades(data_dir: Path) -> None:
    url = database_at(data_dir, PREVIOUS_HEAD, [
        workflow_row(WF, json.dumps(counter_app()), name="counter"),
        ("INSERT INTO apps (id, kind, created_at) VALUES (:id, 'workflow', :t)", {"id": WF}),
        ("INSERT INTO app_conversations (id, app_id, source, \"user\", name, created_at, updated_at) "
         "VALUES ('conv1', :id, 'console', NULL, 'old', :t, :t)", {"id": WF})])
    assert "app_conversation_variables" not in tables(url)

    async with running_app(data_dir) as app, asgi_client(app) as client:  # the server upgrades on start
        reply = await send(client, WF, "hi", "conv1")  # an existing conversation starts from the defaults
        assert reply["status"] == "succeeded" and reply["answer"] == "Turn 1; seen hi"
        assert ConversationVariables(app.state.loom.store.engine).load("conv1") == {"turns": 1, "seen": ["hi"]}

    downgrade(url, PREVIOUS_HEAD)
    assert scalar(url, "SELECT name FROM app_conversations WHERE id = 'conv1'") == "old"
    assert "app_conversation_variables" not in tables(url)


async def test_single_node_debug_of_the_assigner_and_the_answer(data_dir: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        workflow_id = (await client.post("/api/workflows", json=counter_app())).json()["id"]
        assigned = await client.post(f"/api/workflows/{workflow_id}/nodes/assign/run", json={"inputs": {
            "conversation.turns": 4, "conversation.seen": ["a"], "sys.query": "b"}})
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["status"] == "succeeded"
        assert assigned.json()["outputs"] == {"turns": 5, "seen": ["a", "b"]}
        replied = await client.post(f"/api/workflows/{workflow_id}/nodes/reply/run",
                                    json={"inputs": {"n": 2, "seen": ["x"]}})
        assert replied.json()["outputs"] == {"answer": "Turn 2; seen x"}
