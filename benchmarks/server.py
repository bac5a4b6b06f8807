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

import httptools
import httpx
import uvloop

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


# The baseline: a bare FastAPI app under the same uvicorn settings, one POST route that parses the same JSON body
# into a pydantic model and answers a small JSON object — what any FastAPI endpoint costs before it does work.
BARE_APP = """
from fastapi import FastAPI
from pydantic import BaseModel

class Body(BaseModel):
    inputs: dict = {}

app = FastAPI()

@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}

@app.post("/v1/workflows/{workflow_id}/run")
async def run(workflow_id: str, body: Body) -> dict:
    return {"status": "succeeded", "workflow_id": workflow_id, "outputs": body.inputs}
"""


def start_server(data_dir: Path | None, port: int) -> subprocess.Popen:
    # Loom as `loom serve` starts it (its own start function: uvicorn picks uvloop + httptools, the access log is off,
    # the garbage collector is set up for serving), or the bare baseline when data_dir is None: under uvicorn with
    # uvloop + httptools, without the access log and with the same garbage-collector settings.
    if data_dir is None:
        code = (f"import uvicorn; from server.cli.serve import settle_heap; ns = {{}}; exec({BARE_APP!r}, ns); "
                f"settle_heap(); uvicorn.run(ns['app'], host='127.0.0.1', port={port}, loop='uvloop', "
                f"http='httptools', access_log=False, log_level='warning')")
    else:
        code = (f"from pathlib import Path; from server.cli.serve import start; "
                f"start('127.0.0.1', {port}, Path({str(data_dir)!r}))")
    env = {**os.environ, "LOOM_MAX_CONCURRENT_RUNS_PER_APP": "1000"}
    env.pop("LOOM_ACCESS_LOG", None)
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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Response:
    """httptools parser callbacks collecting one response."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.complete = False

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.complete = True


class Connection:
    """One HTTP/1.1 keep-alive connection, parsed with httptools: the load generator. It shares the cores
    with the server, and httpx spent about as much CPU per request (3 ms) as the server did."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    async def __aenter__(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n{head}\r\n".encode() + body)
        response = _Response()
        parser = httptools.HttpResponseParser(response)
        while not response.complete:
            data = await self.reader.read(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            parser.feed_data(data)
        return parser.get_status_code(), bytes(response.body)


async def blocking_load(url: str, key: str, requests: int, concurrency: int, server_pid: int) -> dict:
    parts = httpx.URL(url)
    headers = {"Authorization": f"Bearer {key}"}
    remaining = iter(range(requests))
    failures = 0
    latencies: list[float] = []

    async def worker() -> None:
        nonlocal failures
        async with Connection(parts.host, parts.port) as connection:
            for i in remaining:
                t0 = time.perf_counter()
                payload = json.dumps({"inputs": {"text": f"hello {i}"}}).encode()
                status, body = await connection.post(parts.path, payload, headers)
                latencies.append(time.perf_counter() - t0)
                if status != 200 or json.loads(body)["status"] != "succeeded":
                    failures += 1

    remaining = iter(range(min(200, requests)))  # warm-up
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    remaining = iter(range(requests))
    latencies.clear()
    server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    server_cpu, client_cpu = cpu_seconds(server_pid) - server_cpu, time.process_time() - client_cpu
    # CPU per run: steadier than runs/s on a machine shared with other work.
    return {"runs_per_s": round(requests / elapsed, 1), "failures": failures,
            "server_cpu_ms_per_run": round(server_cpu / requests * 1000, 2),
            "client_cpu_ms_per_run": round(client_cpu / requests * 1000, 2),
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
    bare_port = free_port()
    bare = start_server(None, bare_port)
    try:
        baseline = uvloop.run(blocking_load(f"http://127.0.0.1:{bare_port}/v1/workflows/bare/run", "none",
                                            args.requests, args.concurrency, bare.pid))
    finally:
        bare.terminate()
        bare.wait(timeout=10)
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
            load = uvloop.run(blocking_load(url, key, args.requests, args.concurrency, proc.pid))
            stream = asyncio.run(first_event(url, key, args.streams))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    ratio = load["runs_per_s"] / baseline["runs_per_s"]
    cpu_ratio = baseline["server_cpu_ms_per_run"] / load["server_cpu_ms_per_run"]
    # The machine's load: the runs/s of both servers swing with other work on the cores, their ratio less so.
    load_average = round(os.getloadavg()[0], 2)
    print(f"5-node workflow: {load['runs_per_s']} runs/s, {load['server_cpu_ms_per_run']} ms server CPU per run; "
          f"bare FastAPI endpoint: {baseline['runs_per_s']} requests/s, {baseline['server_cpu_ms_per_run']} ms "
          f"→ {ratio:.0%} of bare by runs/s, {cpu_ratio:.0%} by server CPU (target ≥ 30%; load average "
          f"{load_average} on {os.cpu_count()} cores)")
    print(json.dumps({"benchmark": "server", "workflow_nodes": 5, "requests": args.requests,
                      "concurrency": args.concurrency, "cpu_count": os.cpu_count(), "load_average": load_average,
                      **load, **stream,
                      "bare": baseline, "of_bare_runs_per_s": round(ratio, 3), "of_bare_cpu": round(cpu_ratio, 3),
                      "targets": {"runs_per_s": 200, "first_event_p50_ms": 20, "of_bare": 0.3}}))


if __name__ == "__main__":
    main()
