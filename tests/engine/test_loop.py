"""The loop node: variables carried between rounds, stop conditions, max rounds, limits, events and scopes."""

from __future__ import annotations

from typing import Any

import pytest

from engine.debug import run_node
from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import RunLimits, execute
from nodes.registry import CATALOG as REAL_CATALOG
from tests.engine.containers_helpers import Probe, catalog
from tests.helpers import edge, end, lit, node, ref, start, workflow


def loop(body: list[dict[str, Any]], edges: list[dict[str, str]] | None = None, **config: Any) -> dict[str, Any]:
    return node("lp", "loop", config={"nodes": body, "edges": edges or [], **config})


def counter(until: list[dict[str, Any]] | None = None, **config: Any) -> dict[str, Any]:
    """n starts at start.n and grows by 1 per round (a probe adding 1); total collects n's values."""
    body = [node("inc", "probe", {"x": "lp.n"}, config={"add": 1}),
            node("acc", "list-operator", {"items": "lp.seen"}, config={"item_type": "number"})]
    variables = [{"name": "n", "type": "number", "value": ref("start.n"), "update": ref("inc.value")},
                 {"name": "seen", "type": "array[number]", "value": lit([])},
                 {"name": "last_index", "type": "integer", "value": lit(-1), "update": ref("lp.index")}]
    return loop(body, variables=variables, until=until or [], **config)


def flow(container: dict[str, Any], **answers: str) -> dict[str, Any]:
    return workflow([start({"name": "n", "type": "number"}), container,
                     end(**(answers or {"n": "lp.n", "rounds": "lp.rounds"}))],
                    [edge("start", "lp"), edge("lp", "end")])


async def run(data: dict[str, Any], n: float = 0, **options: Any):  # noqa: ANN201
    return await execute(validate(data, catalog(Probe())), {"n": n}, **options)


async def test_repeats_until_the_condition_holds() -> None:
    data = flow(counter([{"left": ref("lp.n"), "op": "ge", "right": lit(5)}], max_rounds=50))
    result = await run(data, n=1)
    assert result.status == "succeeded", result.error
    assert result.outputs == {"n": 5, "rounds": 4}
    rounds = [(e.node_id, e.iteration) for e in result.events
              if e.type == "node_finished" and e.parent_id == "lp" and e.node_id == "inc"]
    assert rounds == [("inc", i) for i in range(4)]
    inputs = [e.inputs["x"] for e in result.events if e.type == "node_started" and e.node_id == "inc"]
    assert inputs == [1, 2, 3, 4]  # each round reads the variable as the previous round left it


async def test_stops_at_max_rounds_without_a_condition() -> None:
    result = await run(flow(counter(max_rounds=3)))
    assert result.outputs == {"n": 3, "rounds": 3}, result.error
    lp = [e for e in result.events if e.type == "node_finished" and e.node_id == "lp"][0]
    assert lp.outputs == {"n": 3, "seen": [], "last_index": 2, "rounds": 3}


async def test_condition_over_a_sub_graph_output_with_or_logic() -> None:
    until = [{"left": ref("inc.value"), "op": "eq", "right": lit(100)},
             {"left": ref("lp.last_index"), "op": "ge", "right": lit(1)}]
    result = await run(flow(counter(until, logic="or", max_rounds=10)), n=0)
    assert result.outputs == {"n": 2, "rounds": 2}, result.error


async def test_runs_at_least_once_even_when_the_condition_holds_at_first() -> None:
    result = await run(flow(counter([{"left": ref("lp.n"), "op": "ge", "right": lit(0)}])), n=7)
    assert result.outputs == {"n": 8, "rounds": 1}, result.error


async def test_check_first_makes_no_round_when_the_condition_holds_at_first() -> None:
    result = await run(flow(counter([{"left": ref("lp.n"), "op": "ge", "right": lit(0)}], check_first=True)), n=7)
    assert result.outputs == {"n": 7, "rounds": 0}, result.error
    assert not [e for e in result.events if e.type == "node_started" and e.parent_id == "lp"]


async def test_check_first_runs_the_rounds_when_the_condition_does_not_hold_at_first() -> None:
    result = await run(flow(counter([{"left": ref("lp.n"), "op": "ge", "right": lit(5)}], check_first=True,
                                    max_rounds=50)), n=1)
    assert result.outputs == {"n": 5, "rounds": 4}, result.error


async def test_check_first_does_not_hold_on_a_sub_graph_output_not_yet_run() -> None:
    # inc.value is null before the first round, so "is null" would hold: it is not evaluated then
    until = [{"left": ref("inc.value"), "op": "is_null"}, {"left": ref("lp.n"), "op": "ge", "right": lit(0)}]
    result = await run(flow(counter(until, logic="or", check_first=True, max_rounds=5)), n=3)
    assert result.outputs == {"n": 4, "rounds": 1}, result.error
    first = [{"left": ref("lp.n"), "op": "ge", "right": lit(0)}, {"left": ref("inc.value"), "op": "is_null"}]
    result = await run(flow(counter(first, logic="or", check_first=True, max_rounds=5)), n=3)
    assert result.outputs == {"n": 3, "rounds": 0}, result.error  # or: the first that holds ends the check


