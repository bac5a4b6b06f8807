"""Loom conditions (if-else cases, loop exits, list filters) as Dify conditions (the export direction)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dify.export_refs import Selectors, Unexportable

# Loom operator → Dify comparison operator; None where Dify has none. eq/ne depend on the operand type.
OPERATORS: dict[str, str | None] = {
    "eq": "is", "ne": "is not", "contains": "contains", "not_contains": "not contains",
    "starts_with": "start with", "ends_with": "end with", "is_empty": "empty", "is_not_empty": "not empty",
    "gt": ">", "lt": "<", "ge": "≥", "le": "≤", "is_true": "is", "is_false": "is", "is_null": "null",
    "is_not_null": "not null", "in": "in", "not_in": "not in", "regex": None, "length_eq": None,
    "length_gt": None, "length_lt": None, "length_ge": None, "length_le": None,
}
NUMERIC = {"eq": "=", "ne": "≠"}
EMPTINESS: dict[tuple[str, Any], str] = {
    ("length_gt", 0): "is_not_empty", ("length_ge", 1): "is_not_empty", ("length_eq", 0): "is_empty",
             ("length_lt", 1): "is_empty", ("length_le", 0): "is_empty"}


def _falsy_check(op: str, literal: Any) -> tuple[str, Any] | None:
    """The import's spelling of Dify's null-aware operators, back as Dify's: ``in [0, null]`` → empty,
    ``not_in [x, null]`` → ``≠ x``/``is not x``."""
    if op not in ("in", "not_in") or not isinstance(literal, list) or len(literal) != 2 or literal[1] is not None:
        return None
    first = literal[0]
    if first is not None and not isinstance(first, str) and not first:  # 0 or false
        return ("is_empty" if op == "in" else "is_not_empty"), first  # first: the operand's type
    if op == "not_in":
        return "ne", first
    return None


def operator_name(op: str, var_type: str) -> str:
    """Dify's name for a Loom operator on an operand of ``var_type``."""
    if var_type in ("number", "integer") and op in NUMERIC:
        return NUMERIC[op]
    name = OPERATORS.get(op)
    if name is None:
        raise Unexportable(f"the operator '{op}' has no Dify equivalent")
    return name


def _var_type(op: str, left_type: str, right: Any) -> str:
    if op in ("is_true", "is_false"):
        return "boolean"
    if left_type in ("integer", "number"):
        return "number"
    if left_type in ("any", "") and isinstance(right, (int, float)) and not isinstance(right, bool):
        return "number"
    if left_type in ("any", "") and isinstance(right, bool):
        return "boolean"
    return left_type if left_type not in ("", "any") else "string"


def condition(cond: Mapping[str, Any], selectors: Selectors, type_of: Callable[[str], str],
              cond_id: str) -> dict[str, Any]:
    """One ``{left, op, right}`` as a Dify condition; the left side must be a ref."""
    left = cond["left"]
    if "ref" not in left:
        raise Unexportable("a condition whose left side is a literal; Dify compares a variable")
    op = cond["op"]
    right = cond.get("right")
    literal = right.get("value") if right is not None and "ref" not in right else None
    # a length compared with 0 is Dify's (not) empty, null included
    if not isinstance(literal, list) and (op, literal) in EMPTINESS:
        op, right, literal = EMPTINESS[(op, literal)], None, None
    falsy = _falsy_check(op, literal)
    if falsy is not None:
        op, literal = falsy
        right = None if op in ("is_empty", "is_not_empty") else {"value": literal}
    var_type = _var_type(op, type_of(left["ref"]), literal)
    value: Any
    if op in ("is_true", "is_false"):
        value = "true" if op == "is_true" else "false"
    elif right is None:
        value = ""
    elif "ref" in right:
        value = "{{#" + ".".join(selectors.selector(right["ref"])) + "#}}"
    elif isinstance(literal, bool):
        value = "true" if literal else "false"
    elif isinstance(literal, list):
        value = [str(v) for v in literal]
    else:
        value = "" if literal is None else str(literal)
    return {"id": cond_id, "variable_selector": selectors.selector(left["ref"]),
            "comparison_operator": operator_name(op, var_type), "value": value, "varType": var_type}
