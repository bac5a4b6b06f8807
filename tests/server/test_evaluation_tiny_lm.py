"""A real local model as an evaluation candidate: the tiny transformers causal LM (test double, random weights)
registered as a base model and deployed on the transformers backend, answering a set through the gateway with
greedy decoding — deterministic answers (the same twice), token counts from the model server, and format checks
scored on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from engine.spec import Services
from modelhub.gateway import Gateway
from server.db.registry import open_hub
from tests.doubles.tiny_lm import build_tiny_lm
from tests.server.conftest import asgi_client, running_app
from tests.server.evaluation_helpers import ITEMS, finished, upload_set


@pytest.fixture
async def client(data_dir: Path, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    data_dir.mkdir(parents=True, exist_ok=True)
    tiny = build_tiny_lm(tmp_path / "tiny-llama")
    hub = open_hub(data_dir)
    gateway = Gateway({}, registry=hub)
    async with running_app(data_dir, services=Services(llm=gateway)) as app, asgi_client(app) as client:
        assert (await client.post("/api/models", json={"kind": "base", "name": "tiny", "source": str(tiny)})
                ).status_code == 201
        yield client
        for dep in (await client.get("/api/deployments")).json()["items"]:
            await client.delete(f"/api/deployments/{dep['id']}")
    await gateway.aclose()
    await hub.close()


async def test_the_tiny_model_answers_a_set_deterministically(client: httpx.AsyncClient) -> None:
    deployed = await client.post("/api/deployments?start=true", json={"name": "tiny-cpu", "backend": "transformers",
                                                           "base_model": "tiny"})
    assert deployed.status_code == 201, deployed.text
    deployment = deployed.json()
    for _ in range(1200):  # loading takes seconds, longer on a busy machine
        deployment = (await client.get(f"/api/deployments/{deployment['id']}")).json()
        if deployment["state"] in ("ready", "failed"):
            break
        await asyncio.sleep(0.3)
    assert deployment["state"] == "ready", deployment["reason"]

    set_id = await upload_set(client)
    greedy = {"kind": "model", "model": "tiny-cpu", "params": {"temperature": 0, "max_tokens": 6}}
    created = await client.post("/api/evaluation/runs", json={
        "set_id": set_id, "concurrency": 2,
        "candidates": [{**greedy, "candidate_id": "first"}, {**greedy, "candidate_id": "again"}],
        "metrics": [{"name": "exact-match"}, {"name": "length", "params": {"max": 200}}]})
    assert created.status_code == 202, created.text
    run = await finished(client, created.json()["run_id"], timeout=240)
    assert run["status"] == "succeeded", run
    cost = run["cost"]["first"]
    assert cost["samples"] == len(ITEMS) and cost["errors"] == 0
    assert 0 < cost["tokens_out"] <= 6 * len(ITEMS) and cost["tokens_in"] > 0
    rows = (await client.get(f"/api/evaluation/runs/{run['run_id']}/results")).json()["items"]
    for row in rows:
        first, again = row["candidates"]["first"], row["candidates"]["again"]
        assert first["output"] == again["output"]  # greedy decoding: the same answer twice
        assert first["scores"]["length"] == 1.0 and first["scores"]["exact-match"] == 0.0  # random weights
