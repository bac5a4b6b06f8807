"""The public API /v1 with per-app keys, and chat apps with conversations."""

from __future__ import annotations

import httpx

from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import chat_workflow, echo_workflow, parse_sse, sleepy_workflow


async def published_app(client, definition) -> tuple[str, str]:
    workflow_id = (await client.post("/api/workflows", json=definition)).json()["id"]
    assert (await client.post(f"/api/workflows/{workflow_id}/publish")).status_code == 201
    key = (await client.post(f"/api/workflows/{workflow_id}/keys", json={"name": "ci"})).json()["key"]
    return workflow_id, key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_keys_are_shown_once_listed_by_prefix_and_revocable(client):
    workflow_id, key = await published_app(client, echo_workflow())
    listed = (await client.get(f"/api/workflows/{workflow_id}/keys")).json()["items"]
    assert len(listed) == 1 and "key" not in listed[0] and key.startswith(listed[0]["prefix"])
    run = await client.post(f"/v1/workflows/{workflow_id}/run", json={"inputs": {"text": "a"}}, headers=bearer(key))
    assert run.status_code == 200 and run.json()["outputs"] == {"text": "a"}

    revoked = await client.delete(f"/api/workflows/{workflow_id}/keys/{listed[0]['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    after = await client.post(f"/v1/workflows/{workflow_id}/run", json={"inputs": {"text": "a"}},
                              headers=bearer(key))
    assert after.status_code == 401


async def test_auth_errors_401_403(client):
    workflow_id, key = await published_app(client, echo_workflow())
    other_id, other_key = await published_app(client, echo_workflow("other"))
    body = {"inputs": {"text": "a"}}
    missing = await client.post(f"/v1/workflows/{workflow_id}/run", json=body)
    assert missing.status_code == 401 and "Bearer" in missing.json()["detail"]
    wrong = await client.post(f"/v1/workflows/{workflow_id}/run", json=body, headers=bearer("loom-nope"))
    assert wrong.status_code == 401
    other = await client.post(f"/v1/workflows/{workflow_id}/run", json=body, headers=bearer(other_key))
    assert other.status_code == 403 and "another app" in other.json()["detail"]
    run_id = (await client.post(f"/v1/workflows/{workflow_id}/run", json=body, headers=bearer(key))).json()["run_id"]
    assert (await client.get(f"/v1/runs/{run_id}", headers=bearer(other_key))).status_code == 403


async def test_unpublished_app_is_409(client):
    workflow_id = (await client.post("/api/workflows", json=echo_workflow())).json()["id"]
    key = (await client.post(f"/api/workflows/{workflow_id}/keys")).json()["key"]
    response = await client.post(f"/v1/workflows/{workflow_id}/run", json={"inputs": {}}, headers=bearer(key))
    assert response.status_code == 409 and "publish" in response.json()["detail"]


async def test_public_async_poll_events_and_stop(client):
    workflow_id, key = await published_app(client, sleepy_workflow(seconds=30))
    accepted = await client.post(f"/v1/workflows/{workflow_id}/run",
                                 json={"inputs": {"text": "x"}, "response_mode": "async"}, headers=bearer(key))
    assert accepted.status_code == 202
    run_id = accepted.json()["run_id"]
    assert (await client.get(f"/v1/runs/{run_id}", headers=bearer(key))).json()["status"] == "running"
    assert (await client.post(f"/v1/runs/{run_id}/stop", headers=bearer(key))).status_code == 202
    events = parse_sse((await client.get(f"/v1/runs/{run_id}/events", headers=bearer(key))).text)
    assert events[-1][0] == "run_finished" and events[-1][1]["status"] == "stopped"
    assert (await client.get(f"/v1/runs/{run_id}", headers=bearer(key))).json()["status"] == "stopped"


async def test_too_many_concurrent_runs_is_429(data_dir):
    async with running_app(data_dir, max_concurrent_runs_per_app=2) as app, asgi_client(app) as client:
        workflow_id, key = await published_app(client, sleepy_workflow(seconds=30))
        body = {"inputs": {"text": "x"}, "response_mode": "async"}
        for _ in range(2):
            ok = await client.post(f"/v1/workflows/{workflow_id}/run", json=body, headers=bearer(key))
            assert ok.status_code == 202
        over = await client.post(f"/v1/workflows/{workflow_id}/run", json=body, headers=bearer(key))
        assert over.status_code == 429 and "2 runs in flight" in over.json()["detail"]


async def test_public_streaming_over_live_uvicorn(live_server):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        workflow_id, key = await published_app(client, echo_workflow())
        response = await client.post(f"/v1/workflows/{workflow_id}/run", headers=bearer(key),
                                     json={"inputs": {"text": "s"}, "response_mode": "streaming"})
        frames = parse_sse(response.text)
        assert [k for k, _ in frames] == ["run_started", "node_started", "node_finished", "node_started",
                                          "node_finished", "run_finished"]
        assert frames[-1][1]["outputs"] == {"text": "s"}


