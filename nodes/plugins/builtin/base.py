"""What a built-in tool is: a schema plus an async function over validated parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from engine.services import FileReader
from nodes.plugins.http import SafeHttp
from nodes.plugins.schema import PluginInfo, ToolSchema


@dataclass(frozen=True)
class CallContext:
    """What a tool call may use: the guarded HTTP client, the allow-list, uploaded files, local paths."""

    http: SafeHttp
    allow_hosts: tuple[str, ...] = ()
    files: FileReader | None = None
    allow_local_paths: bool = False


ToolFn = Callable[[dict[str, Any], CallContext], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class BuiltinPlugin:
    """A plugin shipped with Loom: one tool of the same name."""

    schema: ToolSchema
    run: ToolFn
    description: str = ""

    @property
    def info(self) -> PluginInfo:
        return PluginInfo(name=self.schema.name, description=self.description, kind="builtin",
                          tools=[self.schema])
