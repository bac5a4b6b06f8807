"""Phase 1: parse raw definition data into a ``WorkflowDef``, every pydantic error located at its node and field."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from engine.errors import DefinitionError, Issue
from engine.models import WorkflowDef

WORKFLOW = "workflow"  # pseudo node id for issues about the whole definition


def parse(data: Any) -> WorkflowDef:
    """Parse raw JSON data into a WorkflowDef, raising DefinitionError with located issues."""
    if isinstance(data, WorkflowDef):
        return data
    try:
        return WorkflowDef.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError([issue_from_pydantic(data, err) for err in exc.errors()]) from None


def issue_from_pydantic(data: Any, err: Any) -> Issue:
    """One pydantic error on the whole definition as an Issue on its node (or ``workflow``) and field."""
    loc = list(err["loc"])
    node_id, prefix = WORKFLOW, []
    if len(loc) >= 2 and loc[0] in ("nodes", "edges") and isinstance(loc[1], int):
        items = data.get(loc[0]) if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        if loc[0] == "nodes" and isinstance(item, dict) and isinstance(item.get("id"), str):
            node_id = item["id"]
        else:
            prefix = [f"{loc[0]}[{loc[1]}]"]
        loc = loc[2:]
    # Drop the union-branch names pydantic adds for ValueSource (``Ref`` / ``Literal_``).
    loc = [p for p in loc if p not in ("Ref", "Literal_")]
    field = ".".join(prefix + [str(p) for p in loc])
    return Issue(node_id, field, pydantic_message(err))


def pydantic_message(err: Any) -> str:
    """A pydantic error's message in the words the editor shows."""
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "field required"
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])  # our own validators' words, without pydantic's "Value error, "
    return str(err["msg"])
