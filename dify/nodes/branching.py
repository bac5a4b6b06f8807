"""If-else: Dify cases (or the single legacy condition list) → Loom cases; Dify's ``false`` handle is ``else``."""

from __future__ import annotations

from typing import Any

from dify.context import MapContext, identifier
from dify.nodes.base import Built
from dify.nodes.conditions import Before, conditions

RESERVED = {"else", "error", "out"}


def case_handle(case_id: str, else_id: str | None = "false") -> str:
    """The Loom handle for a Dify case or class id (``false`` is an if-else's else branch)."""
    if case_id == else_id:
        return "else"
    handle = identifier(case_id, "case").replace("__", "_")[:64] if not _valid(case_id) else case_id
    return f"case_{handle}" if handle in RESERVED else handle


def _valid(case_id: str) -> bool:
    return bool(case_id) and len(case_id) <= 64 and all(c.isalnum() or c in "_-" for c in case_id) \
        and case_id.isascii()


def if_else(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    cases = data.get("cases")
    if cases is None:  # DSL 0.1.x: one condition list, its branch is 'true'
        cases = [{"case_id": "true", "logical_operator": data.get("logical_operator", "and"),
                  "conditions": data.get("conditions") or []}]
    loom_cases = []
    before = Before(dify_id)
    for i, case in enumerate(cases):
        case_id = str(case.get("case_id") or case.get("id") or f"case{i + 1}")
        logic = str(case.get("logical_operator") or "and")
        found = conditions(case.get("conditions") or [], logic, ctx,
                           f"{ctx.label(dify_id)}: cases[{i}].conditions", before=before)
        if not found:
            ctx.report.approximate(dify_id, f"case '{case_id}' has no conditions and never holds")
            found = [{"left": {"value": None}, "op": "is_not_null"}]
        loom_cases.append({"id": case_handle(case_id), "logic": logic if logic in ("and", "or") else "and",
                           "conditions": found})
    return Built(type="if-else", config={"cases": loom_cases}, before=before.nodes)
