"""Fine-tuning through the server, for real: a tiny random causal LM (tests/doubles/tiny_lm.py) registered as a
base model, a dataset imported, split and published through the API, a LoRA job run by the real runner in its
own process (progress over SSE, logs), the adapter registered with its lineage, deployed on the transformers
backend and answering through an LLM node of a workflow; incremental training from the fine-tune; cancel and
resume from a checkpoint; and the plain 4xx answers for what a job names wrongly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.spec import Services
from modelhub.gateway import Gateway
from server.db.registry import open_hub
from tests.doubles.tiny_lm import build_tiny_lm
from tests.helpers import chain, node, start, workflow
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import parse_sse

pytestmark = pytest.mark.slow
SYSTEM = "You name colours."
PAIRS = [("sky", "blue"), ("grass", "green"), ("snow", "white"), ("coal", "black"), ("blood", "red"),
         ("sun", "yellow")]
FAST = {"epochs": 4, "batch_size": 4, "learning_rate": 5e-3, "max_length": 64, "save_steps": 4, "eval_steps": 4,
        "warmup_ratio": 0.0}


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_lm(tmp_path_factory.mktemp("models") / "tiny-llama")


def rows(repeat: int = 4) -> bytes:
    lines = [json.dumps({"messages": [{"role": "system", "content": SYSTEM},
                                      {"role": "user", "content": f"What colour is {thing}?"},
                                      {"role": "assistant", "content": colour}]})
             for _ in range(repeat) for thing, colour in PAIRS]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
async def client(data_dir: Path, tiny_lm: Path) -> AsyncIterator[httpx.AsyncClient]:
    data_dir.mkdir(parents=True, exist_ok=True)
    hub = open_hub(data_dir)
    gateway = Gateway({}, registry=hub)  # LLM nodes reach the registry's deployments
    async with running_app(data_dir, services=Services(llm=gateway)) as app, asgi_client(app) as client:
        response = await client.post("/api/models", json={"kind": "base", "name": "tiny", "source": str(tiny_lm)})
        assert response.status_code == 201, response.text
        yield client
        for dep in (await client.get("/api/deployments")).json()["items"]:
            await client.delete(f"/api/deployments/{dep['id']}")
    await gateway.aclose()
    await hub.close()


async def published(client: httpx.AsyncClient, name: str = "colours") -> tuple[str, int]:
    raw = await client.post("/api/datasets", data={"name": name}, files={"file": (f"{name}.jsonl", rows())})
    assert raw.status_code == 201, raw.text
    dataset = raw.json()["dataset_id"]
    split = await client.post(f"/api/datasets/{dataset}/versions/{raw.json()['number']}/split",
                              json={"validation": 0.25})
    assert split.status_code == 201, split.text
    number = split.json()["number"]
    assert (await client.post(f"/api/datasets/{dataset}/versions/{number}/publish")).status_code == 200
    return dataset, number


async def start_job(client: httpx.AsyncClient, dataset: str, version: int, **fields: Any) -> dict[str, Any]:
    body = {"name": "colour-bot", "base_model": "tiny", "dataset": dataset, "dataset_version": version,
            "params": FAST, "system_prompt": SYSTEM, **fields}
    response = await client.post("/api/finetune/jobs", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def until(client: httpx.AsyncClient, job_id: str, *statuses: str, timeout: float = 240.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        job = (await client.get(f"/api/finetune/jobs/{job_id}")).json()
        if job["status"] in statuses:
            return job
        if asyncio.get_running_loop().time() > deadline:
            logs = (await client.get(f"/api/finetune/jobs/{job_id}/logs")).json()["lines"]
            raise AssertionError(f"job is {job['status']}, not {statuses}: {job.get('error')}\n"
                                 + "\n".join(logs[-30:]))
        await asyncio.sleep(0.3)


async def test_job_trains_registers_lineage_deploys_and_answers_in_a_workflow(client: httpx.AsyncClient) -> None:
    dataset, version = await published(client)
    info = (await client.get("/api/finetune/params")).json()
    assert info["defaults"]["learning_rate"] == 2e-4 and info["hints"]["epochs"]["hint"]

    job = await start_job(client, dataset, version)
    assert job["status"] in ("queued", "running") and job["dataset_id"] == dataset
    # The event stream: progress points (id = step) and status changes, until the job has finished.
    events = await client.get(f"/api/finetune/jobs/{job['id']}/events", timeout=300)
    assert events.headers["content-type"].startswith("text/event-stream")
    frames = parse_sse(events.text)
    progress = [data for kind, data in frames if kind == "progress"]
    assert progress and [p["step"] for p in progress] == sorted(p["step"] for p in progress)
    assert any(p["eval_loss"] is not None for p in progress)
    assert "id: " + str(progress[-1]["step"]) in events.text
    assert [data["job"]["status"] for kind, data in frames if kind == "status"][-1] == "succeeded"

    done = await until(client, job["id"], "succeeded", "failed", "cancelled")
    assert done["status"] == "succeeded", done["error"]
    assert done["result_model"] == "colour-bot" and done["result_version"] == 1
    train = [p["train_loss"] for p in progress if p["train_loss"] is not None]
    assert train[-1] < train[0]  # it learned something
    assert done["diagnosis"]["code"] and done["diagnosis"]["advice"]
    cut = sorted({p["step"] for p in progress})[-2]  # a reconnect after that step gets the rest, in order
    later = (await client.get(f"/api/finetune/jobs/{job['id']}/events",
                              headers={"Last-Event-ID": str(cut)})).text
    assert [d for k, d in parse_sse(later) if k == "progress"] == [p for p in progress if p["step"] > cut]
    logs = (await client.get(f"/api/finetune/jobs/{job['id']}/logs")).json()
    assert logs["lines"] and logs["next"] == len(logs["lines"])

    model = (await client.get("/api/models/colour-bot")).json()
    lineage = model["spec"]["lineage"]
    assert model["kind"] == "finetune" and model["spec"]["base"] == "tiny"
    assert lineage["base"] == {"model": "tiny", "version": 1} and lineage["parent"] is None
    assert lineage["dataset"] == {"id": dataset, "version": version} and lineage["job_id"] == job["id"]
    assert lineage["params"]["learning_rate"] == 5e-3 and lineage["system_prompt"] == SYSTEM
    assert lineage["final_train_loss"] == done["final_train_loss"] is not None
    assert lineage["chat_template"] and "im_start" in lineage["chat_template"]

    deployed = await client.post(f"/api/finetune/jobs/{job['id']}/deploy", json={})
    assert deployed.status_code == 201, deployed.text
    deployment = deployed.json()
    assert deployment["backend"] == "transformers"  # no GPU here
    assert [(a["finetune"], a["version"]) for a in deployment["adapters"]] == [("colour-bot", 1)]
    for _ in range(600):
        deployment = (await client.get(f"/api/deployments/{deployment['id']}")).json()
        if deployment["state"] in ("ready", "failed"):
            break
        await asyncio.sleep(0.3)
    assert deployment["state"] == "ready", deployment["reason"]

    nodes = [start("q"), node("llm", "llm", {"q": "start.q"},
                              config={"model": "colour-bot", "params": {"temperature": 0, "max_tokens": 4},
                                      "messages": [{"role": "system", "content": SYSTEM},
                                                   {"role": "user", "content": "{{q}}"}]}),
             node("end", "end", {"answer": "llm.text"})]
    created = await client.post("/api/workflows", json=workflow(nodes, chain("start", "llm", "end"), name="colours"))
    run = await client.post(f"/api/workflows/{created.json()['id']}/runs",
                            json={"inputs": {"q": "What colour is sky?"}, "response_mode": "blocking"}, timeout=300)
    assert run.status_code == 200, run.text
    result = run.json()
    assert result["status"] == "succeeded", result["error"]
    assert isinstance(result["outputs"]["answer"], str) and result["usage"]

    # Incremental: a second job continues from the fine-tune and records it as its parent.
    again = await start_job(client, dataset, version, name="colour-bot-2", base_model="colour-bot",
                            params={**FAST, "epochs": 1})
    second = await until(client, again["id"], "succeeded", "failed", "cancelled")
    assert second["status"] == "succeeded", second["error"]
    child = (await client.get("/api/models/colour-bot-2")).json()["spec"]
    assert child["base"] == "tiny" and child["lineage"]["parent"] == {"model": "colour-bot", "version": 1}


async def test_cancel_then_resume_from_a_checkpoint(client: httpx.AsyncClient) -> None:
    dataset, version = await published(client)
    job = await start_job(client, dataset, version, params={**FAST, "epochs": 40, "save_steps": 2})
    for _ in range(600):
        checkpoints = (await client.get(f"/api/finetune/jobs/{job['id']}/checkpoints")).json()["items"]
        if checkpoints:
            break
        await asyncio.sleep(0.2)
    assert checkpoints, "no checkpoint written"
    cancelled = await client.post(f"/api/finetune/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    stopped = await until(client, job["id"], "cancelled", "failed", "succeeded", timeout=60)
    assert stopped["status"] == "cancelled"
    again = await client.post(f"/api/finetune/jobs/{job['id']}/cancel")
    assert again.status_code == 409 and "cancelled" in again.json()["detail"]

    checkpoints = (await client.get(f"/api/finetune/jobs/{job['id']}/checkpoints")).json()["items"]
    wrong = await client.post(f"/api/finetune/jobs/{job['id']}/resume", json={"checkpoint": "checkpoint-999999"})
    assert wrong.status_code == 400 and "checkpoint" in wrong.json()["detail"]
    resumed = await client.post(f"/api/finetune/jobs/{job['id']}/resume",
                                json={"checkpoint": checkpoints[-1], "mode": "full"})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["resume_from"] == checkpoints[-1] and resumed.json()["resume_mode"] == "full"
    await until(client, job["id"], "running", "succeeded", "failed", timeout=120)
    await client.post(f"/api/finetune/jobs/{job['id']}/cancel")  # no need to train 40 epochs to the end
    final = await until(client, job["id"], "cancelled", "succeeded", "failed", timeout=60)
    assert final["status"] in ("cancelled", "succeeded"), final["error"]
    steps = [p["step"] for p in (await client.get(f"/api/finetune/jobs/{job['id']}/progress")).json()["items"]]
    resumed_at = int(checkpoints[-1].rsplit("-", 1)[-1])
    assert max(steps) >= resumed_at


async def test_what_a_job_names_wrongly_is_a_plain_4xx(client: httpx.AsyncClient) -> None:
    dataset, version = await published(client)
    raw = 1  # the imported version: not published

    async def refused(status: int, **fields: Any) -> str:
        body = {"name": "bot", "base_model": "tiny", "dataset": dataset, "dataset_version": version, **fields}
        response = await client.post("/api/finetune/jobs", json=body)
        assert response.status_code == status, response.text
        return str(response.json()["detail"])

    assert "not published" in await refused(400, dataset_version=raw)
    assert "dataset" in await refused(400, dataset="nope")
    assert "base_model" in await refused(400, base_model="missing")
    detail = await refused(400, params={"learning_rate": 1, "lora_rnk": 8})
    assert "params.learning_rate" in detail and "params.lora_rnk: is not a hyperparameter" in detail
    assert "name" in await refused(400, name="no spaces allowed")
    assert "already a registered base" in await refused(409, name="tiny")
    assert (await client.get("/api/finetune/jobs")).json() == {"items": []}
    assert (await client.get("/api/finetune/jobs/nope")).status_code == 404
