"""If-else operators: what left types each accepts (checked at save time) and how each evaluates."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal, get_args

from engine.errors import NodeError

Operator = Literal[
    "eq", "ne", "contains", "not_contains", "starts_with", "ends_with", "regex", "is_empty", "is_not_empty",
    "gt", "lt", "ge", "le", "length_eq", "length_gt", "length_lt", "length_ge", "length_le",
    "is_true", "is_false", "is_null", "is_not_null", "in", "not_in",
]
OPERATORS: tuple[str, ...] = get_args(Operator)

_SCALAR = ("string", "number", "boolean")
_LENGTHY = ("string", "array", "object")
# Left operand types each operator accepts ("array" means any array type).
LEFT_TYPES: dict[str, tuple[str, ...]] = {
    "eq": _SCALAR, "ne": _SCALAR,
    "contains": ("string", "array", "object"), "not_contains": ("string", "array", "object"),
    "starts_with": ("string",), "ends_with": ("string",), "regex": ("string",),
    "is_empty": ("any",), "is_not_empty": ("any",), "is_null": ("any",), "is_not_null": ("any",),
    "gt": ("number",), "lt": ("number",), "ge": ("number",), "le": ("number",),
    **{op: _LENGTHY for op in ("length_eq", "length_gt", "length_lt", "length_ge", "length_le")},
    "is_true": ("boolean",), "is_false": ("boolean",),
    "in": _SCALAR, "not_in": _SCALAR,
}
UNARY = {"is_empty", "is_not_empty", "is_true", "is_false", "is_null", "is_not_null"}
# Right operand types, where the operator fixes them.
RIGHT_TYPES: dict[str, tuple[str, ...]] = {
    **{op: ("number",) for op in ("gt", "lt", "ge", "le", "length_eq", "length_gt", "length_lt",
                                  "length_ge", "length_le")},
    "starts_with": ("string",), "ends_with": ("string",), "regex": ("string",),
    "in": ("array", "string"), "not_in": ("array", "string"),
}


def _number(value: Any, side: str) -> float:
    if isinstance(value, bool):
        raise NodeError(f"{side} operand is a boolean, not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise NodeError(f"{side} operand {value!r} is not a number")


def _length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise NodeError(f"left operand {value!r} has no length")


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return str(left).lower() == str(right).lower()
    if isinstance(left, (int, float)) or isinstance(right, (int, float)):
        try:
            return _number(left, "left") == _number(right, "right")
        except NodeError:
            return False
    return bool(left == right)


def _contains(left: Any, right: Any) -> bool:
    if left is None:
        return False
    if isinstance(left, str):
        return str(right) in left
    if isinstance(left, (list, dict)):
        return right in left
    raise NodeError(f"left operand {left!r} cannot contain anything")


def _in(left: Any, right: Any) -> bool:
    if isinstance(right, list):
        return any(_equal(left, item) for item in right)
    if isinstance(right, str):
        return str(left) in right
    raise NodeError(f"right operand of 'in' must be an array or a string, got {right!r}")


def _regex(left: Any, right: Any) -> bool:
    try:
        return re.search(str(right), "" if left is None else str(left)) is not None
    except re.error as exc:
        raise NodeError(f"invalid regex {right!r}: {exc}") from None


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0) or (
        isinstance(value, str) and not value.strip())


def _truth(value: Any, expected: bool) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == str(expected).lower()
    return value is expected


_EVALUATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _equal,
    "ne": lambda a, b: not _equal(a, b),
    "contains": _contains,
    "not_contains": lambda a, b: not _contains(a, b),
    "starts_with": lambda a, b: isinstance(a, str) and a.startswith(str(b)),
    "ends_with": lambda a, b: isinstance(a, str) and a.endswith(str(b)),
    "regex": _regex,
    "is_empty": lambda a, _: _is_empty(a),
    "is_not_empty": lambda a, _: not _is_empty(a),
    "gt": lambda a, b: a is not None and _number(a, "left") > _number(b, "right"),
    "lt": lambda a, b: a is not None and _number(a, "left") < _number(b, "right"),
    "ge": lambda a, b: a is not None and _number(a, "left") >= _number(b, "right"),
    "le": lambda a, b: a is not None and _number(a, "left") <= _number(b, "right"),
    "length_eq": lambda a, b: _length(a) == _number(b, "right"),
    "length_gt": lambda a, b: _length(a) > _number(b, "right"),
    "length_lt": lambda a, b: _length(a) < _number(b, "right"),
    "length_ge": lambda a, b: _length(a) >= _number(b, "right"),
    "length_le": lambda a, b: _length(a) <= _number(b, "right"),
    "is_true": lambda a, _: _truth(a, True),
    "is_false": lambda a, _: _truth(a, False),
    "is_null": lambda a, _: a is None,
    "is_not_null": lambda a, _: a is not None,
    "in": _in,
    "not_in": lambda a, b: not _in(a, b),
}
assert set(_EVALUATORS) == set(OPERATORS) == set(LEFT_TYPES)


def evaluate(op: str, left: Any, right: Any = None) -> bool:
    """Evaluate one condition; a nonsensical operand raises NodeError naming it."""
    return _EVALUATORS[op](left, right)