async def test_chat_app_keeps_history_and_lists_conversations(client):
    workflow_id, key = await published_app(client, chat_workflow())
    app = (await client.get(f"/v1/apps/{workflow_id}", headers=bearer(key))).json()
    assert app["opening_statement"] == "Hi!" and app["suggested_questions"] == ["What is Loom?"]

    first = await client.post(f"/v1/apps/{workflow_id}/chat", json={"query": "hello", "user": "u1"},
                              headers=bearer(key))
    assert first.status_code == 200, first.text
    reply = first.json()
    assert reply["answer"] == "you said hello; history " and reply["status"] == "succeeded"
    second = (await client.post(f"/v1/apps/{workflow_id}/chat", headers=bearer(key), json={
        "query": "again", "conversation_id": reply["conversation_id"]})).json()
    assert second["conversation_id"] == reply["conversation_id"]
    history = second["answer"].split("history ", 1)[1]
    assert "hello" in history and "you said hello" in history  # both sides of turn one

    conversations = (await client.get(f"/v1/apps/{workflow_id}/conversations", headers=bearer(key))).json()
    assert [c["id"] for c in conversations["items"]] == [reply["conversation_id"]]
    messages = (await client.get(f"/v1/conversations/{reply['conversation_id']}/messages",
                                 headers=bearer(key))).json()["items"]
    assert [m["query"] for m in messages] == ["hello", "again"]
    assert messages[1]["run_id"] == second["run_id"]

    unknown = await client.post(f"/v1/apps/{workflow_id}/chat", headers=bearer(key),
                                json={"query": "x", "conversation_id": "nope"})
    assert unknown.status_code == 404


async def test_chat_streaming_ends_with_the_reply(client):
    workflow_id, key = await published_app(client, chat_workflow())
    response = await client.post(f"/v1/apps/{workflow_id}/chat", headers=bearer(key),
                                 json={"query": "stream me", "response_mode": "streaming"})
    frames = parse_sse(response.text)
    assert frames[0][0] == "conversation" and frames[1][0] == "run_started"
    assert frames[-1][0] == "message" and frames[-1][1]["answer"].startswith("you said stream me")
    assert frames[-1][1]["conversation_id"] == frames[0][1]["conversation_id"]


async def test_workflow_mode_app_refuses_chat(client):
    workflow_id, key = await published_app(client, echo_workflow())
    response = await client.post(f"/v1/apps/{workflow_id}/chat", headers=bearer(key), json={"query": "x"})
    assert response.status_code == 400 and "not a chat app" in response.json()["detail"]


async def test_console_chat_preview_uses_the_draft(client):
    workflow_id = (await client.post("/api/workflows", json=chat_workflow())).json()["id"]
    reply = (await client.post(f"/api/workflows/{workflow_id}/chat", json={"query": "draft"})).json()
    assert reply["answer"].startswith("you said draft")
    messages = (await client.get(f"/api/conversations/{reply['conversation_id']}/messages")).json()["items"]
    assert messages[0]["answer"] == reply["answer"]
    info = (await client.get(f"/api/workflows/{workflow_id}/app")).json()
    assert info["mode"] == "chat"


async def test_a_key_records_its_last_use_at_most_once_a_minute(app, client, monkeypatch):
    import asyncio

    from server.db import store as store_module

    workflow_id, key = await published_app(client, echo_workflow())
    writes: list[float] = []
    state = app.state.loom
    record = state.store.record_key_use
    monkeypatch.setattr(state.store, "record_key_use",
                        lambda key_id, now, interval_s: writes.append(now) or record(key_id, now, interval_s))

    async def last_used() -> float | None:
        for _ in range(50):  # the write happens off the request, in a thread of its own
            listed = (await client.get(f"/api/workflows/{workflow_id}/keys")).json()["items"][0]
            if listed["last_used_at"] is not None:
                return listed["last_used_at"]
            await asyncio.sleep(0.02)
        return None

    assert (await client.get(f"/api/workflows/{workflow_id}/keys")).json()["items"][0]["last_used_at"] is None
    for _ in range(5):
        run = await client.post(f"/v1/workflows/{workflow_id}/run", json={"inputs": {"text": "a"}},
                                headers=bearer(key))
        assert run.status_code == 200
    first = await last_used()
    assert first is not None and len(writes) == 1

    # A minute later the next request moves it again, once.
    clock = first + store_module.KEY_USE_INTERVAL_S + 1
    monkeypatch.setattr(store_module, "key_clock", lambda: clock)
    for _ in range(3):
        await client.post(f"/v1/workflows/{workflow_id}/run", json={"inputs": {"text": "a"}}, headers=bearer(key))
    for _ in range(50):
        if len(writes) == 2:
            break
        await asyncio.sleep(0.02)
    assert writes == [first, clock]
    listed = (await client.get(f"/api/workflows/{workflow_id}/keys")).json()["items"][0]
    assert listed["last_used_at"] == clock


def test_a_key_use_is_not_recorded_again_within_the_interval_by_another_process(tmp_path):
    from server.db.store import Store

    store = Store(f"sqlite:///{tmp_path / 'loom.db'}")
    store.migrate()
    workflow_id = store.create_workflow(echo_workflow()).id
    row, _ = store.create_key(workflow_id, "ci")
    assert store.record_key_use(row.id, 1000.0, 60) is True
    assert store.record_key_use(row.id, 1030.0, 60) is False  # another process, within the minute
    assert store.record_key_use(row.id, 1061.0, 60) is True
    assert store.list_keys(workflow_id)[0].last_used_at == 1061.0
