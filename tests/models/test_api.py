"""The models console API over HTTP (ASGI): registry, deployments on the stand-in, logs, adapters, GPUs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.spec import Services
from modelhub.gateway import Gateway
from server.db.registry import open_hub
from tests.models.conftest import FAST
from tests.server.conftest import asgi_client, running_app


@pytest.fixture
async def api(data_dir: Path, standin: Path) -> AsyncIterator[httpx.AsyncClient]:
    hub = open_hub(data_dir, timing=FAST)
    gateway = Gateway({}, registry=hub)
    try:
        async with running_app(data_dir, Services(llm=gateway)) as app, asgi_client(app) as client:
            yield client
    finally:
        await hub.close(stop_servers=True)
        await gateway.aclose()


async def wait_state(api: httpx.AsyncClient, deployment_id: str, state: str) -> dict[str, Any]:
    for _ in range(400):
        body = (await api.get(f"/api/deployments/{deployment_id}")).json()
        if body["state"] == state:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"deployment is {body['state']}, not {state}: {body['reason']}")


async def test_register_deploy_call_and_manage_adapters(api: httpx.AsyncClient, base_dir: Path,
                                                        make_adapter: Callable[..., Path]) -> None:
    assert (await api.post("/api/models", json={"kind": "base", "name": "qwen", "source": str(base_dir),
                                                "context_length": 32768})).status_code == 201
    tuned = await api.post("/api/models", json={
        "kind": "finetune", "name": "yuwen", "base": "qwen", "adapter_path": str(make_adapter("y", str(base_dir))),
        "params": {"temperature": 0.2}, "eval_scores": {"bleu": 31.5}})
    assert tuned.status_code == 201 and tuned.json()["version"] == 1 and tuned.json()["spec"]["rank"] == 8
    bad = await api.post("/api/models", json={"kind": "finetune", "name": "x", "base": "qwen",
                                              "adapter_path": "/no/such/adapter"})
    assert bad.status_code == 400 and bad.json()["detail"] == "adapter directory '/no/such/adapter' does not exist"
    listed = (await api.get("/api/models")).json()
    assert [(m["name"], m["kind"]) for m in listed["items"]] == [("qwen", "base"), ("yuwen", "finetune")]

    created = await api.post("/api/deployments", json={"name": "qwen-gpu", "backend": "vllm", "base_model": "qwen",
                                                       "gpu_ids": [0], "max_model_len": 2048})
    assert created.status_code == 201 and created.json()["state"] == "pending"
    dep_id = created.json()["id"]
    assert (await api.post(f"/api/deployments/{dep_id}/start")).json()["state"] == "starting"
    ready = await wait_state(api, dep_id, "ready")
    assert ready["base_url"] == f"http://127.0.0.1:{ready['port']}/v1"

    added = await api.post(f"/api/deployments/{dep_id}/adapters", json={"finetune": "yuwen"})
    assert added.status_code == 200 and [a["name"] for a in added.json()["adapters"]] == ["yuwen"]
    assert added.json()["pid"] == ready["pid"]
    async with httpx.AsyncClient() as direct:
        models = (await direct.get(f"{ready['base_url']}/models")).json()["data"]
    assert [m["id"] for m in models] == ["qwen-gpu", "yuwen"]

    logs = (await api.get(f"/api/deployments/{dep_id}/logs", params={"lines": 50})).json()["lines"]
    assert any("--max-model-len 2048" in line for line in logs)
    assert any("load_lora_adapter" in line for line in logs)

    removed = await api.delete(f"/api/deployments/{dep_id}/adapters/yuwen")
    assert removed.json()["adapters"] == []
    assert (await api.delete(f"/api/deployments/{dep_id}/adapters/yuwen")).status_code == 404
    assert (await api.post(f"/api/deployments/{dep_id}/stop")).json()["state"] == "stopped"
    assert (await api.delete(f"/api/deployments/{dep_id}")).status_code == 204
    assert (await api.get(f"/api/deployments/{dep_id}")).status_code == 404


async def test_gpus_presets_and_bad_requests(api: httpx.AsyncClient) -> None:
    gpus = (await api.get("/api/gpus")).json()
    assert gpus["gpus"] == [] and gpus["message"].startswith("no NVIDIA GPU found on this machine")
    presets = (await api.get("/api/models/presets")).json()
    by_name = {p["name"]: p for p in presets["items"]}
    assert by_name["qa"]["title"] == "知识问答" and by_name["qa"]["params"]["temperature"] == 0
    assert by_name["generation"]["params"]["presence_penalty"] > 0
    assert (await api.post("/api/models", json={"kind": "gpu", "name": "x"})).status_code == 422
    missing = await api.post("/api/deployments", json={"name": "d", "base_model": "/no/model"})
    assert missing.status_code == 400 and "neither a registered base model" in missing.json()["detail"]
    assert (await api.post("/api/deployments/nope/start")).json()["detail"] == "deployment 'nope' not found"
