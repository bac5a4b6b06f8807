"""Console runs over HTTP: blocking, async + poll, SSE streaming and reconnect (live uvicorn), stop, list,
trace, single-node debug, resume, and runs interrupted by a restart."""

from __future__ import annotations

import asyncio

import httpx

from engine.spec import Services
from server.app import create_app
from server.settings import Settings
from tests.helpers import catalog_with_test_nodes
from tests.server.conftest import LiveServer, asgi_client, running_app, wait_for
from tests.server.helpers import echo_workflow, parse_sse, sleepy_workflow


async def create(client, definition) -> str:
    response = await client.post("/api/workflows", json=definition)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_blocking_run_returns_result_and_is_listed_with_its_trace(client):
    workflow_id = await create(client, echo_workflow())
    response = await client.post(f"/api/workflows/{workflow_id}/runs", json={"inputs": {"text": "hi"}})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "succeeded" and result["outputs"] == {"text": "hi"}
    assert set(result) == {"run_id", "status", "outputs", "error", "elapsed_ms", "usage"}

    runs = (await client.get("/api/runs", params={"workflow_id": workflow_id})).json()
    assert runs["total"] == 1 and runs["items"][0]["status"] == "succeeded"
    assert runs["items"][0]["elapsed_ms"] > 0 and runs["items"][0]["total_tokens"] == 0

    detail = (await client.get(f"/api/runs/{result['run_id']}")).json()
    assert [(n["node_id"], n["status"]) for n in detail["nodes"]] == [("start", "succeeded"), ("end", "succeeded")]
    assert detail["nodes"][1]["inputs"] == {"text": "hi"} and detail["nodes"][1]["outputs"] == {"text": "hi"}


async def test_failed_input_validation_fails_the_run_with_a_clear_error(client):
    workflow_id = await create(client, echo_workflow())
    result = (await client.post(f"/api/workflows/{workflow_id}/runs", json={"inputs": {"nope": 1}})).json()
    assert result["status"] == "failed"
    assert "unknown input 'nope'" in result["error"] and "input 'text' is required" in result["error"]


async def test_run_of_a_published_version_uses_that_version(client):
    workflow_id = await create(client, echo_workflow())
    await client.post(f"/api/workflows/{workflow_id}/publish")
    await client.put(f"/api/workflows/{workflow_id}", json=sleepy_workflow())
    run = (await client.post(f"/api/workflows/{workflow_id}/runs",
                             json={"inputs": {"text": "x"}, "version": 1})).json()
    assert run["outputs"] == {"text": "x"}
    listed = (await client.get("/api/runs")).json()["items"][0]
    assert listed["version"] == 1
    missing = await client.post(f"/api/workflows/{workflow_id}/runs", json={"version": 7})
    assert missing.status_code == 404


async def test_async_run_then_poll(client):
    workflow_id = await create(client, sleepy_workflow(seconds=0.2))
    accepted = await client.post(f"/api/workflows/{workflow_id}/runs",
                                 json={"inputs": {"text": "x"}, "response_mode": "async"})
    assert accepted.status_code == 202
    run_id = accepted.json()["run_id"]
    assert (await client.get(f"/api/runs/{run_id}")).json()["status"] == "running"

    async def finished():
        body = (await client.get(f"/api/runs/{run_id}")).json()
        return body if body["status"] != "running" else None

    body = await wait_for(finished)
    assert body["status"] == "succeeded" and body["outputs"]["first"] == "A"


async def test_stop_a_running_run(client):
    workflow_id = await create(client, sleepy_workflow(seconds=30))
    run_id = (await client.post(f"/api/workflows/{workflow_id}/runs",
                                json={"inputs": {"text": "x"}, "response_mode": "async"})).json()["run_id"]

    async def slow_started():
        detail = (await client.get(f"/api/runs/{run_id}")).json()
        return any(n["node_id"] == "a" for n in detail["nodes"])

    await wait_for(slow_started)
    assert (await client.post(f"/api/runs/{run_id}/stop")).status_code == 202

    async def stopped():
        return (await client.get(f"/api/runs/{run_id}")).json()["status"] == "stopped"

    await wait_for(stopped)
    again = await client.post(f"/api/runs/{run_id}/stop")
    assert again.status_code == 409 and "not running" in again.json()["detail"]


