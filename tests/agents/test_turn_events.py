"""Following an agent turn after its POST: ``GET /api/agent-turns/{turn_id}/events`` (and ``/v1/...`` with a key
of the turn's app) replays a running or recent turn's events after ``?after=`` or the ``Last-Event-ID`` header
that EventSource sends on reconnect, then follows it live until it finishes."""

from __future__ import annotations

import httpx

from server.agents import chat
from server.app import create_app
from server.eventlog import MemoryEventLog
from server.settings import Settings
from tests.agents.conftest import create_agent
from tests.doubles.openai_server import Reply
from tests.helpers import catalog_with_test_nodes
from tests.server.conftest import LiveServer
from tests.server.helpers import parse_sse


async def seqs(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [data["seq"] for _, data in parse_sse(response.text)]


async def start_turn(client: httpx.AsyncClient, agent_id: str, path: str = "/api/agents/{}/chat",
                     **headers: str) -> str:
    response = await client.post(path.format(agent_id), headers=headers,
                                 json={"query": "time?", "response_mode": "async"})
    assert response.status_code == 202, response.text
    return response.json()["run_id"]


async def test_a_finished_turn_resumes_after_the_last_event_id_and_the_query_parameter_wins(client, openai_server):
    openai_server.push(Reply(content="It is noon in UTC.", chunk_size=4))
    turn_id = await start_turn(client, await create_agent(client))
    every = await seqs(await client.get(f"/api/agent-turns/{turn_id}/events"))  # ends when the turn does
    assert every == list(range(1, len(every) + 1)) and len(every) > 4
    events = f"/api/agent-turns/{turn_id}/events"
    assert await seqs(await client.get(events, headers={"Last-Event-ID": "3"})) == every[3:]
    assert await seqs(await client.get(events, params={"after": 1}, headers={"Last-Event-ID": "3"})) == every[1:]
    refused = await client.get(events, headers={"Last-Event-ID": "three"})
    assert refused.status_code == 400 and "Last-Event-ID" in refused.json()["detail"]
    missing = await client.get("/api/agent-turns/nope/events")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


async def test_the_public_stream_opens_only_the_turns_of_the_keys_app(client, openai_server):
    openai_server.push("hello", "hello again")
    first, second = await create_agent(client), await create_agent(client)
    keys = {}
    for agent_id in (first, second):
        await client.post(f"/api/agents/{agent_id}/publish")
        keys[agent_id] = {"Authorization": "Bearer " + (await client.post(f"/api/agents/{agent_id}/keys",
                                                                         json={"name": "k"})).json()["key"]}
    turn_id = await start_turn(client, first, "/v1/apps/{}/chat", **keys[first])
    every = await seqs(await client.get(f"/v1/agent-turns/{turn_id}/events", headers=keys[first]))
    resumed = await seqs(await client.get(f"/v1/agent-turns/{turn_id}/events",
                                          headers={**keys[first], "Last-Event-ID": "2"}))
    assert resumed == every[2:]
    other = await client.get(f"/v1/agent-turns/{turn_id}/events", headers=keys[second])
    assert other.status_code == 404
    assert (await client.get(f"/v1/agent-turns/{turn_id}/events")).status_code == 401


async def test_a_live_turn_stream_resumes_after_the_last_event_id(data_dir, services, openai_server):
    openai_server.push(Reply(content="Spring rain on the quiet river.", chunk_size=2, chunk_delay_s=0.05))
    app = create_app(Settings(data_dir=data_dir), services=services, catalog=catalog_with_test_nodes())
    with LiveServer(app) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            turn_id = await start_turn(client, await create_agent(client))
            first: list[str] = []
            async with client.stream("GET", f"/api/agent-turns/{turn_id}/events") as response:
                async for line in response.aiter_lines():  # the connection drops after three events
                    if line.startswith("id: "):
                        first.append(line.removeprefix("id: "))
                    if len(first) == 3:
                        break
            resumed = parse_sse((await client.get(f"/api/agent-turns/{turn_id}/events",
                                                  headers={"Last-Event-ID": first[-1]})).text)
            assert resumed[-1][0] == "turn_finished"
            every = await seqs(await client.get(f"/api/agent-turns/{turn_id}/events"))
    assert [int(i) for i in first] + [d["seq"] for _, d in resumed] == every == list(range(1, len(every) + 1))


def test_past_its_bound_the_server_forgets_the_oldest_finished_turns(monkeypatch):
    monkeypatch.setattr(chat, "KEPT_TURNS", 2)
    turns: dict[str, chat.LiveTurn] = {}
    running = chat.LiveTurn("c", "t0", "a", MemoryEventLog())
    chat._remember(turns, running)
    for n in range(1, 4):
        done = chat.LiveTurn("c", f"t{n}", "a", MemoryEventLog(), done=True)
        chat._remember(turns, done)
    assert list(turns) == ["t0", "t3"]  # a running turn is never forgotten
