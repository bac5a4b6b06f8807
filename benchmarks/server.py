"""Server benchmark: blocking runs per second of a 5-node workflow (no LLM) under concurrent clients, and the
time from request to the first SSE event of a streaming run.

    python benchmarks/server.py [--requests 2000] [--concurrency 20] [--streams 200]

Starts ``loom serve`` in its own process on a fresh data directory, talks to it over real HTTP through the
public API with an app key, and prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def five_nodes() -> dict:
    """start → if-else → aggregator → aggregator → end: five executed nodes, no model, no sandbox."""
    return {"version": "1", "name": "bench", "nodes": [
        {"id": "start", "type": "start", "config": {"variables": [{"name": "text", "type": "string"}]}},
        {"id": "check", "type": "if-else", "config": {"cases": [{"id": "long", "logic": "and", "conditions": [
            {"left": {"ref": "start.text"}, "op": "length_gt", "right": {"value": 3}}]}]}},
        {"id": "m1", "type": "variable-aggregator", "inputs": {"a": {"ref": "start.text"}}},
        {"id": "m2", "type": "variable-aggregator", "inputs": {"a": {"ref": "m1.output"}}},
        {"id": "end", "type": "end", "inputs": {"result": {"ref": "m2.output"}}}],
        "edges": [{"source": "start", "target": "check"},
                  {"source": "check", "target": "m1", "source_handle": "long"},
                  {"source": "check", "target": "m1", "source_handle": "else"},
                  {"source": "m1", "target": "m2"}, {"source": "m2", "target": "end"}]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    # The app as `loom serve` builds it, under uvicorn with uvloop + httptools and without the access log
    # (one log line per request is a cost of its own, not the server's).
    code = (f"import uvicorn; from pathlib import Path; from server.app import create_app; "
            f"from server.settings import Settings; "
            f"uvicorn.run(create_app(Settings(data_dir=Path({str(data_dir)!r}))), host='127.0.0.1', port={port}, "
            f"loop='uvloop', http='httptools', access_log=False, log_level='warning')")
    env = {**os.environ, "LOOM_MAX_CONCURRENT_RUNS_PER_APP": "1000"}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


async def blocking_load(url: str, key: str, requests: int, concurrency: int) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    remaining = iter(range(requests))
    failures = 0
    latencies: list[float] = []

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for i in remaining:
            t0 = time.perf_counter()
            response = await client.post(url, json={"inputs": {"text": f"hello {i}"}}, headers=headers)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200 or response.json()["status"] != "succeeded":
                failures += 1

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(min(50, concurrency))))  # warm-up connections
        remaining = iter(range(requests))
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"runs_per_s": round(requests / elapsed, 1), "failures": failures,
            "latency_p50_ms": round(statistics.median(latencies) * 1000, 2),
            "latency_p95_ms": round(statistics.quantiles(latencies, n=20)[-1] * 1000, 2)}


async def first_event(url: str, key: str, streams: int) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    times = []
    async with httpx.AsyncClient(timeout=60) as client:
        for i in range(streams + 10):
            t0 = time.perf_counter()
            async with client.stream("POST", url, headers=headers,
                                     json={"inputs": {"text": f"s{i}"}, "response_mode": "streaming"}) as response:
                first = True
                async for line in response.aiter_lines():  # read to the end, to keep the connection
                    if first and line.startswith("data: "):
                        first = False
                        if i >= 10:  # the first ten warm up
                            times.append(time.perf_counter() - t0)
    return {"first_event_p50_ms": round(statistics.median(times) * 1000, 2),
            "first_event_p95_ms": round(statistics.quantiles(times, n=20)[-1] * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--streams", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(Path(tmp) / "data", port)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base) as client:
                workflow_id = client.post("/api/workflows", json=five_nodes()).raise_for_status().json()["id"]
                client.post(f"/api/workflows/{workflow_id}/publish").raise_for_status()
                key = client.post(f"/api/workflows/{workflow_id}/keys").raise_for_status().json()["key"]
            url = f"{base}/v1/workflows/{workflow_id}/run"
            load = asyncio.run(blocking_load(url, key, args.requests, args.concurrency))
            stream = asyncio.run(first_event(url, key, args.streams))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(json.dumps({"benchmark": "server", "workflow_nodes": 5, "requests": args.requests,
                      "concurrency": args.concurrency, "cpu_count": os.cpu_count(), **load, **stream,
                      "targets": {"runs_per_s": 200, "first_event_p50_ms": 20}}))


if __name__ == "__main__":
    main()