async def test_streaming_and_reconnect_from_seq_over_live_uvicorn(live_server):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        workflow_id = await create(client, sleepy_workflow(seconds=0.3))
        async with client.stream("POST", f"/api/workflows/{workflow_id}/runs",
                                 json={"inputs": {"text": "x"}, "response_mode": "streaming"}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            first, body = None, ""
            async for chunk in response.aiter_text():
                body += chunk
                if first is None and "\n\n" in body:
                    first = parse_sse(body)[0]
        frames = parse_sse(body)
        assert first[0] == "run_started"
        assert [k for k, _ in frames][-1] == "run_finished" and frames[-1][1]["status"] == "succeeded"
        assert [d["seq"] for _, d in frames] == list(range(1, len(frames) + 1))
        run_id = frames[0][1]["run_id"]

        # Reconnect after a given seq (recorded run): only the later events come back.
        replay = parse_sse((await client.get(f"/api/runs/{run_id}/events", params={"after": 3})).text)
        assert [d["seq"] for _, d in replay] == list(range(4, len(frames) + 1))

        # Reconnect to a live run mid-way.
        run_id = (await client.post(f"/api/workflows/{workflow_id}/runs",
                                    json={"inputs": {"text": "x"}, "response_mode": "async"})).json()["run_id"]
        live = parse_sse((await client.get(f"/api/runs/{run_id}/events", params={"after": 1})).text)
        assert live[0][1]["seq"] == 2 and live[-1][0] == "run_finished"


async def test_a_live_run_longer_than_its_event_log_reads_the_dropped_events_from_the_store(data_dir):
    app = create_app(Settings(data_dir=data_dir), services=Services(), catalog=catalog_with_test_nodes())
    with LiveServer(app) as server:
        app.state.loom.runs.max_events = 2  # the log holds its newest two events; the run has ten
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            workflow_id = await create(client, sleepy_workflow(seconds=0.5))
            run_id = (await client.post(f"/api/workflows/{workflow_id}/runs",
                                        json={"inputs": {"text": "x"}, "response_mode": "async"})).json()["run_id"]

            async def slow_started():
                detail = (await client.get(f"/api/runs/{run_id}")).json()
                return detail if [n["node_id"] for n in detail["nodes"]] == ["start", "a"] else None

            detail = await wait_for(slow_started)  # the trace of a live run, its first events from the store
            assert detail["status"] == "running" and detail["nodes"][1]["outputs"]["value"] == "A"
            streams = await asyncio.gather(*(client.get(f"/api/runs/{run_id}/events", params={"after": after})
                                             for after in (0, 1, 4)))
            for after, response in zip((0, 1, 4), streams, strict=True):
                frames = parse_sse(response.text)
                assert [d["seq"] for _, d in frames] == list(range(after + 1, 11))
                assert frames[-1][0] == "run_finished" and frames[-1][1]["status"] == "succeeded"


async def test_single_node_debug(client):
    workflow_id = await create(client, sleepy_workflow())
    response = await client.post(f"/api/workflows/{workflow_id}/nodes/slow/run", json={"inputs": {"prev": "P"}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded" and body["outputs"] == {"value": "done", "prev": "P"}

    unknown = await client.post(f"/api/workflows/{workflow_id}/nodes/slow/run", json={"inputs": {"zzz": 1}})
    assert unknown.status_code == 422 and "unknown debug input 'zzz'" in unknown.json()["issues"][0]["message"]
    ghost = await client.post(f"/api/workflows/{workflow_id}/nodes/ghost/run", json={"inputs": {}})
    assert ghost.status_code == 422 and ghost.json()["issues"][0]["node_id"] == "ghost"


async def test_resume_reuses_succeeded_nodes_and_links_to_the_old_run(client):
    workflow_id = await create(client, sleepy_workflow(fail_times=5))
    failed = (await client.post(f"/api/workflows/{workflow_id}/runs", json={"inputs": {"text": "x"}})).json()
    assert failed["status"] == "failed" and "slow" in failed["error"]
    # The user fixes the failing node in the draft, then resumes.
    await client.put(f"/api/workflows/{workflow_id}", json=sleepy_workflow(fail_times=0))
    resumed = await client.post(f"/api/runs/{failed['run_id']}/resume", json={})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "succeeded"
    detail = (await client.get(f"/api/runs/{resumed.json()['run_id']}")).json()
    assert detail["resumed_from"] == failed["run_id"]
    reused = {n["node_id"]: n["reused"] for n in detail["nodes"]}
    assert reused == {"start": True, "a": True, "slow": False, "end": False}

    done = await client.post(f"/api/runs/{resumed.json()['run_id']}/resume", json={})
    assert done.status_code == 409 and "succeeded" in done.json()["detail"]


async def test_runs_in_flight_at_restart_are_marked_interrupted(data_dir):
    async with running_app(data_dir) as app, asgi_client(app) as client:
        workflow_id = await create(client, sleepy_workflow(seconds=30))
        run_id = (await client.post(f"/api/workflows/{workflow_id}/runs",
                                    json={"inputs": {"text": "x"}, "response_mode": "async"})).json()["run_id"]
        await asyncio.sleep(0.1)
    async with running_app(data_dir) as app, asgi_client(app) as client:
        body = (await client.get(f"/api/runs/{run_id}")).json()
        assert body["status"] == "interrupted" and "server stopped" in body["error"]
        resumed = (await client.post(f"/api/runs/{run_id}/resume", json={"response_mode": "async"})).json()
        assert resumed["run_id"] != run_id


async def test_unknown_run_is_404(client):
    assert (await client.get("/api/runs/nope")).status_code == 404
    assert (await client.get("/api/runs/nope/events")).status_code == 404
    assert (await client.post("/api/runs/nope/stop")).status_code == 404
