"""Dify's if-else operators, imported and run through the engine, against what Dify's condition processor
(graphon ``utils/condition/processor.py``) gives for the same value: null values (an optional input left out),
numbers written as text, arrays, booleans, empty strings and files."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dify.exporter import export_dsl
from dify.importer import import_dsl
from engine.graph import validate
from engine.runner import execute
from engine.services import Services
from nodes.registry import CATALOG

pytestmark = pytest.mark.asyncio

A_FILE = {"type": "document", "transfer_method": "local_file", "filename": "a.txt", "extension": ".txt",
          "mime_type": "text/plain", "size": 3, "url": "/files/a"}

# (operator, Dify varType, the value compared, the condition's value, what Dify's processor answers)
CASES: list[tuple[str, str, Any, Any, bool]] = [
    ("is not", "string", None, "a", False),
    ("is not", "string", "b", "a", True),
    ("is not", "string", "a", "a", False),
    ("is not", "string", "", "a", True),
    ("is not", "boolean", True, "false", True),
    ("is not", "boolean", None, "false", False),
    ("≠", "number", None, "3", False),
    ("≠", "number", 4, "3", True),
    ("≠", "number", 3, "3", False),
    ("≠", "number", 3.0, "3", False),
    ("≠", "number", 0, "0", False),
    ("=", "number", 3, "3", True),
    ("=", "number", 3, "3.0", True),
    ("=", "number", None, "3", False),
    ("is", "string", "a", "a", True),
    ("is", "string", None, "a", False),
    ("is", "string", "", "", True),
    ("is", "boolean", True, "true", True),
    ("is", "boolean", False, "true", False),
    ("empty", "number", 0, "", True),
    ("empty", "number", 0.0, "", True),
    ("empty", "number", None, "", True),
    ("empty", "number", 5, "", False),
    ("not empty", "number", 0, "", False),
    ("not empty", "number", 7, "", True),
    ("not empty", "number", None, "", False),
    ("empty", "boolean", False, "", True),
    ("empty", "boolean", True, "", False),
    ("not empty", "boolean", None, "", False),
    ("not empty", "boolean", True, "", True),
    ("empty", "string", "", "", True),
    ("empty", "string", "  ", "", False),
    ("empty", "string", None, "", True),
    ("not empty", "string", " ", "", True),
    ("empty", "array[string]", [], "", True),
    ("empty", "array[string]", None, "", True),
    ("not empty", "array[string]", ["a"], "", True),
    ("empty", "object", {}, "", True),
    ("empty", "file", None, "", True),
    ("not empty", "file", A_FILE, "", True),
    ("empty", "array[file]", [], "", True),
    ("not empty", "array[file]", [A_FILE], "", True),
    ("contains", "string", None, "a", False),
    ("contains", "string", "cat", "a", True),
    ("contains", "string", "", "", False),
    ("not contains", "string", None, "a", True),
    ("not contains", "string", "", "a", True),
    ("not contains", "string", "cat", "a", False),
    ("contains", "array[string]", ["a", "b"], "b", True),
    ("contains", "array[string]", [], "b", False),
    ("not contains", "array[string]", ["a"], "b", True),
    ("not contains", "array[string]", None, "b", True),
    ("start with", "string", None, "a", False),
    ("start with", "string", "ab", "a", True),
    ("end with", "string", "ba", "a", True),
    ("end with", "string", "", "", False),
    (">", "number", None, "1", False),
    (">", "number", 2, "1.5", True),
    (">", "number", 1, "1.5", False),
    ("<", "number", 1, "1", False),
    ("≥", "number", 0, "0", True),
    ("≤", "number", 1, "1", True),
    ("≤", "number", None, "1", False),
    ("in", "string", "a", ["a", "b"], True),
    ("in", "string", "c", ["a", "b"], False),
    ("in", "string", "", ["", "b"], False),
    ("in", "string", None, ["a"], False),
    ("not in", "string", "", ["", "b"], True),
    ("not in", "string", None, ["a"], True),
    ("not in", "string", "a", ["a"], False),
    ("null", "string", None, "", True),
    ("null", "string", "", "", False),
    ("not null", "string", "", "", True),
    ("not null", "number", 0, "", True),
    ("exists", "string", None, "", False),
    ("exists", "number", 0, "", True),
    ("not exists", "string", None, "", True),
    ("not exists", "array[string]", [], "", False),
]


def _dsl(op: str, var_type: str, expected: Any, logic: str = "and", extra: list[dict[str, Any]] | None = None) -> str:
    condition = {"id": "c1", "variable_selector": ["start", "data", "v"], "comparison_operator": op,
                 "value": expected, "varType": var_type}
    nodes = [
        {"id": "start", "data": {"type": "start", "title": "Start", "variables": [
            {"variable": "data", "label": "data", "type": "json_object", "required": True}]}},
        {"id": "check", "data": {"type": "if-else", "title": "Check", "cases": [
            {"case_id": "true", "logical_operator": logic, "conditions": [condition, *(extra or [])]}]}},
        {"id": "yes", "data": {"type": "end", "title": "Yes", "outputs": [
            {"variable": "holds", "value_selector": ["start", "data", "yes"]}]}},
        {"id": "no", "data": {"type": "end", "title": "No", "outputs": [
            {"variable": "holds", "value_selector": ["start", "data", "no"]}]}},
    ]
    edges = [{"source": "start", "target": "check", "sourceHandle": "source"},
             {"source": "check", "target": "yes", "sourceHandle": "true"},
             {"source": "check", "target": "no", "sourceHandle": "false"}]
    for i, edge in enumerate(edges):
        edge.update(id=f"e{i}", targetHandle="target")
    return yaml.safe_dump({"version": "0.3.1", "kind": "app", "app": {"name": "conditions", "mode": "workflow"},
                           "workflow": {"graph": {"nodes": nodes, "edges": edges}}}, allow_unicode=True)


async def _holds(workflow: dict[str, Any], data: dict[str, Any]) -> bool:
    services = Services()
    result = await execute(validate(workflow, CATALOG, services), {"data": {**data, "yes": True, "no": False}},
                           services, sys={"files": [], "user": "u"})
    assert result.status == "succeeded", result.error
    return bool(result.outputs["holds"])


@pytest.mark.parametrize(("op", "var_type", "value", "expected", "dify"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]!r}-{c[3]!r}"[:60] for c in CASES])
async def test_imported_condition_answers_as_dify(op: str, var_type: str, value: Any, expected: Any,
                                                  dify: bool) -> None:
    imported = import_dsl(_dsl(op, var_type, expected))
    assert await _holds(imported.workflow, {"v": value}) is dify
    assert not imported.report.approximated
    # exported and imported again, the condition still answers the same
    again = import_dsl(export_dsl(imported.workflow)).workflow
    assert await _holds(again, {"v": value}) is dify
    assert again["nodes"][1]["config"] == imported.workflow["nodes"][1]["config"]


@pytest.mark.parametrize(("value", "other", "dify"), [(None, "a", False), ("b", "a", True), ("a", "a", False)])
async def test_is_not_against_a_variable_is_false_on_null(value: Any, other: Any, dify: bool) -> None:
    workflow = import_dsl(_dsl("is not", "string", "{{#start.data.w#}}")).workflow
    assert await _holds(workflow, {"v": value, "w": other}) is dify


async def test_a_missing_value_is_not_unequal() -> None:
    workflow = import_dsl(_dsl("≠", "number", "3")).workflow
    assert await _holds(workflow, {}) is False
