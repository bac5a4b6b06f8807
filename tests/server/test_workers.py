"""The worker tier: a real ``loom serve`` with ``LOOM_TASKS=celery`` and real ``loom worker`` processes on one Redis
and one database. Async runs, document ingestion and evaluation runs execute on a worker and are followed through
the API; a worker SIGKILLed mid-run leaves no run ``running`` (its task is redelivered to another worker, or the
sweeper ends the run, with a reason), and a client following the run gets its end."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.test_serve import LOOM
from tests.database import ON_POSTGRES
from tests.doubles.echo_http import EchoServer
from tests.doubles.openai_server import Reply, ScriptedOpenAI, last_user_message
from tests.redis_server import RedisServer, require_redis
from tests.server.helpers import parse_sse
from tests.server.test_replicas import Replica, launch, slow_calls, wait_until

# The tier runs on its own SQLite file: the tests' PostgreSQL pass would run the same thing again (the cluster test,
# tests/server/test_cluster.py, runs workers on PostgreSQL).
pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="the worker tier runs on its own SQLite file")
LEASE_S = 2.0  # LOOM_OWNER_LEASE_S: a killed process's runs are ended within about this
VISIBILITY_S = 3.0  # LOOM_TASK_VISIBILITY_TIMEOUT_S: a killed worker's tasks are redelivered after this


@dataclass
class Tier:
    api: Replica
    env: dict[str, str]
    data_dir: Path
    database: Path
    echo: EchoServer
    workers: list[subprocess.Popen[str]] = field(default_factory=list)

    def worker(self, name: str, concurrency: int = 4) -> subprocess.Popen[str]:
        log = (self.data_dir.parent / f"{name}.log").open("w")
        process = subprocess.Popen([LOOM, "worker", "--concurrency", str(concurrency), "--data-dir",
                                    str(self.data_dir)], env={**os.environ, **self.env}, stdout=log,
                                   stderr=subprocess.STDOUT, text=True)
        self.workers.append(process)
        deadline = time.monotonic() + 120
        while " ready." not in self.log(name):  # Celery's line once it takes tasks
            assert process.poll() is None and time.monotonic() < deadline, self.log(name)
            time.sleep(0.2)
        return process

    def log(self, name: str) -> str:
        return (self.data_dir.parent / f"{name}.log").read_text()

    def owner(self, run_id: str) -> str | None:
        with sqlite3.connect(self.database) as db:
            row = db.execute("SELECT owner FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row[0] if row else None


def answer(body: dict[str, Any]) -> Reply:
    return Reply({"1+1=?": "2", "2+2=?": "4"}.get(last_user_message(body), "?"))


@pytest.fixture(scope="module")
def tier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tier]:
    require_redis()
    root = tmp_path_factory.mktemp("workers")
    with RedisServer() as redis, EchoServer() as echo, ScriptedOpenAI(answer) as model:
        env = {"LOOM_REDIS_URL": redis.url(), "LOOM_DATABASE_URL": f"sqlite:///{root / 'shared.db'}",
               "LOOM_TASKS": "celery", "LOOM_OWNER_LEASE_S": str(LEASE_S),
               "LOOM_TASK_VISIBILITY_TIMEOUT_S": str(VISIBILITY_S), "LOOM_PLUGIN_ALLOW_HOSTS": "127.0.0.1",
               "LOOM_LLM_BASE_URL": model.url}
        data_dir = root / "data"
        api = launch(data_dir, env)  # first: it migrates the shared database
        tier = Tier(api, env, data_dir, root / "shared.db", echo)
        tier.worker("worker-1")
        try:
            yield tier
        finally:
            for process in [api.process, *tier.workers]:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM if process is not api.process else signal.SIGINT)
            for process in [api.process, *tier.workers]:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


def workflow_id(tier: Tier) -> str:
    created = httpx.post(f"{tier.api.url}/api/workflows", json=slow_calls(tier.echo))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def start_async(tier: Tier, wid: str, seconds: float) -> str:
    response = httpx.post(f"{tier.api.url}/api/workflows/{wid}/runs",
                          json={"inputs": {"s": str(seconds)}, "response_mode": "async"})
    assert response.status_code == 202, response.text
    return str(response.json()["run_id"])


def follow(tier: Tier, run_id: str, after: int = 0, timeout: float = 60) -> list[dict[str, Any]]:
    response = httpx.get(f"{tier.api.url}/api/runs/{run_id}/events", params={"after": after}, timeout=timeout)
    assert response.status_code == 200, response.text
    return [data for _, data in parse_sse(response.text) if isinstance(data, dict)]


def status(tier: Tier, run_id: str) -> str:
    return str(httpx.get(f"{tier.api.url}/api/runs/{run_id}").json()["status"])


def test_async_run_executes_on_a_worker_and_is_followed_through_the_api(tier: Tier) -> None:
    wid = workflow_id(tier)
    run_id = start_async(tier, wid, 0.05)
    events = follow(tier, run_id)
    assert [e["type"] for e in events][0] == "run_started"
    assert events[-1]["type"] == "run_finished" and events[-1]["status"] == "succeeded", events[-1]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert str(tier.owner(run_id)).startswith("worker@"), tier.owner(run_id)
    detail = httpx.get(f"{tier.api.url}/api/runs/{run_id}").json()
    assert detail["status"] == "succeeded" and len(detail["nodes"]) == 5
    # A blocking run still runs in the API process (LOOM_RUN_DISPATCH=api).
    blocking = httpx.post(f"{tier.api.url}/api/workflows/{wid}/runs", json={"inputs": {"s": "0"}}, timeout=30)
    assert blocking.json()["status"] == "succeeded"
    assert str(tier.owner(blocking.json()["run_id"])).startswith("api@")


def test_a_run_on_a_worker_is_stopped_through_the_api(tier: Tier) -> None:
    run_id = start_async(tier, workflow_id(tier), 2.0)
    wait_until(lambda: status(tier, run_id) == "running", timeout=30)
    time.sleep(0.3)
    assert httpx.post(f"{tier.api.url}/api/runs/{run_id}/stop").status_code == 202
    events = follow(tier, run_id)
    assert events[-1]["type"] == "run_finished" and events[-1]["status"] == "stopped", events[-1]
    assert wait_until(lambda: status(tier, run_id) == "stopped", timeout=10)


def test_document_ingestion_runs_on_a_worker(tier: Tier) -> None:
    url = tier.api.url
    assert httpx.post(f"{url}/api/knowledge-bases", json={"name": "worker-notes"}).status_code == 201
    text = "Loom workers index documents.\n\nThe queue is Redis; the workers are Celery.\n"
    uploaded = httpx.post(f"{url}/api/knowledge-bases/worker-notes/documents",
                          files=[("files", ("notes.txt", text.encode(), "text/plain"))])
    assert uploaded.status_code == 202, uploaded.text

    def ready() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = httpx.get(f"{url}/api/knowledge-bases/worker-notes/documents").json()["items"]
        return items if items and all(d["status"] in ("ready", "failed") for d in items) else None

    documents = wait_until(ready, timeout=90)
    assert [d["status"] for d in documents] == ["ready"], documents
    # (the task logs its outcome just after the document is marked ready)
    assert wait_until(lambda: "ingestion into worker-notes: 1 of 1 document(s) indexed" in tier.log("worker-1"),
                      timeout=30)


def test_documents_uploaded_together_into_one_knowledge_base_are_each_indexed_once(tier: Tier) -> None:
    """One task at a time holds a knowledge base's ingestion; it takes the documents queued meanwhile too, and their
    own tasks then find them done: each document is indexed exactly once, however the tasks interleave."""
    url, kb = tier.api.url, "worker-batch"
    assert httpx.post(f"{url}/api/knowledge-bases", json={"name": kb}).status_code == 201

    def upload(i: int) -> str:
        response = httpx.post(f"{url}/api/knowledge-bases/{kb}/documents", timeout=30, files=[
            ("files", (f"part-{i}.txt", f"Part {i} of the batch.\n\nIt names harbour {i * 11}.\n".encode(),
                       "text/plain"))])
        assert response.status_code == 202, response.text
        return str(response.json()["items"][0]["document_id"])

    with ThreadPoolExecutor(6) as pool:
        uploaded = set(pool.map(upload, range(6)))

    def ready() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = httpx.get(f"{url}/api/knowledge-bases/{kb}/documents").json()["items"]
        return items if len(items) == 6 and all(d["status"] in ("ready", "failed") for d in items) else None

    documents = wait_until(ready, timeout=90)
    assert {d["document_id"] for d in documents} == uploaded and {d["status"] for d in documents} == {"ready"}
    wait_until(lambda: tier.log("worker-1").count(f"ingestion into {kb}:") == 6, timeout=30)
    indexed = 0
    for line in tier.log("worker-1").splitlines():
        if f"ingestion into {kb}:" in line:
            found = re.search(r"(\d+) of 1 document\(s\) indexed(?:, and (\d+) queued by other tasks)?", line)
            assert found, line
            indexed += int(found[1]) + int(found[2] or 0)
    assert indexed == 6


def test_an_evaluation_run_runs_on_a_worker(tier: Tier) -> None:
    url = tier.api.url
    items = [{"id": "q1", "query": "1+1=?", "reference": "2"}, {"id": "q2", "query": "2+2=?", "reference": "4"}]
    body = "".join(json.dumps(i) + "\n" for i in items).encode()
    uploaded = httpx.post(f"{url}/api/evaluation/sets", files={"file": ("quiz.jsonl", body)}, data={"name": "quiz"})
    assert uploaded.status_code == 201, uploaded.text
    created = httpx.post(f"{url}/api/evaluation/runs", json={
        "name": "quiz", "set_id": uploaded.json()["set_id"], "metrics": [{"name": "exact-match"}],
        "candidates": [{"kind": "model", "candidate_id": "default", "model": "default"}]})
    assert created.status_code in (200, 201, 202), created.text
    run_id = created.json()["run_id"]

    def done() -> dict[str, Any] | None:
        run: dict[str, Any] = httpx.get(f"{url}/api/evaluation/runs/{run_id}").json()
        return run if run["status"] in ("succeeded", "failed", "cancelled") else None

    run = wait_until(done, timeout=60)
    assert run["status"] == "succeeded", run
    assert f"evaluation run {run_id}: succeeded" in tier.log("worker-1")


def test_a_worker_killed_mid_run_leaves_no_run_running(tier: Tier) -> None:
    """SIGKILL the worker driving a run: a follower gets the run's end with a reason, the run is not left
    ``running``, and a second worker takes the tasks that were still queued."""
    wid = workflow_id(tier)
    victim = tier.workers[0]
    run_id = start_async(tier, wid, 1.5)
    wait_until(lambda: status(tier, run_id) == "running", timeout=30)
    time.sleep(0.5)  # mid-run: inside its first slow call
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    queued = start_async(tier, wid, 0.0)  # no worker alive: it waits in the queue
    killed_at = time.monotonic()
    events = follow(tier, run_id)  # a client following it through the API gets its end
    ended_after = time.monotonic() - killed_at
    final = events[-1]
    assert final["type"] == "run_finished" and final["status"] == "interrupted", final
    assert "lost mid-run" in final["error"] and "worker@" in final["error"], final["error"]
    assert ended_after < LEASE_S * 3 + 5, ended_after
    detail = httpx.get(f"{tier.api.url}/api/runs/{run_id}").json()
    assert detail["status"] == "interrupted" and "lost mid-run" in detail["error"]
    assert status(tier, queued) == "queued"
    tier.worker("worker-2")
    assert follow(tier, queued)[-1]["status"] == "succeeded"
    assert str(tier.owner(queued)).startswith("worker@")
    # The killed run's task comes back (visibility timeout) to worker-2, which leaves the ended run alone.
    wait_until(lambda: f"run {run_id}: already interrupted" in tier.log("worker-2"), timeout=VISIBILITY_S * 4 + 10)
    assert status(tier, run_id) == "interrupted"


def test_a_second_api_process_dispatching_every_run_leaves_the_runs_in_flight_alone(tier: Tier) -> None:
    """A replica that starts while a worker drives a run does not interrupt it; with LOOM_RUN_DISPATCH=worker its
    blocking, streaming and public API runs all run on the workers."""
    wid = workflow_id(tier)
    in_flight = start_async(tier, wid, 1.0)
    wait_until(lambda: status(tier, in_flight) == "running", timeout=30)
    second = launch(tier.data_dir.parent / "data-b", {**tier.env, "LOOM_RUN_DISPATCH": "worker"})
    try:
        assert follow(tier, in_flight)[-1]["status"] == "succeeded"
        blocking = httpx.post(f"{second.url}/api/workflows/{wid}/runs", json={"inputs": {"s": "0"}}, timeout=60)
        assert blocking.status_code == 200 and blocking.json()["status"] == "succeeded", blocking.text
        assert str(tier.owner(blocking.json()["run_id"])).startswith("worker@")
        streamed = httpx.post(f"{second.url}/api/workflows/{wid}/runs",
                              json={"inputs": {"s": "0"}, "response_mode": "streaming"}, timeout=60)
        events = [data for _, data in parse_sse(streamed.text) if isinstance(data, dict)]
        assert events[0]["type"] == "run_started" and events[-1]["status"] == "succeeded"
        assert str(tier.owner(events[-1]["run_id"])).startswith("worker@")
        assert httpx.post(f"{second.url}/api/workflows/{wid}/publish").status_code == 201
        key = httpx.post(f"{second.url}/api/workflows/{wid}/keys", json={"name": "ci"}).json()["key"]
        public = httpx.post(f"{second.url}/v1/workflows/{wid}/run", headers={"Authorization": f"Bearer {key}"},
                            json={"inputs": {"s": "0"}, "response_mode": "async"})
        assert public.status_code == 202, public.text
        assert follow(tier, public.json()["run_id"])[-1]["status"] == "succeeded"  # followed on the first replica
        assert str(tier.owner(public.json()["run_id"])).startswith("worker@")
    finally:
        second.process.send_signal(signal.SIGINT)
        second.process.wait(30)


@pytest.mark.slow
def test_a_fine_tuning_job_trains_on_a_worker_and_is_cancelled_through_the_api(
        tier: Tier, tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.doubles.tiny_lm import build_tiny_lm
    from tests.server.test_finetune import FAST, SYSTEM, rows

    url = tier.api.url
    tiny = build_tiny_lm(tmp_path_factory.mktemp("models") / "tiny-llama")
    registered = httpx.post(f"{url}/api/models", json={"kind": "base", "name": "tiny", "source": str(tiny)}, timeout=60)
    assert registered.status_code == 201, registered.text
    raw = httpx.post(f"{url}/api/datasets", data={"name": "colours"}, files={"file": ("colours.jsonl", rows())}).json()
    split = httpx.post(f"{url}/api/datasets/{raw['dataset_id']}/versions/{raw['number']}/split",
                       json={"validation": 0.25}).json()
    assert httpx.post(f"{url}/api/datasets/{raw['dataset_id']}/versions/{split['number']}/publish").status_code == 200
    created = httpx.post(f"{url}/api/finetune/jobs", json={
        "name": "colour-bot", "base_model": "tiny", "dataset": raw["dataset_id"], "dataset_version": split["number"],
        "params": {**FAST, "epochs": 40, "save_steps": 2}, "system_prompt": SYSTEM})
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]

    wait_until(lambda: httpx.get(f"{url}/api/finetune/jobs/{job_id}").json()["status"] == "running",
               timeout=120)  # training on the worker
    cancelled = httpx.post(f"{url}/api/finetune/jobs/{job_id}/cancel", timeout=60)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    wait_until(lambda: f"fine-tuning job {job_id}: cancelled" in tier.log("worker-2"), timeout=30)
