"""Runs the 1,000-node chain of trivial nodes on other workflow engines, for benchmarks/engine.py.

    python benchmarks/compare_engines.py --chain 1000 --repeat 5

Run inside the side environment that benchmarks/engine.py builds (benchmarks/.venv-compare, with LangGraph and
graphon, Dify's engine, installed there and not in the project). Prints one JSON object: per engine, the median
wall time of the chain and per node, or the error that kept it from running.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import traceback
from collections.abc import Callable


def langgraph_chain(length: int) -> Callable[[], None]:
    """start → length-2 nodes each copying the value on → end, as a StateGraph."""
    from typing import TypedDict

    from langgraph.graph import END, START, StateGraph

    class State(TypedDict):
        x: str

    def step(state: State) -> dict:
        return {"x": state["x"]}

    graph = StateGraph(State)
    names = [f"n{i}" for i in range(length)]
    for name in names:
        graph.add_node(name, step)
    graph.add_edge(START, names[0])
    for a, b in zip(names, names[1:], strict=False):
        graph.add_edge(a, b)
    graph.add_edge(names[-1], END)
    app = graph.compile()

    def run() -> None:
        out = app.invoke({"x": "x"}, {"recursion_limit": length + 10})
        assert out["x"] == "x"
    return run


def graphon_chain(length: int) -> Callable[[], tuple[float, float]]:
    """start → length-2 variable aggregators, each reading the one before → end, on graphon's GraphEngine. Its
    graph and node objects serve one run, so each run builds them again; that time is left out (returned)."""
    from graphon.entities.graph_init_params import GraphInitParams
    from graphon.graph import Graph
    from graphon.graph_engine import GraphEngine
    from graphon.graph_engine.command_channels import InMemoryChannel
    from graphon.graph_events import GraphRunSucceededEvent
    from graphon.nodes.end.end_node import EndNode
    from graphon.nodes.start.start_node import StartNode
    from graphon.nodes.variable_aggregator.variable_aggregator_node import VariableAggregatorNode
    from graphon.runtime import GraphRuntimeState, VariablePool

    nodes = [{"id": "start", "data": {"type": "start", "title": "start", "variables": []}}]
    previous = ["sys", "query"]
    for i in range(length - 2):
        nodes.append({"id": f"n{i}", "data": {"type": "variable-aggregator", "title": f"n{i}",
                                              "output_type": "string", "variables": [previous]}})
        previous = [f"n{i}", "output"]
    nodes.append({"id": "end", "data": {"type": "end", "title": "end",
                                        "outputs": [{"variable": "answer", "value_selector": previous}]}})
    ids = [n["id"] for n in nodes]
    config = {"nodes": nodes, "edges": [{"id": f"e{i}", "source": a, "target": b}
                                        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))]}
    # graphon's response coordinator walks the paths to the end node recursively, one frame per node.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * length + 1000))
    classes = {"start": StartNode, "variable-aggregator": VariableAggregatorNode, "end": EndNode}

    def run() -> tuple[float, float]:
        built, built_cpu = time.perf_counter(), time.process_time()
        params = GraphInitParams(workflow_id="chain", graph_config=config, run_context={}, call_depth=0)
        pool = VariablePool()
        pool.add(["sys", "query"], "x")
        state = GraphRuntimeState(variable_pool=pool, start_at=time.perf_counter())

        class Factory:
            def create_node(self, node_config):  # noqa: ANN001, ANN202
                return classes[node_config["data"]["type"]](id=node_config["id"], config=node_config,
                                                            graph_init_params=params, graph_runtime_state=state)

        graph = Graph.init(graph_config=config, node_factory=Factory(), root_node_id="start")
        engine = GraphEngine(workflow_id="chain", graph=graph, graph_runtime_state=state,
                             command_channel=InMemoryChannel())
        build_s, build_cpu_s = time.perf_counter() - built, time.process_time() - built_cpu
        events = list(engine.run())
        assert isinstance(events[-1], GraphRunSucceededEvent), events[-1]
        assert events[-1].outputs == {"answer": "x"}, events[-1].outputs
        return build_s, build_cpu_s
    return run


def measure(build: Callable[[int], Callable[[], tuple[float, float] | None]], length: int, repeat: int) -> dict:
    """Wall and CPU time (all threads) per run, less what a run spends building per-run objects."""
    try:
        run = build(length)
        run()  # warm-up
        times, cpu_times = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            excluded, excluded_cpu = run() or (0.0, 0.0)
            times.append(time.perf_counter() - started - excluded)
            cpu_times.append(time.process_time() - cpu_started - excluded_cpu)
    except Exception as exc:  # report what kept the engine from running, never a figure
        return {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=3)}
    median = statistics.median(times)
    return {"chain_ms": round(median * 1000, 1), "per_node_us": round(median * 1e6 / length, 1),
            "cpu_per_node_us": round(statistics.median(cpu_times) * 1e6 / length, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    from importlib.metadata import version

    # The collector settings `loom serve` runs Loom's engine under (server/cli/serve.py settle_heap), so both sides
    # are timed alike.
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    figures = {}
    for name, build in (("langgraph", langgraph_chain), ("graphon", graphon_chain)):
        figures[name] = {"version": version(name), **measure(build, args.chain, args.repeat)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
