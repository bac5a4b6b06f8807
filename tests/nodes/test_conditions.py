"""Every if-else operator, evaluated over a table of operands."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import NodeError
from nodes.conditions import OPERATORS, evaluate

CASES: list[tuple[str, Any, Any, bool]] = [
    ("eq", "a", "a", True), ("eq", 3, "3", True), ("eq", 3, 3.0, True), ("eq", "a", "b", False),
    ("eq", True, "true", True), ("ne", "a", "b", True), ("ne", 1, 1, False),
    ("contains", "hello world", "world", True), ("contains", ["a", "b"], "b", True), ("contains", None, "x", False),
    ("contains", {"k": 1}, "k", True), ("not_contains", "hello", "z", True), ("not_contains", ["a"], "a", False),
    ("starts_with", "《竹里馆》", "《", True), ("starts_with", "abc", "b", False), ("ends_with", "abc", "bc", True),
    ("regex", "order-123", r"\d{3}$", True), ("regex", "abc", r"^\d", False),
    ("is_empty", "", None, True), ("is_empty", "  ", None, True), ("is_empty", [], None, True),
    ("is_empty", None, None, True), ("is_empty", 0, None, False), ("is_not_empty", ["x"], None, True),
    ("gt", 5, 3, True), ("gt", "5", 3, True), ("gt", None, 3, False), ("lt", 2.5, 3, True), ("ge", 3, 3, True),
    ("le", 4, 3, False),
    ("length_eq", "abc", 3, True), ("length_gt", [1, 2], 1, True), ("length_gt", [], 0, False),
    ("length_gt", None, 0, False), ("length_lt", "ab", 3, True), ("length_ge", {"a": 1}, 1, True),
    ("length_le", "abcd", 3, False),
    ("is_true", True, None, True), ("is_true", "true", None, True), ("is_true", 1, None, False),
    ("is_false", False, None, True), ("is_false", None, None, False),
    ("is_null", None, None, True), ("is_null", "", None, False), ("is_not_null", 0, None, True),
    ("in", "b", ["a", "b"], True), ("in", 2, [1.0, 2.0], True), ("in", "x", "xyz", True),
    ("not_in", "c", ["a", "b"], True),
]


@pytest.mark.parametrize(("op", "left", "right", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_operator(op: str, left: Any, right: Any, expected: bool) -> None:
    assert evaluate(op, left, right) is expected


def test_every_operator_is_covered() -> None:
    assert {c[0] for c in CASES} == set(OPERATORS)


@pytest.mark.parametrize(("op", "left", "right", "message"), [
    ("gt", "many", 3, "left operand 'many' is not a number"),
    ("length_gt", 5, 1, "has no length"),
    ("regex", "x", "(", "invalid regex"),
    ("in", "a", 5, "must be an array or a string"),
])
def test_nonsense_operands_fail_clearly(op: str, left: Any, right: Any, message: str) -> None:
    with pytest.raises(NodeError, match=message.replace("(", r"\(")):
        evaluate(op, left, right)
