"""Cluster benchmark: async runs of the 5-node workflow (no LLM) through the public API, in one run:

- embedded: one ``loom serve`` with its defaults (SQLite, no Redis, runs in the API process);
- queued, 1 worker and 2 workers: one ``loom serve`` on PostgreSQL + Redis with ``LOOM_TASKS=celery`` and that many
  ``loom worker`` processes (tests/cluster.py starts them all on 127.0.0.1).

For each: the latency of a run (from the API recording it to its end, both server clocks of this machine) at low
load, one run at a time, p50/p95 — the queue's added latency is that minus the embedded one; and runs/s under load
(``--runs`` runs sent by ``--concurrency`` clients, from the first recorded to the last ended), of the 5-node
workflow (CPU alone) and of a workflow whose LLM node waits ``--call-s`` seconds for its model (a scripted
OpenAI-compatible server): what more worker processes are for.

    python benchmarks/cluster.py [--runs 200] [--concurrency 8] [--latency-runs 40] [--worker-concurrency 4]
                                 [--call-s 0.2]

Needs PostgreSQL and Redis server binaries (tests/pg.py, tests/redis_server.py). Prints one JSON object on its last
line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import five_nodes  # noqa: E402
from tests.cluster import Cluster  # noqa: E402
from tests.doubles.openai_server import Reply, ScriptedOpenAI  # noqa: E402

UNFINISHED = ("queued", "running")


def model_call() -> dict[str, Any]:
    """start → an LLM node (the model ``default``: the scripted server, answering after ``--call-s``) → end."""
    return {"version": "1", "name": "model call", "nodes": [
        {"id": "start", "type": "start", "config": {"variables": [{"name": "text", "type": "string"}]}},
        {"id": "llm", "type": "llm", "inputs": {"q": {"ref": "start.text"}},
         "config": {"messages": [{"role": "user", "content": "{{q}}"}]}},
        {"id": "end", "type": "end", "inputs": {"answer": {"ref": "llm.text"}}}],
        "edges": [{"source": "start", "target": "llm"}, {"source": "llm", "target": "end"}]}


def publish(url: str, definition: dict[str, Any]) -> tuple[str, str]:
    workflow_id = httpx.post(f"{url}/api/workflows", json=definition, timeout=30).json()["id"]
    assert httpx.post(f"{url}/api/workflows/{workflow_id}/publish", timeout=30).status_code == 201
    key = httpx.post(f"{url}/api/workflows/{workflow_id}/keys", json={"name": "bench"}, timeout=30).json()["key"]
    return workflow_id, key


def runs_of(url: str, workflow_id: str, ids: set[str]) -> list[dict[str, Any]]:
    """The rows of the runs ``ids``, once every one of them has ended."""
    deadline = time.monotonic() + 600
    while True:
        items: list[dict[str, Any]] = []
        while True:
            page = httpx.get(f"{url}/api/runs", timeout=60,
                             params={"workflow_id": workflow_id, "limit": 500, "offset": len(items)}).json()
            items += page["items"]
            if len(items) >= page["total"] or not page["items"]:
                break
        mine = [r for r in items if r["run_id"] in ids]
        if len(mine) == len(ids) and not any(r["status"] in UNFINISHED for r in mine):
            return mine
        if time.monotonic() > deadline:
            raise RuntimeError(f"{sum(r['status'] in UNFINISHED for r in mine)} runs still unfinished after 600 s")
        time.sleep(0.25)


async def send(url: str, workflow_id: str, key: str, count: int, concurrency: int) -> list[str]:
    headers = {"Authorization": f"Bearer {key}"}
    body = {"inputs": {"text": "hello world"}, "response_mode": "async"}
    ids: list[str] = []
    queue = iter(range(count))

    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:
        async def client_loop() -> None:
            for _ in queue:
                response = await client.post(f"/v1/workflows/{workflow_id}/run", json=body)
                if response.status_code != 202:
                    raise RuntimeError(f"run refused: {response.status_code} {response.text}")
                ids.append(response.json()["run_id"])
                if concurrency == 1:
                    await asyncio.sleep(0.05)  # one run at a time: the previous one has ended before the next

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return ids


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def loaded(url: str, workflow_id: str, key: str, runs: int, concurrency: int) -> tuple[float, float]:
    """runs/s from the first run recorded to the last ended, and runs accepted per second, under load."""
    started = time.monotonic()
    ids = set(asyncio.run(send(url, workflow_id, key, runs, concurrency)))
    accepted_s = time.monotonic() - started
    rows = runs_of(url, workflow_id, ids)
    failed = [r for r in rows if r["status"] != "succeeded"]
    if failed:
        raise RuntimeError(f"{len(failed)} runs did not succeed, e.g. {failed[0]['status']}: {failed[0]['error']}")
    span = max(r["finished_at"] for r in rows) - min(r["created_at"] for r in rows)
    return round(runs / span, 1), round(runs / accepted_s, 1)


def measure(url: str, runs: int, concurrency: int, latency_runs: int) -> dict[str, Any]:
    workflow_id, key = publish(url, five_nodes())
    asyncio.run(send(url, workflow_id, key, 5, 1))  # warm up: the first run compiles and caches the version
    quiet = set(asyncio.run(send(url, workflow_id, key, latency_runs, 1)))
    latency = [(r["finished_at"] - r["created_at"]) * 1000 for r in runs_of(url, workflow_id, quiet)]
    cpu, accepted = loaded(url, workflow_id, key, runs, concurrency)
    model_id, model_key = publish(url, model_call())
    waits, _ = loaded(url, model_id, model_key, runs, concurrency * 4)
    return {"latency_p50_ms": round(statistics.median(latency), 1),
            "latency_p95_ms": round(percentile(latency, 0.95), 1),
            "runs_per_s": cpu, "accepted_per_s": accepted, "model_runs_per_s": waits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="async runs sent under load, per mode")
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending them")
    parser.add_argument("--latency-runs", type=int, default=40, help="runs sent one at a time, per mode")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="threads of each loom worker")
    parser.add_argument("--call-s", type=float, default=0.2, help="how long the model takes to answer")
    args = parser.parse_args()
    load = {"runs": args.runs, "concurrency": args.concurrency, "latency_runs": args.latency_runs}
    results: dict[str, Any] = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the clusters' processes are stopped too
    model = ScriptedOpenAI(lambda body: Reply("ok", delay_s=args.call_s)).start()
    # Every run admitted (none answered 429); the model `default` is the scripted server.
    env = {"LOOM_MAX_CONCURRENT_RUNS_PER_APP": str(max(20, args.runs)), "LOOM_LLM_BASE_URL": model.url}
    with Cluster(apis=1, workers=0, database="sqlite", redis=False, env=env) as embedded:
        results["embedded"] = measure(embedded.apis[0].url, **load)
    print(f"embedded: {results['embedded']}", flush=True)

    with Cluster(apis=1, workers=2, worker_concurrency=args.worker_concurrency, env=env) as cluster:
        url = cluster.apis[0].url
        cluster.stop("worker-2")
        results["queued_1_worker"] = measure(url, **load)
        print(f"queued, 1 worker: {results['queued_1_worker']}", flush=True)
        cluster.start_member("worker-2")
        results["queued_2_workers"] = measure(url, **load)
        print(f"queued, 2 workers: {results['queued_2_workers']}", flush=True)

    base, one, two = results["embedded"], results["queued_1_worker"], results["queued_2_workers"]
    results["queue_added_latency_ms"] = {"p50": round(one["latency_p50_ms"] - base["latency_p50_ms"], 1),
                                         "p95": round(one["latency_p95_ms"] - base["latency_p95_ms"], 1)}
    results["runs_per_s_2_vs_1_worker"] = round(two["runs_per_s"] / one["runs_per_s"], 2)
    results["model_runs_per_s_2_vs_1_worker"] = round(two["model_runs_per_s"] / one["model_runs_per_s"], 2)
    results["worker_concurrency"] = args.worker_concurrency
    model.stop()
    results.update(load, call_s=args.call_s)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