async def test_child_failure_fails_the_loop_naming_the_round() -> None:
    body = [node("inc", "probe", {"x": "lp.n"}, config={"fail_on": [2]})]
    data = flow(loop([*body], variables=[{"name": "n", "type": "number", "value": lit(0),
                                          "update": ref("inc.value")}], max_rounds=5))
    data["nodes"][1]["config"]["nodes"][0]["config"] = {"add": 1, "fail_on": [2]}
    result = await run(data)
    assert result.status == "failed"
    assert result.error == "node 'lp' (loop): round 2: node 'inc' (probe): refused 2.0"


async def test_updated_value_of_the_wrong_type_fails() -> None:
    body = [node("t", "template-transform", {"n": "lp.n"}, config={"template": "x{{ n }}"})]
    data = flow(loop(body, variables=[{"name": "n", "type": "number", "value": lit(0),
                                       "update": ref("t.output")}]))
    with pytest.raises(DefinitionError) as err:
        validate(data, catalog(Probe()))
    assert "lp.config.variables[0].update: ref 't.output' is string, but number is needed" in [
        str(i) for i in err.value.issues]


async def test_rounds_limit_of_the_run_fails_clearly() -> None:
    result = await run(flow(counter(max_rounds=20)), limits=RunLimits(max_loop_rounds=10))
    assert result.status == "failed"
    assert result.error == "node 'lp' (loop): max_rounds 20 is over the run limit of 10 rounds"


async def test_node_executions_inside_count_toward_the_run_limit() -> None:
    result = await run(flow(counter(max_rounds=100)), limits=RunLimits(max_node_executions=20))
    assert result.status == "failed"
    assert result.error is not None and result.error.startswith("run exceeded the limit of 20 node executions")


def issues(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as err:
        validate(data, catalog(Probe()))
    return [str(i) for i in err.value.issues]


def test_cycle_inside_is_refused_and_condition_refs_checked() -> None:
    body = [node("a", "probe", {"x": "lp.n"}), node("b", "probe", {"x": "a.value"})]
    data = flow(loop(body, [edge("a", "b"), edge("b", "a")],
                     variables=[{"name": "n", "type": "number", "value": lit(0)}],
                     until=[{"left": ref("lp.missing"), "op": "is_null"},
                            {"left": ref("lp.n"), "op": "starts_with", "right": lit("x")}]), n="lp.n")
    found = issues(data)
    assert any(i.startswith("a.edges: cycle: a → b → a") for i in found), found
    assert "lp.config.until[0].left: ref 'lp.missing': node 'lp' has no output 'missing' (outputs: n, index)" in found
    assert any(i.startswith("lp.config.until[1].left: ref 'lp.n' is number, but string is needed") for i in found)


def test_variable_names_are_checked() -> None:
    found = issues(flow(loop([node("a", "probe", {"x": "lp.index"})],
                             variables=[{"name": "rounds", "type": "number", "value": lit(0)}]), n="lp.rounds"))
    assert any("'rounds' is reserved" in i for i in found), found


async def test_single_node_debug_runs_the_sub_graph() -> None:
    body = [node("t", "template-transform", {"s": "lp.s"}, config={"template": "{{ s }}a"})]
    data = flow(loop(body, variables=[{"name": "s", "type": "string", "value": lit(""), "update": ref("t.output")}],
                     until=[{"left": ref("lp.s"), "op": "length_ge", "right": lit(3)}]), n="lp.s")
    event = await run_node(data, REAL_CATALOG, "lp", {})
    assert event.status == "succeeded", event.error
    assert event.outputs == {"s": "aaa", "rounds": 3}


async def test_conversation_variables_assigned_inside_are_seen_by_later_rounds() -> None:
    body = [node("bump", "variable-assigner", config={"items": [
                {"variable": ref("conversation.count"), "operation": "increment", "value": lit(2)}]}),
            node("read", "probe", {"x": "conversation.count"})]
    data = workflow([start(), loop(body, [edge("bump", "read")], variables=[
                         {"name": "seen", "type": "number", "value": lit(0), "update": ref("read.value")}],
                         until=[{"left": ref("lp.seen"), "op": "ge", "right": lit(6)}]),
                     end(seen="lp.seen", rounds="lp.rounds", count="conversation.count")],
                    [edge("start", "lp"), edge("lp", "end")],
                    conversation_variables=[{"name": "count", "type": "number", "default": 0}])
    result = await execute(validate(data, catalog(Probe())), {})
    assert result.status == "succeeded", result.error
    assert result.outputs == {"seen": 6, "rounds": 3, "count": 6}
