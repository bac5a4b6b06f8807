"""Each phase of validation on its own (engine/validation); test_validation.py covers ``validate`` as a whole."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from engine.errors import DefinitionError, Issue
from engine.graph import validate
from engine.models import NodeDef, Ref, WorkflowDef
from engine.spec import NodeSpec, Services
from engine.validation import configs, references, structure
from engine.validation.definition import WORKFLOW, parse
from engine.validation.services import service_issues
from nodes.registry import CATALOG
from tests.helpers import chain, edge, end, node, start, workflow


def where(issues: list[Issue]) -> list[tuple[str, str]]:
    return [(i.node_id, i.field) for i in issues]


def parsed(data: dict[str, Any]) -> tuple[WorkflowDef, dict[str, NodeDef], configs.NodeConfigs]:
    definition = parse(data)
    table, _ = structure.node_table(definition)
    found, _ = configs.node_configs(table.nodes, CATALOG)
    return definition, table.nodes, found


def simple() -> dict[str, Any]:
    return workflow([start("query"), node("code", "code", {"x": "start.query"},
                                          config={"code": "def main(x):\n    return {'y': x}\n",
                                                  "outputs": {"y": "string"}}),
                     end("end", answer="code.y")],
                    chain("start", "code", "end"))


# -- phase 1: the definition --------------------------------------------------------------------------------
def test_parse_locates_pydantic_errors_at_their_node() -> None:
    data = workflow([start("query"), {"id": "n1", "type": "end", "bogus": 1}], [{"source": "start"}])
    with pytest.raises(DefinitionError) as info:
        parse(data)
    assert where(info.value.issues) == [("n1", "bogus"), (WORKFLOW, "edges[0].target")]
    assert [i.message for i in info.value.issues] == ["unknown field", "field required"]


def test_parse_passes_a_parsed_definition_through() -> None:
    definition = parse(simple())
    assert parse(definition) is definition


# -- phase 2: node ids, start and end -----------------------------------------------------------------------
def test_node_table_reports_ids_then_start_and_end() -> None:
    data = workflow([node("sys", "code"), node("a", "code"), node("a", "code")], [])
    table, issues = structure.node_table(parse(data))
    assert list(table.nodes) == ["sys", "a"] and table.starts == []
    assert [(i.node_id, i.message) for i in issues] == [
        ("sys", "'sys' is reserved for system variables"), ("a", "duplicate node id"),
        (WORKFLOW, "no start node"), (WORKFLOW, "no end node")]


def test_node_table_names_the_second_start_node() -> None:
    table, issues = structure.node_table(parse(workflow([start(), start() | {"id": "s2"}, end()], [])))
    assert table.starts == ["start", "s2"]
    assert [(i.node_id, i.message) for i in issues] == [("s2", "duplicate start node (the start node is 'start')")]


# -- phase 3: node configs and handles ----------------------------------------------------------------------
def test_node_configs_keeps_valid_configs_and_reports_the_rest() -> None:
    data = workflow([start(), node("x", "nope"), node("bad", "code", config={"code": 3}),
                     node("pol", "code", config={"code": "def main():\n    return {}\n"},
                          on_error={"strategy": "default"}), end()], [])
    _, nodes, _ = parsed(data)
    found, issues = configs.node_configs(nodes, CATALOG)
    assert set(found.specs) == {"start", "bad", "pol", "end"}
    assert set(found.configs) == {"start", "pol", "end"}
    assert where(issues) == [("x", "type"), ("bad", "config.code"), ("pol", "on_error.default_outputs")]


def test_handles_add_the_error_handle_for_the_branch_strategy() -> None:
    data = workflow([start(), node("c", "code", config={"code": "def main():\n    return {}\n"},
                                   on_error={"strategy": "branch"}), end()], [])
    _, nodes, found = parsed(data)
    assert configs.handles(nodes, found)["c"] == ["out", "error"]


# -- phase 4: edges, cycles, reachability -------------------------------------------------------------------
def test_wire_checks_each_edge_in_order_and_leaves_the_bad_ones_out() -> None:
    data = workflow([start(), node("a", "code"), end()],
                    [edge("ghost", "a"), edge("a", "ghost"), edge("start", "a"), edge("start", "a"), edge("a", "a"),
                     edge("a", "start"), edge("start", "end", "nope")])
    definition = parse(data)
    table, _ = structure.node_table(definition)
    wiring, issues = structure.wire(definition, table.nodes, {"start": ["out"]})
    assert where(issues) == [(WORKFLOW, "edges[0].source"), ("a", "edges[1].target"), ("start", "edges[3]"),
                             ("a", "edges[4]"), ("start", "edges"), ("start", "edges[6].source_handle")]
    assert [e.target for e in wiring.outgoing["a"]] == ["start"]
    assert sorted(wiring.graph.edges) == [("a", "start"), ("start", "a"), ("start", "end")]


def test_order_reports_cycles_then_unreachable_nodes() -> None:
    data = workflow([start(), node("a", "code"), node("b", "code"), node("c", "code"), end()],
                    [edge("start", "a"), edge("a", "b"), edge("b", "a"), edge("a", "end")])
    definition = parse(data)
    table, _ = structure.node_table(definition)
    wiring, _ = structure.wire(definition, table.nodes, {})
    ordering, issues = structure.order(wiring.graph, table.nodes, table.starts)
    assert ordering.order == () and len(ordering.cycles) == 1
    assert [(i.node_id, i.field) for i in issues][1:] == [("c", "edges")]
    assert issues[0].message.startswith("cycle: ")


def test_order_is_lexicographic_topological() -> None:
    data = workflow([start(), node("b", "code"), node("a", "code"), end()],
                    [*chain("start", "b", "end"), *chain("start", "a", "end")])
    definition = parse(data)
    table, _ = structure.node_table(definition)
    wiring, _ = structure.wire(definition, table.nodes, {})
    ordering, issues = structure.order(wiring.graph, table.nodes, table.starts)
    assert ordering.order == ("start", "a", "b", "end") and issues == []


# -- phase 5: declared outputs ------------------------------------------------------------------------------
def test_declared_outputs_turns_a_failing_spec_into_an_issue() -> None:
    def boom(node: NodeDef, config: Any, services: Services | None) -> dict[str, str]:
        raise RuntimeError("no idea")

    catalog = {**CATALOG, "code": replace(CATALOG["code"], outputs=boom)}
    data = simple()
    definition = parse(data)
    table, _ = structure.node_table(definition)
    found, _ = configs.node_configs(table.nodes, catalog)
    outputs, issues = configs.declared_outputs(table.nodes, found, None)
    assert "code" not in outputs and outputs["start"]["query"] == "string"
    assert [(i.node_id, i.message) for i in issues] == [("code", "cannot determine outputs: no idea")]


# -- phase 6: refs and types, then each node type's own checks ----------------------------------------------
def references_of(data: dict[str, Any]) -> dict[str, list[Issue]]:
    definition, nodes, found = parsed(data)
    wiring, _ = structure.wire(definition, nodes, configs.handles(nodes, found))
    ordering, _ = structure.order(wiring.graph, nodes, [n for n in nodes if nodes[n].type == "start"])
    outputs, _ = configs.declared_outputs(nodes, found, None)
    uses = references.ref_uses(nodes, found, None)
    return references.reference_issues(uses, nodes, outputs, ordering.order, wiring.incoming, wiring.outgoing,
                                       definition.mode, not ordering.cycles)


def test_reference_issues_by_node() -> None:
    data = simple()
    assert references_of(data) == {}
    data["nodes"][2]["inputs"] = {"a": {"ref": "code.nope"}, "b": {"ref": "sys.query"}, "c": {"ref": "ghost.x"}}
    found = references_of(data)
    assert list(found) == ["end"]
    assert [i.field for i in found["end"]] == ["inputs.a", "inputs.b", "inputs.c"]
    assert "no output 'nope'" in found["end"][0].message and "only in chat mode" in found["end"][1].message


def test_upstream_pairs_follows_paths_not_just_parents() -> None:
    data = workflow([start(), node("a", "code"), node("b", "code"), node("c", "code"), end()],
                    [*chain("start", "a", "b", "end"), *chain("start", "c", "end")])
    definition, nodes, _ = parsed(data)
    wiring, _ = structure.wire(definition, nodes, {})
    ordering, _ = structure.order(wiring.graph, nodes, ["start"])
    pairs = {("b", "start"), ("b", "a"), ("b", "c"), ("end", "a"), ("end", "c"), ("a", "b")}
    assert references.upstream_pairs(ordering.order, wiring.incoming, wiring.outgoing, pairs) == {
        ("b", "start"), ("b", "a"), ("end", "a"), ("end", "c")}


def test_ref_type_reads_system_variables_and_declared_outputs() -> None:
    assert references.ref_type(Ref(ref="sys.files"), {}) == "array[file]"
    assert references.ref_type(Ref(ref="a.x"), {"a": {"x": "object"}}) == "object"
    assert references.ref_type(Ref(ref="a.y"), {"a": {"x": "string"}}) is None


def test_service_issues_runs_each_node_types_check_with_the_services() -> None:
    seen: list[Any] = []

    def check(node: NodeDef, config: Any, services: Services | None) -> list[Issue]:
        seen.append(services)
        return [Issue(node.id, "config", "model unavailable")]

    catalog: dict[str, NodeSpec] = {**CATALOG, "code": replace(CATALOG["code"], check=check)}
    definition = parse(simple())
    table, _ = structure.node_table(definition)
    found, _ = configs.node_configs(table.nodes, catalog)
    services: Any = object()
    assert service_issues(table.nodes, found, services) == {"code": [Issue("code", "config", "model unavailable")]}
    assert seen == [services]


def test_validate_orders_a_nodes_ref_issues_before_its_own_checks() -> None:
    def check(node: NodeDef, config: Any, services: Services | None) -> list[Issue]:
        return [Issue(node.id, "config", "own check")]

    catalog = {**CATALOG, "code": replace(CATALOG["code"], check=check)}
    data = workflow([start("query"), node("c1", "code", {"x": "ghost.y"}, config={"code": "def main(x): pass"}),
                     node("c2", "code", {"x": "ghost.y"}, config={"code": "def main(x): pass"}), end()],
                    chain("start", "c1", "c2", "end"))
    with pytest.raises(DefinitionError) as info:
        validate(data, catalog)
    assert where(info.value.issues) == [("c1", "inputs.x"), ("c1", "config"), ("c2", "inputs.x"), ("c2", "config")]
