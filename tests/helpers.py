"""Builders shared by the tests: compact workflow construction and a catalog with test node types."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from pydantic import Field

from engine.errors import NodeError
from engine.events import BaseEvent
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from nodes.registry import CATALOG


def ref(path: str) -> dict[str, str]:
    return {"ref": path}


def lit(value: Any) -> dict[str, Any]:
    return {"value": value}


def node(node_id: str, type_: str, inputs: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node_id, "type": type_}
    if inputs:
        data["inputs"] = {k: v if isinstance(v, dict) else ref(v) for k, v in inputs.items()}
    config = fields.pop("config", None)
    if config is not None:
        data["config"] = config
    data.update(fields)
    return data


def start(*variables: dict[str, Any] | str) -> dict[str, Any]:
    vars_ = [{"name": v, "type": "string"} if isinstance(v, str) else v for v in variables]
    return node("start", "start", config={"variables": vars_})


def end(node_id: str = "end", **inputs: str) -> dict[str, Any]:
    return node(node_id, "end", inputs)


def edge(source: str, target: str, handle: str | None = None) -> dict[str, str]:
    data = {"source": source, "target": target}
    if handle:
        data["source_handle"] = handle
    return data


def chain(*ids: str) -> list[dict[str, str]]:
    return [edge(a, b) for a, b in pairwise(ids)]


def workflow(nodes: list[dict[str, Any]], edges: list[dict[str, str]], **fields: Any) -> dict[str, Any]:
    return {"version": "1", "name": fields.pop("name", "test"), "nodes": nodes, "edges": edges, **fields}


def statuses(events: list[BaseEvent]) -> list[tuple[str, str, str]]:
    """(type, node_id, status) for node_finished and run_finished events, in order."""
    rows = []
    for e in events:
        if e.type == "node_finished":
            rows.append((e.type, e.node_id, e.status))
        elif e.type == "run_finished":
            rows.append((e.type, "", e.status))
    return rows


# -- test node types: controllable timing and failure, to exercise the runner ------------------------
class SleepConfig(Strict):
    seconds: float = 0.0
    fail_times: int = Field(0, ge=0)  # fail this many attempts before succeeding
    output: Any = "done"


_attempts: dict[str, int] = {}


async def _sleep_run(ctx: NodeContext, config: SleepConfig) -> NodeResult:
    key = f"{ctx.run_id}:{ctx.node_id}"
    _attempts[key] = _attempts.get(key, 0) + 1
    await asyncio.sleep(config.seconds)
    if _attempts[key] <= config.fail_times:
        raise NodeError(f"scripted failure {_attempts[key]}")
    return NodeResult(outputs={"value": config.output, **ctx.inputs})


def _sleep_outputs(node: NodeDef, config: SleepConfig, services: Services | None) -> dict[str, str]:
    return {"value": "any", **dict.fromkeys(node.inputs, "any")}


SLEEP = NodeSpec(type="sleep", title="Sleep (test)", config_model=SleepConfig, run=_sleep_run, outputs=_sleep_outputs)


def catalog_with_test_nodes() -> Mapping[str, NodeSpec]:
    return {**CATALOG, "sleep": SLEEP}
