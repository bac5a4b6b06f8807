"""http-request node benchmark: CPU per call with a client made per call vs the shared, pooled client.

    python benchmarks/http_node.py [--calls 200] [--rounds 3] [--concurrency 1]

Runs a one-node workflow (start → http-request GET → end) against the echo server of the tests
(tests/doubles/echo_http.py, on 127.0.0.1, allow-listed for the run) in alternating rounds: ``per-call`` is a run
without ``services.http`` (the node builds and closes a client, TLS context included, for its call), ``shared``
hands the runs one ``SafeHttp`` as the server does. CPU is the event loop thread's own (``time.thread_time``),
so the echo server's threads are not counted. The last line of output is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.graph import Graph, validate  # noqa: E402
from engine.runner import execute  # noqa: E402
from engine.spec import Services  # noqa: E402
from nodes.http_request import HTTP_LIMITS  # noqa: E402
from nodes.plugins.http import SafeHttp  # noqa: E402
from nodes.registry import CATALOG  # noqa: E402
from tests.doubles.echo_http import EchoServer  # noqa: E402


def _flow(url: str) -> dict[str, object]:
    return {"version": "1", "name": "http-bench",
            "nodes": [{"id": "start", "type": "start", "config": {"variables": []}},
                      {"id": "call", "type": "http-request", "config": {"url": url}},
                      {"id": "end", "type": "end", "inputs": {"status": {"ref": "call.status_code"}}}],
            "edges": [{"source": "start", "target": "call"}, {"source": "call", "target": "end"}]}


async def _round(graph: Graph, services: Services | None, calls: int, concurrency: int) -> tuple[float, float]:
    """(CPU ms per call, runs per second) for ``calls`` runs, ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            result = await execute(graph, {}, services)
            if result.status != "succeeded":
                raise RuntimeError(f"run failed: {result.error}")

    cpu, wall = time.thread_time(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    return cpu * 1000 / calls, calls / wall


async def main(calls: int, rounds: int, concurrency: int) -> dict[str, object]:
    os.environ["LOOM_PLUGIN_ALLOW_HOSTS"] = "127.0.0.1"
    with EchoServer() as server:
        graph = validate(_flow(server.url + "/anything"), CATALOG)
        http = SafeHttp(HTTP_LIMITS)
        shared = Services(http=http)
        await _round(graph, None, 10, 1)  # warm-up: imports, first TLS context
        await _round(graph, shared, 10, 1)
        figures: dict[str, list[tuple[float, float]]] = {"per-call": [], "shared": []}
        for r in range(rounds):
            for mode in (("per-call", "shared") if r % 2 == 0 else ("shared", "per-call")):
                figures[mode].append(await _round(graph, shared if mode == "shared" else None, calls, concurrency))
        await http.aclose()
    out: dict[str, object] = {"calls": calls, "rounds": rounds, "concurrency": concurrency}
    for mode, samples in figures.items():
        cpu = statistics.median(s[0] for s in samples)
        rate = statistics.median(s[1] for s in samples)
        print(f"{mode:>9}: {cpu:6.2f} ms CPU per run, {rate:7.1f} runs/s (medians of {rounds} rounds)")
        out[mode] = {"cpu_ms_per_run": round(cpu, 2), "runs_per_s": round(rate, 1)}
    per_call, pooled = figures["per-call"], figures["shared"]
    out["cpu_ratio"] = round(statistics.median(s[0] for s in per_call) / statistics.median(s[0] for s in pooled), 1)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.calls, args.rounds, args.concurrency))))
