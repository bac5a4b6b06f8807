"""Dify value selectors (``[node_id, var, path...]``, ``sys.*``, ``env.*``, ``conversation.*``) as Loom sources."""

from __future__ import annotations

from typing import Any

from dify.context import MapContext
from dify.errors import DifyImportError

# Dify system variables and the Loom ``sys`` variable each one reads.
SYS = {"query": "sys.query", "files": "sys.files", "user_id": "sys.user", "conversation_id": "sys.conversation_id",
       "workflow_run_id": "sys.run_id"}
CHAT_ONLY = {"query", "conversation_id"}


def parts(selector: Any, where: str) -> list[str]:
    if not isinstance(selector, list) or len(selector) < 2 or not all(isinstance(p, (str, int)) for p in selector):
        raise DifyImportError(f"a value selector is a list [node_id, variable, ...], got {selector!r}", where)
    found = [str(p) for p in selector]
    if len(found) == 2 and found[1].startswith("sys."):  # DSL 0.1.x: [start_id, "sys.query"]
        found = ["sys", found[1][4:]]
    for part in found:
        if not part or "." in part and found[0] not in ("sys", "env", "conversation") or any(c.isspace() for c in part):
            raise DifyImportError(f"selector part '{part}' cannot be read in Loom (empty, or has '.' or spaces)",
                                  where)
    return found


def source(selector: Any, ctx: MapContext, where: str) -> dict[str, Any]:
    """The Loom value source reading what ``selector`` reads in Dify; a dangling selector raises naming ``where``."""
    found = parts(selector, where)
    head, var, rest = found[0], found[1], found[2:]
    if head == "sys":
        if var not in SYS:
            ctx.report.approximate(where, f"sys.{var} has no Loom equivalent; it reads as empty")
            return {"value": None}
        if var in CHAT_ONLY and not ctx.chat:
            ctx.report.approximate(where, f"sys.{var} exists only in chat apps; it reads as empty here")
            return {"value": None}
        return {"ref": ".".join([SYS[var], *rest])}
    if head == "env":
        if var not in ctx.env:
            raise DifyImportError(f"environment variable '{var}' is not declared in the file", where)
        bound = dict(ctx.env[var])
        if "ref" in bound and rest:
            bound["ref"] = ".".join([bound["ref"], *rest])
        return bound
    if head == "conversation":
        if var not in ctx.conversation:
            raise DifyImportError(f"conversation variable '{var}' is not declared in the file", where)
        return {"ref": ".".join(["conversation", var, *rest])}
    if head not in ctx.dify_types:
        raise DifyImportError(f"dangling selector {found}: there is no node '{head}'", where)
    loom_id = ctx.ids[head]
    alias = ctx.aliases.get(loom_id, {}).get(var)
    path = alias([var, *rest]) if alias else [var, *rest]
    if path and path[0].startswith("@"):  # the alias moved the value to another node: ["@node", output, ...]
        return {"ref": ".".join([path[0][1:], *path[1:]])}
    return {"ref": ".".join([loom_id, *path])}
