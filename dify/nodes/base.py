"""What a node mapper returns, and its signature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dify.context import MapContext


@dataclass
class Built:
    """The Loom node a Dify node became (id, title and error policy are set by the importer).

    ``after`` is an extra node the importer inserts right behind this one: it takes over every outgoing edge
    (a flattening step behind an iteration, for example). ``before`` nodes get the same incoming edges as this
    one and an edge to it (a template that renders a tool parameter, for example)."""

    type: str
    config: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    after: dict[str, Any] | None = None
    before: list[dict[str, Any]] = field(default_factory=list)  # nodes run just before it, on its incoming edges


Mapper = Callable[[str, dict[str, Any], MapContext], Built]
