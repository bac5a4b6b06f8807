"""Resuming a run's event stream: a browser's EventSource reconnects with ``Last-Event-ID`` (the id, which is the
seq, of the last event it saw) and gets exactly the events after it; ``?after=`` wins when both are given; a
header that is not a seq is a 400 saying so."""

from __future__ import annotations

import httpx
import pytest

from tests.server.helpers import parse_sse, sleepy_workflow


async def create(client: httpx.AsyncClient, definition: dict) -> str:
    response = await client.post("/api/workflows", json=definition)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def seqs(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [data["seq"] for _, data in parse_sse(response.text)]


async def test_a_live_run_stream_resumes_after_the_last_event_id(live_server) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        workflow_id = await create(client, sleepy_workflow(seconds=0.8))
        run_id = (await client.post(f"/api/workflows/{workflow_id}/runs",
                                    json={"inputs": {"text": "x"}, "response_mode": "async"})).json()["run_id"]
        first: list[str] = []
        async with client.stream("GET", f"/api/runs/{run_id}/events") as response:
            async for line in response.aiter_lines():  # the connection drops after three events
                if line.startswith("id: "):
                    first.append(line.removeprefix("id: "))
                if len(first) == 3:
                    break
        resumed = parse_sse((await client.get(f"/api/runs/{run_id}/events",
                                              headers={"Last-Event-ID": first[-1]})).text)
        assert resumed[-1][0] == "run_finished"
        every = await seqs(await client.get(f"/api/runs/{run_id}/events"))
        assert [int(i) for i in first] + [d["seq"] for _, d in resumed] == every == list(range(1, len(every) + 1))


async def test_the_header_resumes_a_finished_run_and_the_query_parameter_wins(client) -> None:
    workflow_id = await create(client, sleepy_workflow())
    run_id = (await client.post(f"/api/workflows/{workflow_id}/runs", json={"inputs": {"text": "x"}})).json()["run_id"]
    every = await seqs(await client.get(f"/api/runs/{run_id}/events"))
    assert await seqs(await client.get(f"/api/runs/{run_id}/events", headers={"Last-Event-ID": "4"})) == every[4:]
    assert await seqs(await client.get(f"/api/runs/{run_id}/events", params={"after": 1},
                                       headers={"Last-Event-ID": "4"})) == every[1:]
    assert await seqs(await client.get(f"/api/runs/{run_id}/events",
                                       headers={"Last-Event-ID": str(every[-1])})) == []


async def test_the_public_run_stream_honours_the_header(client) -> None:
    workflow_id = await create(client, sleepy_workflow())
    assert (await client.post(f"/api/workflows/{workflow_id}/publish")).status_code in (200, 201)
    key = (await client.post(f"/api/workflows/{workflow_id}/keys", json={"name": "k"})).json()["key"]
    auth = {"Authorization": f"Bearer {key}"}
    run_id = (await client.post(f"/v1/workflows/{workflow_id}/run", headers=auth,
                                json={"inputs": {"text": "x"}})).json()["run_id"]
    every = await seqs(await client.get(f"/v1/runs/{run_id}/events", headers=auth))
    resumed = await seqs(await client.get(f"/v1/runs/{run_id}/events", headers={**auth, "Last-Event-ID": "2"}))
    assert resumed == every[2:] and every[:2] == [1, 2]


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "3 4", "99999999999"],
                         ids=["word", "negative", "fraction", "two-numbers", "over-sql-int"])
async def test_a_last_event_id_that_is_not_a_seq_is_a_400_naming_the_header(client, value: str) -> None:
    workflow_id = await create(client, sleepy_workflow())
    run_id = (await client.post(f"/api/workflows/{workflow_id}/runs", json={"inputs": {"text": "x"}})).json()["run_id"]
    response = await client.get(f"/api/runs/{run_id}/events", headers={"Last-Event-ID": value})
    assert response.status_code == 400, response.text
    assert "Last-Event-ID" in response.json()["detail"] and "seq" in response.json()["detail"]
