"""Evaluation runs outlive their request and their server: a run cancelled midway keeps its answers and resumes
to the end; a run left running when the server stops is resumed when it starts again, without asking the model
again for the samples already stored (the model is the scripted server, test double, answering slowly)."""

from __future__ import annotations

from engine.spec import Services
from server.db.evaluation import EvalStore
from server.db.store import open_engine
from server.settings import Settings
from tests.server.conftest import asgi_client, running_app, wait_for
from tests.server.evaluation_helpers import finished, gateway, responder, upload_set

ITEMS = [{"id": f"q{i}", "query": f"question {i}", "reference": "?"} for i in range(8)]


def body(set_id: str) -> dict:
    return {"set_id": set_id, "concurrency": 1, "metrics": [{"name": "exact-match"}],
            "candidates": [{"kind": "model", "candidate_id": "slow", "model": "bad"}]}


async def done_count(client, run_id: str) -> int:
    return (await client.get(f"/api/evaluation/runs/{run_id}")).json()["progress"]["done"]


async def test_a_cancelled_run_resumes_and_keeps_its_answers(data_dir, openai_server):
    openai_server.respond_with(responder(delay_s=0.15))
    llm = gateway(openai_server.url)
    async with running_app(data_dir, services=Services(llm=llm)) as app, asgi_client(app) as client:
        set_id = await upload_set(client, ITEMS)
        run_id = (await client.post("/api/evaluation/runs", json=body(set_id))).json()["run_id"]
        await wait_for(lambda: _at_least(client, run_id, 2))
        cancelled = await client.post(f"/api/evaluation/runs/{run_id}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        await wait_for(lambda: _not_live(app, run_id))
        kept = len((await client.get(f"/api/evaluation/runs/{run_id}/results")).json()["items"][0]["candidates"])
        answered = [r for r in (await client.get(f"/api/evaluation/runs/{run_id}/results")).json()["items"]
                    if r["candidates"]["slow"] is not None]
        assert kept == 1 and 2 <= len(answered) < len(ITEMS)
        again = await client.post(f"/api/evaluation/runs/{run_id}/cancel")
        assert again.status_code == 409 and "cancelled" in again.json()["detail"]

        resumed = await client.post(f"/api/evaluation/runs/{run_id}/resume")
        assert resumed.status_code == 202, resumed.text
        run = await finished(client, run_id)
        assert run["status"] == "succeeded" and run["progress"]["done"] == len(ITEMS)
        assert run["cost"]["slow"]["samples"] == len(ITEMS)
    asked = [r["messages"][-1]["content"] for r in openai_server.requests]
    assert sorted(set(asked)) == sorted(i["query"] for i in ITEMS)
    assert len(asked) <= len(ITEMS) + 1  # at most the one in flight when cancelled is asked twice
    await llm.aclose()


async def test_a_run_left_running_is_resumed_when_the_server_starts(data_dir, openai_server):
    openai_server.respond_with(responder(delay_s=0.15))
    llm = gateway(openai_server.url)
    async with running_app(data_dir, services=Services(llm=llm)) as app, asgi_client(app) as client:
        set_id = await upload_set(client, ITEMS)
        run_id = (await client.post("/api/evaluation/runs", json=body(set_id))).json()["run_id"]
        await wait_for(lambda: _at_least(client, run_id, 3))
        # the server stops here, with the run in flight
    before = [r["messages"][-1]["content"] for r in openai_server.requests]
    engine = open_engine(Settings(data_dir=data_dir).database_url)
    store = EvalStore(engine)
    assert store.get_run(run_id).status == "running"
    answered_before = {f"question {r.item_id[1:]}" for r in store.results(run_id) if r.output is not None}
    engine.dispose()
    assert len(answered_before) >= 3
    async with running_app(data_dir, services=Services(llm=llm)) as app, asgi_client(app) as client:
        run = await finished(client, run_id)
        assert run["status"] == "succeeded" and run["progress"]["done"] == len(ITEMS)
    after = [r["messages"][-1]["content"] for r in openai_server.requests][len(before):]
    assert not answered_before & set(after)  # the stored samples were not asked for again
    assert sorted(answered_before | set(after)) == sorted(i["query"] for i in ITEMS)
    await llm.aclose()


async def _at_least(client, run_id: str, count: int) -> bool:
    return await done_count(client, run_id) >= count


async def _not_live(app, run_id: str) -> bool:
    return run_id not in app.state.evaluation.live
