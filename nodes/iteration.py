"""``iteration``: runs its sub-graph once per item of the array input ``items``.

Children read ``<iteration_id>.item`` and ``<iteration_id>.index``. ``output`` is the ref, inside the sub-graph,
collected per item into the output ``output`` (in item order). Items run one after another, or in parallel up to
``max_concurrency`` at a time. When an item's sub-graph fails: ``stop`` fails the node, ``skip`` drops the item,
``collect`` keeps ``null`` in its place; both list the failures in ``errors`` ({index, node_id, error}).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from engine.errors import Issue, NodeError
from engine.models import NodeDef, Ref
from engine.spec import Container, NodeContext, NodeResult, NodeSpec, RefUse, Services
from engine.types import describe, element_type
from nodes.containers import SubGraph, array_of, body

INPUT = "items"


class IterationConfig(SubGraph):
    """The sub-graph, what it yields per item, and how items run."""

    output: Ref
    parallel: bool = False
    max_concurrency: int = Field(4, ge=1, le=64)
    error_mode: Literal["stop", "skip", "collect"] = "stop"


def outputs(node: NodeDef, config: IterationConfig, services: Services | None) -> dict[str, str]:
    return {"output": "any", "errors": "array[object]"}  # ``output``'s item type comes from the sub-graph


def typed_outputs(node: NodeDef, config: IterationConfig, ref_type: Callable[[Ref], str | None]) -> dict[str, str]:
    return {"output": array_of(ref_type(config.output)), "errors": "array[object]"}


def refs(node: NodeDef, config: IterationConfig, services: Services | None) -> list[RefUse]:
    return [RefUse(f"inputs.{name}", source, ("array",) if name == INPUT else ("any",))
            for name, source in node.inputs.items()]


def check(node: NodeDef, config: IterationConfig, services: Services | None) -> list[Issue]:
    if INPUT not in node.inputs:
        return [Issue(node.id, f"inputs.{INPUT}", "an iteration needs the array input 'items'")]
    return []


def scope(node: NodeDef, config: IterationConfig, ref_type: Callable[[Ref], str | None]) -> dict[str, str]:
    source = node.inputs.get(INPUT)
    items_type = ref_type(source) if isinstance(source, Ref) else None
    return {"item": element_type(items_type or "any"), "index": "integer"}


def results(config: IterationConfig) -> list[RefUse]:
    return [RefUse("output", config.output)]


async def run(ctx: NodeContext, config: IterationConfig) -> NodeResult:
    items = ctx.inputs.get(INPUT)
    if not isinstance(items, list):
        raise NodeError(f"input '{INPUT}' is {describe(items)}, not an array", retryable=False)
    sub = ctx.body
    if sub is None:
        raise NodeError("the sub-graph is not available to this run", retryable=False)
    if len(items) > sub.max_items:
        raise NodeError(f"{len(items):,} items, over the limit of {sub.max_items:,} items per iteration",
                        retryable=False)
    values: list[Any] = [None] * len(items)
    dropped: set[int] = set()
    errors: list[dict[str, Any]] = []

    async def one(index: int) -> None:
        outcome = await sub.run({"item": items[index], "index": index}, index)
        if outcome.error is None:
            values[index] = outcome.resolve(config.output)
            return
        if config.error_mode == "stop":
            raise NodeError(f"item {index}: {outcome.error}", retryable=False)
        errors.append({"index": index, "node_id": outcome.failed_node, "error": outcome.error})
        if config.error_mode == "skip":
            dropped.add(index)

    if config.parallel and len(items) > 1:
        await _bounded(one, len(items), config.max_concurrency)
    else:
        for index in range(len(items)):
            await one(index)
    errors.sort(key=lambda e: e["index"])
    kept = [v for i, v in enumerate(values) if i not in dropped] if dropped else values
    return NodeResult(outputs={"output": kept, "errors": errors})


async def _bounded(call: Callable[[int], Any], count: int, limit: int) -> None:
    """``call(i)`` for every index, at most ``limit`` at a time; the first failure cancels the rest."""
    pending = iter(range(count))

    async def worker() -> None:
        for index in pending:
            await call(index)

    workers = [asyncio.create_task(worker()) for _ in range(min(limit, count))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise


SPEC = NodeSpec(type="iteration", title="Iteration", config_model=IterationConfig, run=run, outputs=outputs,
                refs=refs, check=check,
                container=Container(body=body, scope=scope, results=results, outputs=typed_outputs))
