"""The event-stream wire format (docs/api.md "Runs and events"): each event an ``event:``/``id:``/``data:``
frame whose id is its seq, frames without a seq (chat's ``conversation`` and ``message``) without one,
and ``: ping`` comments on a quiet stream; a client reconnects with the last id it saw as ``after``."""

from __future__ import annotations

import json
from typing import Any

import httpx

from server.api import sse
from tests.server.helpers import chat_workflow, parse_sse, sleepy_workflow


def blocks(body: str) -> list[dict[str, Any]]:
    """Each frame of an SSE body as its fields (a comment under ':'), data parsed as JSON."""
    frames = []
    for block in body.split("\n\n"):
        if not block:
            continue
        fields: dict[str, Any] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            fields[name] = json.loads(value) if name == "data" else value
        frames.append(fields)
    return frames


async def create(client: httpx.AsyncClient, definition: dict[str, Any]) -> str:
    response = await client.post("/api/workflows", json=definition)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_run_frames_carry_their_seq_as_id_and_a_quiet_stream_is_pinged(live_server, monkeypatch) -> None:
    monkeypatch.setattr(sse, "PING_S", 0.1)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        workflow_id = await create(client, sleepy_workflow(seconds=0.6))
        async with client.stream("POST", f"/api/workflows/{workflow_id}/runs",
                                 json={"inputs": {"text": "x"}, "response_mode": "streaming"}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            body = (await response.aread()).decode()
        frames = blocks(body)
        pings = [f for f in frames if "" in f]
        events = [f for f in frames if "" not in f]
        assert pings and all(set(f) == {""} and f[""].startswith("ping") for f in pings)
        assert [f["event"] for f in events][0] == "run_started" and events[-1]["event"] == "run_finished"
        assert all(f["id"] == str(f["data"]["seq"]) and f["event"] == f["data"]["type"] for f in events)
        assert parse_sse(body) == [(f["event"], f["data"]) for f in events]  # pings change nothing for readers

        # Reconnect with the id of the third frame: the later frames, with the same ids.
        run_id, last_id = events[0]["data"]["run_id"], events[2]["id"]
        again = blocks((await client.get(f"/api/runs/{run_id}/events", params={"after": last_id})).text)
        assert [f["id"] for f in again] == [f["id"] for f in events[3:]]


async def test_chat_frames_without_a_seq_have_no_id(client: httpx.AsyncClient) -> None:
    workflow_id = await create(client, chat_workflow())
    response = await client.post(f"/api/workflows/{workflow_id}/chat",
                                 json={"query": "hi", "response_mode": "streaming"})
    frames = blocks(response.text)
    assert frames[0]["event"] == "conversation" and "id" not in frames[0]
    assert frames[-1]["event"] == "message" and "id" not in frames[-1]
    assert frames[-1]["data"]["answer"].startswith("you said hi")
    assert [f["id"] for f in frames[1:-1]] == [str(n) for n in range(1, len(frames) - 1)]
