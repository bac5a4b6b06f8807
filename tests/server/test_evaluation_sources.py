"""Evaluation sets from a dataset version (the last assistant turn is the reference), and agent apps as candidates
— the published version and the draft (models: the scripted OpenAI-compatible server, test double, answering by
model name: ``good`` always right, ``bad`` half right)."""

from __future__ import annotations

import json

from engine.spec import Services
from tests.helpers import chain, end, start, workflow
from tests.server.conftest import asgi_client, running_app
from tests.server.evaluation_helpers import ITEMS, finished, gateway, responder


def dialogue(question: str, answer: str) -> str:
    return json.dumps({"messages": [{"role": "system", "content": "Answer briefly."},
                                    {"role": "user", "content": question},
                                    {"role": "assistant", "content": f"<think>easy</think>{answer}"}]})


async def test_a_set_from_a_dataset_version_and_agent_apps_as_candidates(data_dir, openai_server):
    openai_server.respond_with(responder())
    llm = gateway(openai_server.url)
    async with running_app(data_dir, services=Services(llm=llm)) as app, asgi_client(app) as client:
        rows = "\n".join(dialogue(i["query"], i["reference"]) for i in ITEMS) + "\n"
        imported = await client.post("/api/datasets", files={"file": ("quiz.jsonl", rows.encode())},
                                     data={"name": "quiz", "format": "auto"})
        assert imported.status_code == 201, imported.text
        made = await client.post("/api/evaluation/sets/from-dataset",
                                 json={"name": "quiz v1", "dataset": "quiz", "version": 1})
        assert made.status_code == 201, made.text
        assert (made.json()["source"], made.json()["dataset_version"], made.json()["item_count"]) == ("dataset", 1, 4)
        items = (await client.get(f"/api/evaluation/sets/{made.json()['set_id']}")).json()["items"]
        assert items[1]["inputs"] == {"query": "2+2=?", "system": "Answer briefly."}
        assert [i["reference"] for i in items] == ["2", "4", "Paris", "Rome"]  # without the <think> block
        missing = await client.post("/api/evaluation/sets/from-dataset",
                                    json={"name": "x", "dataset": "quiz", "version": 9})
        assert missing.status_code == 404

        # A workflow whose only start variable is not called "query": the query goes there, the system prompt
        # of the dialogue is left out (not declared).
        echo = workflow([start("text"), end(answer="start.text")], chain("start", "end"), name="echo")
        wf = (await client.post("/api/workflows", json=echo)).json()["id"]
        created = await client.post("/api/evaluation/runs", json={
            "set_id": made.json()["set_id"], "metrics": [{"name": "exact-match"}],
            "candidates": [{"kind": "workflow", "candidate_id": "echo", "workflow_id": wf}]})
        run = await finished(client, created.json()["run_id"])
        assert run["status"] == "succeeded" and run["cost"]["echo"]["errors"] == 0, run
        table = (await client.get(f"/api/evaluation/runs/{run['run_id']}/results")).json()["items"]
        assert [row["candidates"]["echo"]["output"] for row in table] == [i["query"] for i in ITEMS]

        agent = (await client.post("/api/agents", json={"name": "helper", "model": "good"})).json()["id"]
        assert (await client.post(f"/api/agents/{agent}/publish")).status_code in (200, 201)
        draft = await client.put(f"/api/agents/{agent}", json={"name": "helper", "model": "bad"})
        assert draft.status_code == 200, draft.text
        created = await client.post("/api/evaluation/runs", json={
            "set_id": made.json()["set_id"], "metrics": [{"name": "exact-match"}],
            "candidates": [{"kind": "agent", "candidate_id": "published", "app_id": agent, "version": 1},
                           {"kind": "agent", "candidate_id": "draft", "app_id": agent}]})
        assert created.status_code == 202, created.text
        run = await finished(client, created.json()["run_id"])
        assert run["status"] == "succeeded", run
        report = (await client.get(f"/api/evaluation/runs/{run['run_id']}/report")).json()
        assert {a["candidate_id"]: a["value"] for a in report["aggregates"]} == {"published": 1.0, "draft": 0.5}
        assert run["cost"]["draft"]["tokens_in"] > 0

        unpublished = await client.post("/api/evaluation/runs", json={
            "set_id": made.json()["set_id"], "metrics": [{"name": "exact-match"}],
            "candidates": [{"kind": "agent", "candidate_id": "v7", "app_id": agent, "version": 7}]})
        assert unpublished.status_code == 400 and "no published version 7" in unpublished.json()["detail"]
    await llm.aclose()
