"""Code-sandbox benchmark: latency of a trivial ``main`` on a warm pool, and throughput under concurrency.

    python benchmarks/sandbox.py [--workers 2] [--calls 300] [--concurrency 20] [--rounds 10]
                                 [--isolation full|none]

Targets (issue: code sandbox OS boundary): warm p50 ≤ 10 ms (never above 30 ms) for a trivial ``main`` with
every isolation layer on — bubblewrap namespaces, seccomp, an unprivileged uid, rlimits and a fresh fork per
run. Reported next to it, in the same run: a plain subprocess per run (``python -I -S -c`` reading the job
from stdin: the simplest design with the same per-run freshness and no isolation), p95, the time to start
the pool, the seed's merge node run through the real code node, and calls per second when
``--concurrency`` calls are in flight at once (queued on ``--workers`` zygotes). The last line of output is
one JSON object of figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.graph import validate  # noqa: E402
from engine.runner import execute  # noqa: E402
from engine.spec import Services  # noqa: E402
from nodes.registry import CATALOG  # noqa: E402
from nodes.sandbox import SandboxPool  # noqa: E402

TRIVIAL = "def main(args):\n    return {'n': args['n'] + 1}"
MERGE = ("def main(args: dict) -> dict:\n"
         "    return {'output': (args.get('str1') or '') + (args.get('str2') or '')}")


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _merge_workflow() -> dict:
    return {"name": "merge", "nodes": [
        {"id": "start", "type": "start", "config": {"variables": [{"name": "a", "type": "string"},
                                                                   {"name": "b", "type": "string"}]}},
        {"id": "merge", "type": "code", "inputs": {"str1": {"ref": "start.a"}, "str2": {"ref": "start.b"}},
         "config": {"code": MERGE, "outputs": {"output": "string"}}},
        {"id": "end", "type": "end", "inputs": {"answer": {"ref": "merge.output"}}}],
        "edges": [{"source": "start", "target": "merge"}, {"source": "merge", "target": "end"}]}


_PLAIN_RUNNER = ("import json, sys\njob = json.load(sys.stdin)\nnamespace = {}\nexec(job['code'], namespace)\n"
                 "json.dump(namespace['main'](job['args']), sys.stdout)")


async def _subprocess_per_run(calls: int) -> list[float]:
    """The baseline: one fresh interpreter per call, no isolation at all."""
    latencies = []
    for n in range(calls):
        t = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-S", "-c", _PLAIN_RUNNER, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        out, _ = await process.communicate(json.dumps({"code": TRIVIAL, "args": {"n": n}}).encode())
        assert json.loads(out) == {"n": n + 1}
        latencies.append((time.perf_counter() - t) * 1000)
    return latencies


async def bench(workers: int, calls: int, concurrency: int, rounds: int, isolation: str) -> dict[str, float]:
    started = time.perf_counter()
    pool = SandboxPool(size=workers, max_executions_per_worker=10_000, isolation=isolation)
    await pool.start()
    cold_ms = (time.perf_counter() - started) * 1000
    try:
        for n in range(20):  # warm the compile cache and the pipes
            await pool.run(TRIVIAL, {"n": n})
        latencies = []
        for n in range(calls):
            t = time.perf_counter()
            await pool.run(TRIVIAL, {"n": n})
            latencies.append((time.perf_counter() - t) * 1000)

        t = time.perf_counter()
        for _ in range(rounds):
            results = await asyncio.gather(*(pool.run(TRIVIAL, {"n": n}) for n in range(concurrency)))
            assert [r.value["n"] for r in results] == [n + 1 for n in range(concurrency)]
        elapsed = time.perf_counter() - t

        services = Services(sandbox=pool)
        graph = validate(_merge_workflow(), CATALOG, services)
        node_ms = []
        for _ in range(50):
            result = await execute(graph, {"a": "床前明月光，", "b": "疑是地上霜。"}, services)
            assert result.status == "succeeded", result.error
            node_ms.append(result.elapsed_ms)
    finally:
        await pool.close()
    baseline = await _subprocess_per_run(min(calls, 100))
    return {
        "isolation": isolation,
        "workers": workers,
        "calls": calls,
        "p50_ms": round(statistics.median(latencies), 3),
        "p95_ms": round(_percentile(latencies, 0.95), 3),
        "max_ms": round(max(latencies), 3),
        "pool_start_ms": round(cold_ms, 1),
        "workflow_run_p50_ms": round(statistics.median(node_ms), 3),
        "concurrency": concurrency,
        "throughput_calls_per_s": round(rounds * concurrency / elapsed, 1),
        "concurrent_batch_ms": round(elapsed / rounds * 1000, 2),
        "subprocess_per_run_p50_ms": round(statistics.median(baseline), 3),
        "subprocess_per_run_p95_ms": round(_percentile(baseline, 0.95), 3),
        "target_p50_ms": 10,
        "p50_within_target": statistics.median(latencies) <= 10,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--isolation", choices=("full", "none"), default="full")
    options = parser.parse_args()
    figures = asyncio.run(bench(options.workers, options.calls, options.concurrency, options.rounds,
                                options.isolation))
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
