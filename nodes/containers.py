"""What the container nodes (iteration, loop) share: the sub-graph fields of their config."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.models import EdgeDef, NodeDef, Strict

MAX_BODY_NODES = 200


class SubGraph(Strict):
    """A container's sub-graph: nodes and edges as at the top level, without start or end nodes. Its entry
    nodes are those without incoming edges; node ids are unique across the whole workflow."""

    nodes: list[NodeDef] = Field(default_factory=list, max_length=MAX_BODY_NODES)
    edges: list[EdgeDef] = Field(default_factory=list)


def body(config: Any) -> tuple[list[NodeDef], list[EdgeDef]]:
    return list(config.nodes), list(config.edges)


def array_of(item_type: str | None) -> str:
    """The array type holding items of ``item_type`` (``any`` where the format has no such array type)."""
    if item_type in ("string", "number", "object", "file"):
        return f"array[{item_type}]"
    if item_type == "integer":
        return "array[number]"
    return "any"
