"""Workflow candidates and the publish gate: a published version and the draft answer the same set (the answer is
the end node's ``answer`` output), and a workflow whose publishing is gated on exact match is refused while its
draft does worse than the published version (with both figures), and published once it does no worse."""

from __future__ import annotations

from tests.helpers import chain, end, node, start, workflow
from tests.server.conftest import asgi_client, running_app
from tests.server.evaluation_helpers import finished, upload_set

ITEMS = [{"id": "a", "query": "4", "reference": "4"}, {"id": "b", "query": "2+2", "reference": "4"},
         {"id": "c", "query": "four", "reference": "4"}, {"id": "d", "query": "x", "reference": "4"}]


def echo() -> dict:
    """Answers with the query: exact match 0.25 on ITEMS."""
    return workflow([start("query"), end(answer="start.query")], chain("start", "end"), name="quiz")


def constant(value: str) -> dict:
    """Answers ``value`` whatever it is asked (the test node ``sleep`` outputs its configured value)."""
    nodes = [start("query"), node("fixed", "sleep", {"text": "start.query"}, config={"output": value}),
             end(answer="fixed.value", seen="start.query")]
    return workflow(nodes, chain("start", "fixed", "end"), name="quiz")


async def test_a_published_version_and_the_draft_are_compared(data_dir):
    async with running_app(data_dir) as app, asgi_client(app) as client:
        set_id = await upload_set(client, ITEMS)
        wf = (await client.post("/api/workflows", json=echo())).json()["id"]
        assert (await client.post(f"/api/workflows/{wf}/publish", json={})).status_code == 201
        await client.put(f"/api/workflows/{wf}", json=constant("4"))
        created = await client.post("/api/evaluation/runs", json={
            "set_id": set_id, "metrics": [{"name": "exact-match"}],
            "candidates": [{"kind": "workflow", "candidate_id": "v1", "workflow_id": wf, "version": 1},
                           {"kind": "workflow", "candidate_id": "draft", "workflow_id": wf},
                           {"kind": "workflow", "candidate_id": "seen", "workflow_id": wf, "output": "seen"}]})
        assert created.status_code == 202, created.text
        run = await finished(client, created.json()["run_id"])
        assert run["status"] == "succeeded", run
        table = (await client.get(f"/api/evaluation/runs/{run['run_id']}/results")).json()["items"]
        scores = {cid: [row["candidates"][cid]["scores"]["exact-match"] for row in table]
                  for cid in ("v1", "draft", "seen")}
        assert scores == {"v1": [1.0, 0.0, 0.0, 0.0], "draft": [1.0, 1.0, 1.0, 1.0], "seen": [1.0, 0.0, 0.0, 0.0]}
        assert [row["candidates"]["seen"]["output"] for row in table] == ["4", "2+2", "four", "x"]

        missing = await client.post("/api/evaluation/runs", json={
            "set_id": set_id, "candidates": [{"kind": "workflow", "candidate_id": "v9", "workflow_id": wf,
                                              "version": 9}]})
        assert missing.status_code == 400 and "candidates[0] (v9)" in missing.json()["detail"]


async def test_the_publish_gate_refuses_a_worse_draft_and_allows_a_no_worse_one(data_dir):
    async with running_app(data_dir) as app, asgi_client(app) as client:
        set_id = await upload_set(client, ITEMS)
        wf = (await client.post("/api/workflows", json=echo())).json()["id"]
        gate = await client.put(f"/api/evaluation/gates/{wf}", json={"set_id": set_id, "metric": "exact-match"})
        assert gate.status_code == 200, gate.text
        assert (await client.post(f"/api/workflows/{wf}/publish", json={})).status_code == 201  # first: not gated

        await client.put(f"/api/workflows/{wf}", json=constant("wrong"))  # exact match 0 < 0.25
        refused = await client.post(f"/api/workflows/{wf}/publish", json={})
        assert refused.status_code == 409 and f"/api/evaluation/gates/{wf}/run" in refused.json()["detail"]
        gate_run = await client.post(f"/api/evaluation/gates/{wf}/run")
        assert gate_run.status_code == 202, gate_run.text
        assert (await finished(client, gate_run.json()["run_id"]))["status"] == "succeeded"
        refused = await client.post(f"/api/workflows/{wf}/publish", json={})
        assert refused.status_code == 409
        assert "exact-match of the draft 0.0000 vs published version 1 0.2500" in refused.json()["detail"]

        await client.put(f"/api/workflows/{wf}", json=constant("4"))  # 1.0 ≥ 0.25, but not evaluated yet
        assert (await client.post(f"/api/workflows/{wf}/publish", json={})).status_code == 409
        gate_run = await client.post(f"/api/evaluation/gates/{wf}/run")
        assert (await finished(client, gate_run.json()["run_id"]))["status"] == "succeeded"
        published = await client.post(f"/api/workflows/{wf}/publish", json={})
        assert published.status_code == 201 and published.json()["version"] == 2

        await client.delete(f"/api/evaluation/gates/{wf}")  # no gate: publishing is free again
        await client.put(f"/api/workflows/{wf}", json=echo())
        assert (await client.post(f"/api/workflows/{wf}/publish", json={})).status_code == 201
        assert (await client.get(f"/api/evaluation/gates/{wf}")).json()["gate"] is None
        bad = await client.put(f"/api/evaluation/gates/{wf}", json={"set_id": "nope", "metric": "exact-match"})
        assert bad.status_code == 400 and "set_id" in bad.json()["detail"]
        for gate, field in (({"set_id": set_id, "metric": "blue"}, "metric"),
                            ({"set_id": set_id, "metric": "judge"}, "judge")):
            refused = await client.put(f"/api/evaluation/gates/{wf}", json=gate)
            assert refused.status_code == 400 and refused.json()["detail"].startswith(field), refused.text
