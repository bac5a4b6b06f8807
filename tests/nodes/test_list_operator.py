"""The ``list-operator`` node: filter with the if-else operators, sort, slice, extract; typed outputs."""

from __future__ import annotations

from typing import Any

import pytest

from engine.debug import run_node
from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import execute
from nodes.registry import CATALOG
from tests.helpers import chain, end, lit, node, start, workflow

TICKETS = [
    {"id": 1, "title": "Login fails", "priority": 3, "tag": "auth"},
    {"id": 2, "title": "Typo on page", "priority": 1, "tag": "ui"},
    {"id": 3, "title": "Token expired", "priority": 5, "tag": "auth"},
    {"id": 4, "title": "No owner", "priority": None, "tag": "auth"},
]


def flow(config: dict[str, Any], items: Any = None, item_type: str = "object") -> dict[str, Any]:
    ops = node("ops", "list-operator", {"items": lit(TICKETS if items is None else items)},
               config={"item_type": item_type, **config})
    return workflow([start(), ops, end(result="ops.result", first="ops.first_record", last="ops.last_record")],
                    chain("start", "ops", "end"))


async def outputs(config: dict[str, Any], items: Any = None, item_type: str = "object") -> dict[str, Any]:
    result = await execute(validate(flow(config, items, item_type), CATALOG), {})
    assert result.status == "succeeded", result.error
    return result.outputs


async def test_filter_sort_and_slice_apply_in_order() -> None:
    got = await outputs({"filter": {"conditions": [{"key": "tag", "op": "eq", "value": "auth"}]},
                         "sort": {"key": "priority", "order": "desc"},
                         "slice": {"take": "first", "count": 2}})
    assert [t["id"] for t in got["result"]] == [3, 1]
    assert got["first"]["id"] == 3 and got["last"]["id"] == 1


async def test_or_conditions_and_absent_sort_values_last() -> None:
    got = await outputs({"filter": {"logic": "or", "conditions": [
        {"key": "title", "op": "contains", "value": "Token"}, {"key": "priority", "op": "is_null"}]},
        "sort": {"key": "priority"}})
    assert [t["id"] for t in got["result"]] == [3, 4]


async def test_scalar_items_last_n_and_extract_by_index() -> None:
    got = await outputs({"sort": {"order": "asc"}, "slice": {"take": "last", "count": 3}},
                        [5, 1, 4, 2, 3], "number")
    assert got == {"result": [3, 4, 5], "first": 3, "last": 5}
    got = await outputs({"filter": {"conditions": [{"op": "starts_with", "value": "b"}]},
                         "extract": {"index": -1}}, ["apple", "banana", "blueberry"], "string")
    assert got == {"result": ["blueberry"], "first": "blueberry", "last": "blueberry"}


async def test_an_empty_result_has_null_records() -> None:
    got = await outputs({"slice": {"take": "first", "count": 0}}, [1, 2], "number")
    assert got == {"result": [], "first": None, "last": None}


@pytest.mark.parametrize(("config", "items", "message"), [
    ({"extract": {"index": 5}}, [1, 2], "extract index 5 is out of range for a list of 2 item(s)"),
    ({"sort": {}}, [1, "a"], "cannot sort str against int"),
    ({"filter": {"conditions": [{"key": "n", "op": "gt", "value": 1}]}}, [{"n": "many"}],
     "filter on item 0 key 'n' (gt): left operand 'many' is not a number"),
], ids=["index", "mixed-sort", "operand"])
async def test_bad_data_fails_the_node_naming_the_cause(config: dict[str, Any], items: list[Any],
                                                        message: str) -> None:
    result = await execute(validate(flow(config, items, "any"), CATALOG), {})
    assert result.status == "failed" and result.failed_node == "ops"
    assert message in result.error


def test_save_time_checks_name_the_field() -> None:
    with pytest.raises(DefinitionError) as caught:
        validate(flow({"filter": {"conditions": [{"key": "x", "op": "gt", "value": "high"},
                                                 {"op": "is_true"}, {"op": "eq"}]},
                       "sort": {"key": "x"}}, [1, 2], "number"), CATALOG)
    assert [str(i) for i in caught.value.issues] == [
        "ops.config.filter.conditions[0].key: items are numbers, which have no keys",
        "ops.config.filter.conditions[0].value: 'high' is string, but operator 'gt' needs number",
        "ops.config.filter.conditions[1].op: operator 'is_true' does not apply to number items (it needs boolean)",
        "ops.config.filter.conditions[2].value: operator 'eq' needs a value",
        "ops.config.sort.key: items are numbers, which have no keys",
    ]


def test_the_input_must_be_an_array_of_the_declared_items() -> None:
    wf = workflow([start("q"), node("ops", "list-operator", {"items": "start.q"},
                                    config={"item_type": "object", "slice": {"count": 1}}),
                   end(result="ops.result")], chain("start", "ops", "end"))
    with pytest.raises(DefinitionError) as caught:
        validate(wf, CATALOG)
    assert len(caught.value.issues) == 1
    issue = caught.value.issues[0]
    assert (issue.node_id, issue.field) == ("ops", "inputs.items") and "array[object]" in issue.message


def test_outputs_are_typed_from_the_item_type() -> None:
    wf = workflow([start(), node("ops", "list-operator", {"items": lit(["a"])},
                                 config={"item_type": "string", "slice": {"count": 1}}),
                   node("check", "if-else", config={"cases": [{"id": "big", "conditions": [
                       {"left": {"ref": "ops.first_record"}, "op": "gt", "right": lit(1)}]}]}),
                   end(result="ops.result")], chain("start", "ops", "check") + [
        {"source": "check", "target": "end", "source_handle": "big"},
        {"source": "check", "target": "end", "source_handle": "else"}])
    with pytest.raises(DefinitionError, match="check.config.cases"):
        validate(wf, CATALOG)


async def test_single_node_debug() -> None:
    event = await run_node(flow({"sort": {"order": "desc"}}, [1, 3, 2], "number"), CATALOG, "ops",
                           {"items": [7, 9, 8]})
    assert event.status == "succeeded"
    assert event.outputs == {"result": [9, 8, 7], "first_record": 9, "last_record": 7}
