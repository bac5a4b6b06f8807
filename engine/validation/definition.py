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
        raise DefinitionError([issue_from_pydantic(data, err) for err in located_errors(data, exc.errors())]) from None


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
    field = ".".join(prefix + [str(p) for p in loc])
    return Issue(node_id, field, pydantic_message(err))


_BRANCHES = {"Ref": "ref", "Literal_": "value"}  # the union branches pydantic names in a ValueSource's loc


def located_errors(root: Any, errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors with the ValueSource branch names (``Ref`` / ``Literal_``) dropped from each loc, and a
    value source's errors reduced to the one that matters: pydantic tries the source against both branches, so
    one empty ref would read "ref: should match pattern; value: field required; ref: unknown field"."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[tuple[Any, ...], str]] = set()
    for err in errors:
        loc = list(err["loc"])
        branch = next((i for i, p in enumerate(loc) if p in _BRANCHES), None)
        if branch is not None:
            where, source = loc[:branch], _at(root, loc[:branch])
            err = _source_error(err, where, loc[branch], [*where, *loc[branch + 1:]], source)
            if err is None:
                continue
        key = (tuple(err["loc"]), str(err.get("msg")))
        if key not in seen:
            seen.add(key)
            out.append(err)
    return out


def _source_error(err: Any, where: list[Any], branch: str, loc: list[Any], source: Any) -> dict[str, Any] | None:
    """The error of a value source as the user wrote it: None when it belongs to the branch not meant."""
    if not isinstance(source, dict):
        return _plain(where, 'must be {"ref": "node_id.output"} or {"value": ...}')
    meant = [key for key in ("ref", "value") if key in source]
    if len(meant) == 2:
        return _plain(where, "has both a ref and a value; keep one of them")
    if not meant:
        return _plain(where, "needs a variable to read (ref) or a fixed value (value)")
    if _BRANCHES[branch] != meant[0]:
        return None
    if meant[0] == "ref" and source["ref"] == "":
        return _plain(where, "no variable is picked")
    if meant[0] == "ref" and err["type"] == "string_pattern_mismatch":
        return _plain(where, f"'{source['ref']}' is not a variable reference (node_id.output)")
    return {**err, "loc": tuple(loc)}


def _plain(loc: list[Any], message: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": tuple(loc), "msg": message, "ctx": {"error": message}}


def _at(root: Any, loc: list[Any]) -> Any:
    """The raw data at ``loc`` (None where the path does not lead anywhere)."""
    for part in loc:
        if isinstance(root, dict) and isinstance(part, str):
            root = root.get(part)
        elif isinstance(root, list) and isinstance(part, int) and 0 <= part < len(root):
            root = root[part]
        else:
            return None
    return root


def pydantic_message(err: Any) -> str:
    """A pydantic error's message in the words the editor shows."""
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "field required"
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])  # our own validators' words, without pydantic's "Value error, "
    return str(err["msg"])
