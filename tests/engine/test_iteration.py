"""The iteration node: item order, parallel limit, error modes, scopes, limits, events and sub-graph validation."""

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


def iteration(body: list[dict[str, Any]], edges: list[dict[str, str]] | None = None, *, output: str = "p.value",
              items: str | dict[str, Any] = "start.xs", node_id: str = "it", **config: Any) -> dict[str, Any]:
    return node(node_id, "iteration", {"items": items},
                config={"nodes": body, "edges": edges or [], "output": ref(output), **config})


def probe(node_id: str = "p", x: str = "it.item", **config: Any) -> dict[str, Any]:
    return node(node_id, "probe", {"x": x}, config=config)


def flow(container: dict[str, Any], *extra: dict[str, Any], answer: str = "it.output") -> dict[str, Any]:
    return workflow([start({"name": "xs", "type": "array[number]"}, {"name": "k", "type": "number"}),
                     container, *extra, end(answer=answer)],
                    [edge("start", container["id"]), edge(container["id"], "end")])


async def run(data: dict[str, Any], xs: list[Any], probe_: Probe | None = None, **options: Any):  # noqa: ANN201
    graph = validate(data, catalog(probe_ or Probe()))
    return await execute(graph, {"xs": xs, "k": 10}, **options)


async def test_sequential_output_in_item_order_with_events_per_item() -> None:
    probe_ = Probe()
    result = await run(flow(iteration([probe(seconds=0.001)])), [3, 1, 2], probe_)
    assert result.status == "succeeded", result.error
    assert result.outputs == {"answer": [3, 1, 2]}
    assert probe_.peak == 1
    children = [e for e in result.events if getattr(e, "parent_id", None) == "it"]
    assert [(e.type, e.node_id, e.iteration) for e in children] == [
        (kind, "p", i) for i in range(3) for kind in ("node_started", "node_finished")]
    assert [e.inputs for e in children if e.type == "node_finished"] == [{"x": 3}, {"x": 1}, {"x": 2}]
    top = [e for e in result.events if e.type == "node_finished" and e.node_id == "it"][0]
    assert top.parent_id is None and top.iteration is None and top.outputs == {"output": [3, 1, 2], "errors": []}
    assert result.events[-1].node_executions == 3 + 3  # start, it, end + one child per item


async def test_parallel_respects_concurrency_limit_and_keeps_item_order() -> None:
    probe_ = Probe()
    items = list(range(12))
    data = flow(iteration([probe(seconds=0.02, add=0.5)], parallel=True, max_concurrency=3))
    result = await run(data, items, probe_)
    assert result.status == "succeeded", result.error
    assert result.outputs == {"answer": [i + 0.5 for i in items]}
    assert probe_.peak == 3


async def test_stop_mode_fails_the_node_naming_item_and_child() -> None:
    result = await run(flow(iteration([probe(fail_on=[2])])), [1, 2, 3])
    assert result.status == "failed"
    assert result.error == "node 'it' (iteration): item 1: node 'p' (probe): refused 2"
    assert result.failed_node == "it"


async def test_stop_mode_in_parallel_cancels_the_rest() -> None:
    probe_ = Probe()
    data = flow(iteration([probe(fail_on=[0], seconds=0.01)], parallel=True, max_concurrency=2))
    result = await run(data, list(range(20)), probe_)
    assert result.status == "failed" and "item 0:" in (result.error or "")
    assert probe_.calls < 20


async def test_skip_mode_drops_failed_items() -> None:
    result = await run(flow(iteration([probe(fail_on=[2, 4])], error_mode="skip")), [1, 2, 3, 4])
    assert result.status == "succeeded"
    assert result.outputs == {"answer": [1, 3]}
    it = [e for e in result.events if e.type == "node_finished" and e.node_id == "it"][0]
    assert [(e["index"], e["node_id"]) for e in it.outputs["errors"]] == [(1, "p"), (3, "p")]


async def test_collect_mode_keeps_a_null_entry_and_the_error() -> None:
    data = flow(iteration([probe(fail_on=[2])], error_mode="collect", parallel=True))
    result = await run(data, [1, 2, 3])
    assert result.status == "succeeded"
    assert result.outputs == {"answer": [1, None, 3]}
    it = [e for e in result.events if e.type == "node_finished" and e.node_id == "it"][0]
    assert it.outputs["errors"] == [{"index": 1, "node_id": "p", "error": "node 'p' (probe): refused 2"}]


async def test_chain_inside_reads_siblings_index_and_upstream_of_container() -> None:
    body = [probe("a", x="it.item"),
            node("t", "template-transform", {"a": "a.value", "i": "it.index", "k": "start.k"},
                 config={"template": "{{ i }}:{{ a }}:{{ k }}"})]
    result = await run(flow(iteration(body, [edge("a", "t")], output="t.output")), [5, 6])
    assert result.outputs == {"answer": ["0:5:10", "1:6:10"]}, result.error


