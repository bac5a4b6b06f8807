"""The ``variable-assigner`` node and conversation variables in the engine: every operation, type checks at
validation naming node and field, values visible downstream in the same run, run_finished's final values."""

from __future__ import annotations

from typing import Any

import pytest

from engine.debug import run_node
from engine.errors import DefinitionError, NodeError
from engine.graph import validate
from engine.runner import execute
from nodes.variable_assigner import apply
from tests.helpers import catalog_with_test_nodes, chain, end, lit, node, ref, workflow

CATALOG = catalog_with_test_nodes()
VARIABLES = [{"name": "count", "type": "number", "default": 0},
             {"name": "tags", "type": "array[string]", "default": ["a"]},
             {"name": "name", "type": "string"},
             {"name": "profile", "type": "object", "default": {"k": 1}}]


def item(variable: str, operation: str, value: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {"variable": ref(f"conversation.{variable}"), "operation": operation}
    if value is not None:
        data["value"] = value
    return data


def flow(*items: dict[str, Any], mode: str = "chat", **end_inputs: str) -> dict[str, Any]:
    return workflow([node("start", "start", config={"variables": [{"name": "q", "type": "string",
                                                                     "required": False}]}),
                     node("assign", "variable-assigner", config={"items": list(items)}),
                     end(**end_inputs)],
                    chain("start", "assign", "end"), mode=mode, conversation_variables=VARIABLES)


async def test_operations_apply_in_order_and_downstream_nodes_read_the_new_values() -> None:
    data = flow(item("count", "increment"), item("count", "increment", lit(2.5)), item("tags", "append", lit("b")),
                item("tags", "extend", lit(["c", "d"])), item("tags", "remove_first"), item("name", "set",
                                                                                           ref("start.q")),
                count="conversation.count", tags="conversation.tags", name="conversation.name")
    result = await execute(validate(data, CATALOG), {"q": "ann"})
    assert result.status == "succeeded", result.error
    assert result.outputs == {"count": 3.5, "tags": ["b", "c", "d"], "name": "ann"}
    final = result.events[-1]
    assert final.conversation == {"count": 3.5, "tags": ["b", "c", "d"], "name": "ann", "profile": {"k": 1}}
    assigner = next(e for e in result.events if e.type == "node_finished" and e.node_id == "assign")
    assert assigner.outputs == {"count": 3.5, "tags": ["b", "c", "d"], "name": "ann"}


async def test_stored_values_are_where_a_run_starts() -> None:
    graph = validate(flow(item("count", "decrement"), item("tags", "remove_last"), count="conversation.count",
                          tags="conversation.tags"), CATALOG)
    result = await execute(graph, {}, conversation={"count": 10, "tags": ["x", "y"]})
    assert result.outputs == {"count": 9, "tags": ["x"]}
    # a stored value of the wrong type (the declaration changed since) falls back to the default
    result = await execute(graph, {}, conversation={"count": "ten"})
    assert result.outputs == {"count": -1, "tags": []}


async def test_clear_empties_each_kind() -> None:
    data = flow(item("count", "clear"), item("tags", "clear"), item("name", "set", lit("x")), item("name", "clear"),
                item("profile", "clear"), count="conversation.count", tags="conversation.tags",
                name="conversation.name", profile="conversation.profile")
    result = await execute(validate(data, CATALOG), {}, conversation={"count": 4})
    assert result.outputs == {"count": 0, "tags": [], "name": "", "profile": {}}


async def test_workflow_mode_uses_them_as_run_scoped_variables() -> None:
    graph = validate(flow(item("count", "increment"), mode="workflow", count="conversation.count"), CATALOG)
    assert (await execute(graph, {})).outputs == {"count": 1}
    assert (await execute(graph, {})).outputs == {"count": 1}  # nothing carries over


@pytest.mark.parametrize(("items", "field", "words"), [
    ([item("name", "increment")], "config.items[0].variable", "number is needed for operation 'increment'"),
    ([item("count", "append", lit(1))], "config.items[0].variable", "array is needed"),
    ([item("count", "set", lit("three"))], "config.items[0].value", "needs a number value, got string"),
    ([item("tags", "append", lit(3))], "config.items[0].value", "needs a string value, got integer"),
    ([item("tags", "extend", ref("start.q"))], "config.items[0].value", "needs a array[string] value, got string"),
    ([item("count", "increment", lit("1"))], "config.items[0].value", "needs a number value"),
    ([item("missing", "set", lit(1))], "config.items[0].variable", "unknown conversation variable"),
    ([{"variable": ref("start.q"), "operation": "set", "value": lit("x")}], "config.items[0].variable",
     "is not a conversation variable"),
    ([item("name", "set")], "config.items[0].value", "'set' needs a value"),
    ([item("tags", "clear", lit([]))], "config.items[0].value", "'clear' takes no value"),
])
def test_validation_names_node_and_field(items: list[dict[str, Any]], field: str, words: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        validate(flow(*items), CATALOG)
    found = [(i.node_id, i.field, i.message) for i in caught.value.issues]
    assert any(n == "assign" and f == field and words in m for n, f, m in found), found


def test_declarations_are_checked() -> None:
    data = flow(item("count", "increment"))
    data["conversation_variables"] = [{"name": "count", "type": "number", "default": "0"}]
    with pytest.raises(DefinitionError) as caught:
        validate(data, CATALOG)
    assert "not a number" in caught.value.issues[0].message
    data["conversation_variables"] = [{"name": "count", "type": "number"}, {"name": "count", "type": "string"}]
    with pytest.raises(DefinitionError) as caught:
        validate(data, CATALOG)
    assert "duplicate conversation variable 'count'" in caught.value.issues[0].message


def test_a_node_may_not_be_called_conversation() -> None:
    data = workflow([node("start", "start"), node("conversation", "sleep"), end()],
                    chain("start", "conversation", "end"))
    with pytest.raises(DefinitionError) as caught:
        validate(data, CATALOG)
    assert [(i.node_id, i.field) for i in caught.value.issues] == [("conversation", "id")]


async def test_a_value_of_the_wrong_type_at_run_time_fails_the_node_and_changes_nothing() -> None:
    # start.q is declared as a string but a ref into an "any" output can carry anything
    data = workflow([node("start", "start"), node("src", "sleep", config={"output": [1, 2]}),
                     node("assign", "variable-assigner", config={"items": [item("name", "set", ref("src.value"))]}),
                     end(name="conversation.name")],
                    chain("start", "src", "assign", "end"), mode="chat", conversation_variables=VARIABLES)
    result = await execute(validate(data, CATALOG), {}, conversation={"name": "kept"})
    assert result.status == "failed" and result.failed_node == "assign"
    assert "'conversation.name' is string; the new value is array" in (result.error or "")
    assert result.events[-1].conversation["name"] == "kept"


def test_apply_refuses_what_does_not_fit() -> None:
    with pytest.raises(NodeError, match="not a number"):
        apply("increment", "x", None, "items[0]")
    with pytest.raises(NodeError, match="not an array"):
        apply("append", 3, 1, "items[0]")
    with pytest.raises(NodeError, match="value to set is absent"):
        apply("set", 1, None, "items[0]")
    current = ["a"]
    assert apply("append", current, "b", "x") == ["a", "b"] and current == ["a"]  # never in place


async def test_single_node_debug_takes_the_current_values_by_ref() -> None:
    data = flow(item("count", "increment", lit(5)))
    finished = await run_node(data, CATALOG, "assign", {"conversation.count": 2})
    assert finished.status == "succeeded" and finished.outputs == {"count": 7}
