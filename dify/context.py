"""What the node mappers share while one file is imported: ids, output aliases, env bindings, the report."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dify.report import ImportReport
from engine.services import ToolProvider

IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")
# A Loom output path rewrite: Dify's [var, *path] on a node → Loom's [output, *path] on the same node.
Alias = Callable[[list[str]], list[str]]


def identifier(text: str, fallback: str = "value") -> str:
    """A Loom input/variable name from any text: letters, digits and _, not starting with a digit."""
    name = IDENTIFIER.sub("_", text).strip("_")[:60] or fallback
    return f"v_{name}" if name[0].isdigit() else name


@dataclass
class MapContext:
    """State of one import; mappers read ids and types from it and record into its report."""

    report: ImportReport
    chat: bool
    dify_types: dict[str, str]  # every Dify node id → its type
    titles: dict[str, str]
    ids: dict[str, str]  # Dify node id → Loom node id
    start_id: str
    start_dify_id: str
    tools: ToolProvider
    aliases: dict[str, dict[str, Alias]] = field(default_factory=dict)  # loom node id → Dify var → rewrite
    env: dict[str, Any] = field(default_factory=dict)  # env name → {"value": v} or {"ref": "start.x"}
    conversation: set[str] = field(default_factory=set)
    start_extra: list[dict[str, Any]] = field(default_factory=list)  # start variables the import adds
    start_names: set[str] = field(default_factory=set)
    containers: dict[str, str] = field(default_factory=dict)  # Dify child node id → its container's Dify id
    # Builds a container's sub-graph (Loom nodes, edges) from its Dify children; set by the importer.
    loop_vars: dict[str, dict[str, str]] = field(default_factory=dict)  # Dify loop id → variable → type
    loop_updates: dict[str, dict[str, str]] = field(default_factory=dict)  # Dify loop id → variable → ref
    # Dify assigner id → variable → the ref it copies, for assigners that only copy values into loop variables
    loop_copies: dict[str, dict[str, str]] = field(default_factory=dict)
    body: Callable[[str], tuple[list[dict[str, Any]], list[dict[str, Any]]]] | None = None

    def label(self, dify_id: str) -> str:
        return f"node '{dify_id}' ({self.dify_types.get(dify_id, '?')})"

    def add_start_input(self, base: str, description: str) -> str:
        """A required start variable the user fills at run time (secrets, env values kept out of the file)."""
        name, n = identifier(base), 2
        while name in self.start_names:
            name, n = f"{identifier(base)}_{n}", n + 1
        self.start_names.add(name)
        self.start_extra.append({"name": name, "type": "string", "required": True, "description": description})
        return name


class Inputs:
    """The inputs of one Loom node being built: each distinct Dify selector or literal gets one named input."""

    def __init__(self, ctx: MapContext, dify_id: str) -> None:
        self.ctx = ctx
        self.dify_id = dify_id
        self.values: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, str] = {}

    def name_for(self, hint: str) -> str:
        base = identifier(hint)
        name, n = base, 2
        while name in self.values:
            name, n = f"{base}_{n}", n + 1
        return name

    def add(self, hint: str, source: dict[str, Any], key: str | None = None) -> str:
        """Bind ``source`` (a ref or a literal) under a fresh name, or the name the same ``key`` got before."""
        if key is not None and key in self._by_key:
            return self._by_key[key]
        name = self.name_for(hint)
        self.values[name] = source
        if key is not None:
            self._by_key[key] = name
        return name

    def set(self, name: str, source: dict[str, Any]) -> None:
        """Bind under exactly ``name`` (Dify's own variable names: template and code arguments)."""
        self.values[name] = source