async def test_branches_inside_skip_like_the_top_level() -> None:
    body = [node("check", "if-else", config={"cases": [
                {"id": "big", "conditions": [{"left": ref("it.item"), "op": "gt", "right": lit(2)}]}]}),
            probe("big", add=100), probe("small", add=0),
            node("agg", "variable-aggregator", {"a": "big.value", "b": "small.value"})]
    edges = [edge("check", "big", "big"), edge("check", "small", "else"), edge("big", "agg"), edge("small", "agg")]
    result = await run(flow(iteration(body, edges, output="agg.output")), [1, 3])
    assert result.outputs == {"answer": [1, 103]}, result.error
    skipped = [(e.node_id, e.iteration) for e in result.events if e.type == "node_finished" and e.status == "skipped"]
    assert skipped == [("big", 0), ("small", 1)]


async def test_nested_iteration() -> None:
    inner = node("inner", "iteration", {"items": "outer.item"},
                 config={"nodes": [probe("p", x="inner.item", add=1)], "edges": [], "output": ref("p.value")})
    outer = iteration([inner], output="inner.output", items="start.rows", node_id="outer")
    data = workflow([start({"name": "rows", "type": "any"}), outer, end(answer="outer.output")],
                    [edge("start", "outer"), edge("outer", "end")])
    graph = validate(data, catalog(Probe()))
    result = await execute(graph, {"rows": [[1, 2], [3]]})
    assert result.outputs == {"answer": [[2, 3], [4]]}, result.error
    parents = {(e.node_id, e.parent_id, e.iteration) for e in result.events if e.type == "node_finished"}
    assert ("p", "inner", 1) in parents and ("inner", "outer", 1) in parents


async def test_output_type_comes_from_the_sub_graph() -> None:
    graph = validate(flow(iteration([probe(add=1)])), catalog(Probe()))
    assert dict(graph.outputs["it"]) == {"output": "array[number]", "errors": "array[object]"}


async def test_items_limit_fails_clearly() -> None:
    result = await run(flow(iteration([probe()])), [1, 2, 3], limits=RunLimits(max_iteration_items=2))
    assert result.status == "failed"
    assert result.error == "node 'it' (iteration): 3 items, over the limit of 2 items per iteration"


async def test_node_execution_limit_counts_children_and_fails_the_run() -> None:
    data = flow(iteration([probe()], error_mode="skip"))
    result = await run(data, list(range(10)), limits=RunLimits(max_node_executions=6))
    assert result.status == "failed"
    assert result.error == ("run exceeded the limit of 6 node executions (at node 'p' in 'it', iteration 4)")


async def test_input_that_is_not_an_array_fails() -> None:
    result = await run(flow(iteration([probe()], items=lit("abc"))), [])  # type: ignore[arg-type]
    assert result.status == "failed" and "input 'items' is" in (result.error or "")


def issues(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as err:
        validate(data, catalog(Probe()))
    return [str(i) for i in err.value.issues]


def test_cycle_inside_is_refused() -> None:
    body = [probe("a", x="it.item"), probe("b", x="it.item")]
    found = issues(flow(iteration(body, [edge("a", "b"), edge("b", "a")], output="a.value")))
    assert any(i.startswith("a.edges: cycle: a → b → a") for i in found), found


def test_refs_resolve_only_inside_the_scope() -> None:
    body = [probe("a", x="it.item"), probe("b", x="a.value"), probe("c", x="b.value")]
    other = node("other", "iteration", {"items": "start.xs"},
                 config={"nodes": [probe("q", x="a.value")], "edges": [], "output": ref("q.value")})
    data = workflow([start({"name": "xs", "type": "array[number]"}),
                     iteration(body, [edge("a", "b")], output="nope.value"), other, end(answer="it.output")],
                    [edge("start", "it"), edge("it", "other"), edge("other", "end")])
    found = issues(data)
    assert "c.inputs.x: ref 'b.value' points to node 'b', which is not upstream of this node" in found
    assert "q.inputs.x: ref 'a.value' points to unknown node 'a'" in found  # a node of another container
    assert "it.config.output: ref 'nope.value' points to unknown node 'nope'" in found


def test_end_cannot_read_inside_a_container_and_ids_are_unique() -> None:
    data = flow(iteration([probe("p"), probe("start")]), answer="p.value")
    found = issues(data)
    assert "end.inputs.answer: ref 'p.value' points to unknown node 'p'" in found
    assert any("duplicate node id 'start'" in i for i in found), found


def test_start_or_end_inside_refused_and_item_type_checked() -> None:
    body = [node("e", "end", {"x": "it.item"}),
            node("l", "list-operator", {"items": "it.item"}, config={"item_type": "number"})]
    found = issues(flow(iteration(body, output="l.result")))
    assert "e.type: a node of type 'end' cannot be inside node 'it' (iteration)" in found
    assert any(i.startswith("l.inputs.items: ref 'it.item' is number") for i in found), found


async def test_single_node_debug_runs_the_sub_graph() -> None:
    data = flow(iteration([node("t", "template-transform", {"v": "it.item"}, config={"template": "<{{ v }}>"})],
                          output="t.output"))
    event = await run_node(data, REAL_CATALOG, "it", {"items": ["a", "b"]})
    assert event.status == "succeeded", event.error
    assert event.outputs == {"output": ["<a>", "<b>"], "errors": []}
