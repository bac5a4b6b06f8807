"""The plugins shipped with Loom, by name."""

from __future__ import annotations

from nodes.plugins.builtin import current_time, http_request, json_extract, read_file
from nodes.plugins.builtin.base import BuiltinPlugin, CallContext

BUILTINS: dict[str, BuiltinPlugin] = {
    p.schema.name: p for p in (read_file.PLUGIN, http_request.PLUGIN, current_time.PLUGIN, json_extract.PLUGIN)
}

__all__ = ["BUILTINS", "BuiltinPlugin", "CallContext"]
