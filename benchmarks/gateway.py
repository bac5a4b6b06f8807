"""Added latency of the model gateway: the same chat completion called directly and through Loom.

By default Loom deploys the stand-in ``vllm`` (tests/doubles) with a fine-tuned adapter through its real
launcher, and the gateway resolves the fine-tuned model's name through the registry. ``--base-url`` and
``--model`` point it at any running OpenAI-compatible server instead (e.g. a real vLLM on a GPU machine).

    python benchmarks/gateway.py [--requests 300] [--base-url http://127.0.0.1:8001/v1 --model NAME]

Figures: p50/p95 latency of a non-streaming call, time to first token (TTFT) of a streaming call, and a
one-node workflow (start → llm → end), each direct vs through Loom; requests alternate so noise hits both.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.graph import validate  # noqa: E402
from engine.runner import execute  # noqa: E402
from engine.spec import Services  # noqa: E402
from modelhub.config import EndpointModel  # noqa: E402
from modelhub.gateway import Gateway  # noqa: E402
from modelhub.schemas import AdapterRef, BaseModelCreate, DeploymentCreate, FinetuneCreate  # noqa: E402
from nodes.registry import CATALOG  # noqa: E402
from server.db.registry import open_hub  # noqa: E402

MESSAGES = [{"role": "user", "content": "谁写了《竹里馆》？"}]
PARAMS = {"temperature": 0.3, "top_p": 1.0, "presence_penalty": 0.0, "max_tokens": 32}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


async def direct_call(client: httpx.AsyncClient, url: str, model: str, stream: bool) -> tuple[float, float | None]:
    body = {"model": model, "messages": MESSAGES, **PARAMS, "stream": stream}
    started, first = time.perf_counter(), None
    if not stream:
        response = await client.post(url, json=body)
        response.json()["choices"][0]["message"]["content"]
        return (time.perf_counter() - started) * 1000, None
    body["stream_options"] = {"include_usage": True}
    async with client.stream("POST", url, json=body) as response:
        async for line in response.aiter_lines():
            if line.startswith("data:") and first is None and '"content": "' in line and '"content": ""' not in line:
                first = (time.perf_counter() - started) * 1000
    return (time.perf_counter() - started) * 1000, first


async def loom_call(gateway: Gateway, name: str, stream: bool) -> tuple[float, float | None]:
    started, first = time.perf_counter(), None

    def on_delta(_: str) -> None:
        nonlocal first
        if first is None:
            first = (time.perf_counter() - started) * 1000

    await gateway.chat(name, MESSAGES, PARAMS, on_delta=on_delta if stream else None)
    return (time.perf_counter() - started) * 1000, first


async def node_call(graph: Any, services: Services) -> float:
    started = time.perf_counter()
    result = await execute(graph, {"query": MESSAGES[0]["content"]}, services)
    assert result.status == "succeeded", result.error
    return (time.perf_counter() - started) * 1000


async def measure(gateway: Gateway, name: str, url: str, model: str, n: int) -> dict[str, Any]:
    workflow = {"version": "1", "name": "bench", "nodes": [
        {"id": "start", "type": "start", "config": {"variables": [{"name": "query", "type": "string"}]}},
        {"id": "llm", "type": "llm", "inputs": {"query": {"ref": "start.query"}},
         "config": {"model": name, "params": {"max_tokens": 32},
                    "messages": [{"role": "user", "content": "{{query}}"}]}},
        {"id": "end", "type": "end", "inputs": {"answer": {"ref": "llm.text"}}}],
        "edges": [{"source": "start", "target": "llm"}, {"source": "llm", "target": "end"}]}
    services = Services(llm=gateway)
    graph = validate(workflow, CATALOG, services)
    keys = ("direct", "loom", "direct_stream", "direct_ttft", "loom_ttft", "node")
    figures: dict[str, list[float]] = {k: [] for k in keys}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        for i in range(n + 20):  # the first 20 warm up both paths
            # Which path goes first alternates, so neither always meets a freshly woken server.
            pair = [lambda: direct_call(client, url, model, stream=False),
                    lambda: loom_call(gateway, name, stream=False),
                    lambda: direct_call(client, url, model, stream=True), lambda: loom_call(gateway, name, stream=True)]
            order = [0, 1, 2, 3] if i % 2 else [1, 0, 3, 2]
            got = {k: await pair[k]() for k in order}
            w = await node_call(graph, services)
            if i >= 20:
                values = (("direct", got[0][0]), ("loom", got[1][0]), ("direct_stream", got[2][0]),
                          ("direct_ttft", got[2][1]), ("loom_ttft", got[3][1]), ("node", w))
                for key, value in values:
                    if value is not None:
                        figures[key].append(value)
    p50 = {k: statistics.median(v) for k, v in figures.items()}
    return {
        "requests": n,
        "direct_p50_ms": round(p50["direct"], 3), "loom_p50_ms": round(p50["loom"], 3),
        "direct_p95_ms": pct(figures["direct"], 0.95), "loom_p95_ms": pct(figures["loom"], 0.95),
        "gateway_overhead_p50_ms": round(p50["loom"] - p50["direct"], 3),
        "direct_ttft_p50_ms": round(p50["direct_ttft"], 3), "loom_ttft_p50_ms": round(p50["loom_ttft"], 3),
        "ttft_overhead_p50_ms": round(p50["loom_ttft"] - p50["direct_ttft"], 3),
        "workflow_llm_node_p50_ms": round(p50["node"], 3),
        "direct_stream_p50_ms": round(p50["direct_stream"], 3),
        "workflow_overhead_p50_ms": round(p50["node"] - p50["direct_stream"], 3),
        "targets": {"gateway_overhead_p50_ms": 1.0, "ttft_overhead_p50_ms": 2.0},
    }


async def with_standin(n: int) -> dict[str, Any]:
    os.environ.setdefault("LOOM_VLLM_BIN", str(ROOT / "tests" / "doubles" / "bin" / "vllm"))
    os.environ.setdefault("LOOM_STANDIN_PYTHON", sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = root / "Qwen2.5-7B-Instruct"
        base.mkdir()
        (base / "config.json").write_text("{}")
        adapter = root / "yuwen"
        adapter.mkdir()
        (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": str(base), "r": 8}))
        hub = open_hub(root / "data")
        hub.registry.add_base(BaseModelCreate(name="qwen", source=str(base)))
        hub.registry.add_finetune(FinetuneCreate(name="yuwen", base="qwen", adapter_path=str(adapter),
                                                 params={"temperature": 0.3}))
        row = hub.registry.create_deployment(DeploymentCreate(name="qwen-bench", base_model="qwen",
                                                              adapters=[AdapterRef(finetune="yuwen")]))
        await hub.deployments.start(row.id)
        while (row := hub.registry.get_deployment(row.id)).state == "starting":
            await asyncio.sleep(0.05)
        if row.state != "ready":
            raise SystemExit(f"stand-in did not start: {row.reason}")
        gateway = Gateway({}, registry=hub)
        try:
            figures = await measure(gateway, "yuwen", f"http://127.0.0.1:{row.port}/v1/chat/completions", "yuwen", n)
        finally:
            await gateway.aclose()
            await hub.close(stop_servers=True)
    return {"server": "stand-in vllm via Loom's launcher; model resolved through the registry", **figures}


async def with_server(base_url: str, model: str, n: int) -> dict[str, Any]:
    gateway = Gateway({"bench": EndpointModel(name="bench", base_url=base_url, model=model)})
    try:
        figures = await measure(gateway, "bench", base_url.rstrip("/") + "/chat/completions", model, n)
    finally:
        await gateway.aclose()
    return {"server": base_url, "model": model, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--base-url", help="an OpenAI-compatible server to measure against instead of the stand-in")
    parser.add_argument("--model", default="default")
    args = parser.parse_args()
    if args.base_url:
        result = asyncio.run(with_server(args.base_url, args.model, args.requests))
    else:
        result = asyncio.run(with_standin(args.requests))
    for key, value in result.items():
        if key != "targets":
            print(f"{key:>28}: {value}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
