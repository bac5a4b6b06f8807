"""Save-time validation: every problem reported at once, each naming its node and field."""

from __future__ import annotations

import copy
import tracemalloc
from typing import Any

import pytest

from engine.errors import DefinitionError
from engine.graph import validate
from nodes.registry import CATALOG
from tests.helpers import chain, edge, end, lit, node, ref, start, workflow


def base() -> dict[str, Any]:
    return workflow(
        [start("query", {"name": "n", "type": "number"}),
         node("llm", "llm", {"query": "start.query"},
              config={"messages": [{"role": "user", "content": "{{query}}"}],
                      "output": {"format": "json", "schema": {"type": "object", "properties": {
                          "question": {"type": "string"}, "count": {"type": "integer"}}}}}),
         node("check", "if-else", config={"cases": [{"id": "yes", "conditions": [
             {"left": ref("llm.question"), "op": "length_gt", "right": lit(0)}]}]}),
         end("end", answer="llm.text")],
        [*chain("start", "llm", "check"), edge("check", "end", "yes"), edge("check", "end", "else")])


def test_base_is_valid() -> None:
    graph = validate(base(), CATALOG)
    assert graph.order[0] == "start"
    assert graph.outputs["llm"]["count"] == "integer"


def mutate(fn):  # noqa: ANN001, ANN201
    data = base()
    fn(data)
    return data


def nodes_of(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in d["nodes"]}


SCENARIOS = [
    ("no start", lambda d: d["nodes"].pop(0), "workflow", "nodes", "no start node"),
    ("duplicate start", lambda d: d["nodes"].append(start("query") | {"id": "start2"}), "start2", "type",
     "duplicate start"),
    ("no end", lambda d: (d["nodes"].pop(), d["edges"].pop(), d["edges"].pop()), "workflow", "nodes", "no end node"),
    ("duplicate id", lambda d: d["nodes"].append(end("end")), "end", "id", "duplicate node id"),
    ("unknown type", lambda d: nodes_of(d)["check"].update(type="switch"), "check", "type",
     "unknown node type 'switch'"),
    ("dangling edge target", lambda d: d["edges"].append(edge("llm", "ghost")), "llm", "edges[4].target",
     "unknown node 'ghost'"),
    ("dangling edge source", lambda d: d["edges"].append(edge("ghost", "end")), "workflow", "edges[4].source",
     "unknown node 'ghost'"),
    ("duplicate edge", lambda d: d["edges"].append(edge("start", "llm")), "start", "edges[4]", "duplicate edge"),
    ("cycle", lambda d: d["edges"].append(edge("check", "llm", "yes")), "", "edges", "cycle"),
    ("unreachable", lambda d: d["nodes"].append(end("orphan")), "orphan", "edges", "not reachable"),
    ("missing if-else handle", lambda d: d["edges"].append(edge("check", "end", "maybe")), "check",
     "edges[4].source_handle", "handle 'maybe' does not exist"),
    ("invalid config", lambda d: nodes_of(d)["llm"]["config"]["params"].update(temperature=3)
     if "params" in nodes_of(d)["llm"]["config"] else nodes_of(d)["llm"]["config"].update(params={"temperature": 3}),
     "llm", "config.params.temperature", "less than or equal to 2"),
    ("unknown config field", lambda d: nodes_of(d)["llm"]["config"].update(temprature=1), "llm",
     "config.temprature", "unknown field"),
    ("ref to unknown node", lambda d: nodes_of(d)["end"]["inputs"].update(x=ref("nope.text")), "end",
     "inputs.x", "unknown node 'nope'"),
    ("ref to non-upstream node", lambda d: nodes_of(d)["llm"]["inputs"].update(x=ref("check.case_id")), "llm",
     "inputs.x", "not upstream"),
    ("undeclared output", lambda d: nodes_of(d)["end"]["inputs"].update(x=ref("llm.answer")), "end",
     "inputs.x", "no output 'answer'"),
    ("operator on wrong type", lambda d: nodes_of(d)["check"]["config"]["cases"][0]["conditions"][0].update(
        left=ref("start.n")), "check", "config.cases[0].conditions[0].left", "is number, but string or array"),
    ("starts_with on integer field", lambda d: nodes_of(d)["check"]["config"]["cases"][0]["conditions"][0].update(
        left=ref("llm.count"), op="starts_with", right=lit("a")), "check", "conditions[0].left",
     "integer, but string is needed"),
    ("right literal of wrong type", lambda d: nodes_of(d)["check"]["config"]["cases"][0]["conditions"][0].update(
        right=lit("zero")), "check", "conditions[0].right", "needs number"),
    ("template name not an input", lambda d: nodes_of(d)["llm"]["config"]["messages"][0].update(
        content="{{query}} {{topic}}"), "llm", "config.messages[0].content", "'{{topic}}' is not an input"),
    ("chat-only sys variable in workflow mode", lambda d: nodes_of(d)["end"]["inputs"].update(q=ref("sys.query")),
     "end", "inputs.q", "only in chat mode"),
    ("unknown sys variable", lambda d: nodes_of(d)["end"]["inputs"].update(q=ref("sys.nope")), "end",
     "inputs.q", "unknown system variable"),
    ("bad node id", lambda d: nodes_of(d)["end"].update(id="end node"), "end node", "id",
     "should match pattern"),
    ("unknown node field", lambda d: nodes_of(d)["end"].update(colour="red"), "end", "colour", "unknown field"),
    ("unary operator with right", lambda d: nodes_of(d)["check"]["config"]["cases"][0]["conditions"][0].update(
        op="is_empty"), "check", "conditions[0].right", "takes no right operand"),
    ("reserved case id", lambda d: nodes_of(d)["check"]["config"]["cases"][0].update(id="else"), "check",
     "config.cases.0.id", "reserved"),
    ("default strategy without outputs", lambda d: nodes_of(d)["llm"].update(on_error={"strategy": "default"}),
     "llm", "on_error.default_outputs", "needs default_outputs"),
    ("start with incoming edge", lambda d: d["edges"].append(edge("llm", "start")), "start", "edges",
     "cannot have incoming"),
    ("invalid JSON schema", lambda d: nodes_of(d)["llm"]["config"]["output"].update(schema={"type": "bogus"}),
     "llm", "config.output.schema", "invalid JSON Schema"),
    ("start default of wrong type", lambda d: nodes_of(d)["start"]["config"]["variables"][1].update(default="x"),
     "start", "config.variables[1].default", "not a number"),
]


@pytest.mark.parametrize(("mutation", "node_id", "field", "message"), [s[1:] for s in SCENARIOS],
                         ids=[s[0] for s in SCENARIOS])
def test_invalid_workflow_is_reported(mutation, node_id: str, field: str, message: str) -> None:  # noqa: ANN001
    data = copy.deepcopy(base())
    mutation(data)
    with pytest.raises(DefinitionError) as info:
        validate(data, CATALOG)
    matches = [i for i in info.value.issues
               if (not node_id or i.node_id == node_id) and field in i.field and message in i.message]
    assert matches, f"expected {node_id}.{field}: {message!r}; got:\n" + "\n".join(map(str, info.value.issues))


def test_all_problems_are_reported_at_once() -> None:
    data = base()
    nodes_of(data)["llm"]["config"]["messages"][0]["content"] = "{{missing}}"
    nodes_of(data)["end"]["inputs"]["x"] = ref("ghost.out")
    data["nodes"].append(node("extra", "whatever"))
    with pytest.raises(DefinitionError) as info:
        validate(data, CATALOG)
    located = {(i.node_id, i.field) for i in info.value.issues}
    assert {("llm", "config.messages[0].content"), ("end", "inputs.x"), ("extra", "type"),
            ("extra", "edges")} <= located


def test_temperature_and_top_p_together_is_a_warning_not_an_error() -> None:
    data = base()
    nodes_of(data)["llm"]["config"]["params"] = {"temperature": 0.7, "top_p": 0.8}
    graph = validate(data, CATALOG)
    assert any("both set" in w.message for w in graph.warnings)


def test_chat_mode_allows_sys_query() -> None:
    data = base()
    data["mode"] = "chat"
    nodes_of(data)["end"]["inputs"]["q"] = ref("sys.query")
    assert validate(data, CATALOG).workflow.mode == "chat"


def test_issue_renders_as_node_dot_field() -> None:
    data = base()
    nodes_of(data)["end"]["inputs"]["x"] = ref("llm.answer")
    with pytest.raises(DefinitionError) as info:
        validate(data, CATALOG)
    assert str(info.value.issues[0]).startswith("end.inputs.x: ")


def diamond() -> dict[str, Any]:
    """start → a → (b | c) → d → end, with a second path start → x → d."""
    return workflow([start("q"), *(node(n, "variable-aggregator", {"v": "start.q"}) for n in "abcdx"),
                     end(answer="d.output")],
                    [*chain("start", "a", "b", "d", "end"), *chain("a", "c", "d"), *chain("start", "x", "d")])


@pytest.mark.parametrize(("reader", "target", "upstream"), [
    ("d", "a", True),  # two paths up, neither direct
    ("d", "start", True),
    ("end", "a", True),
    ("end", "x", True),
    ("c", "b", False),  # a sibling branch: earlier in the order, not above
    ("b", "x", False),  # another branch from start
    ("a", "d", False),  # downstream
], ids=lambda v: str(v))
def test_refs_must_read_upstream_nodes(reader: str, target: str, upstream: bool) -> None:
    data = diamond()
    nodes_of(data)[reader].setdefault("inputs", {})["far"] = ref(f"{target}.output" if target != "start" else "start.q")
    if upstream:
        validate(data, CATALOG)
        return
    with pytest.raises(DefinitionError) as info:
        validate(data, CATALOG)
    assert [(i.node_id, i.field) for i in info.value.issues] == [(reader, "inputs.far")]
    assert f"points to node '{target}', which is not upstream" in info.value.issues[0].message


def long_chain(length: int, reach: int) -> dict[str, Any]:
    """start → n0 → … → end; each node reads the start variable and the node ``reach`` steps back."""
    ids = ["start", *(f"n{i}" for i in range(length)), "end"]
    nodes = [start("q"), *(node(nid, "variable-aggregator",
                                {"far": f"{ids[max(i + 1 - reach, 0)]}.{'q' if i + 1 - reach <= 0 else 'output'}",
                                 "q": "start.q"}) for i, nid in enumerate(ids[1:-1])),
             end(answer=f"{ids[-2]}.output")]
    return workflow(nodes, chain(*ids))


def peak_bytes(data: dict[str, Any]) -> int:
    tracemalloc.start()
    try:
        validate(data, CATALOG)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("reach", [1, 3], ids=["previous-node", "three-back"])
def test_validation_memory_grows_linearly_with_a_chain(reach: int) -> None:
    # Whole ancestor sets per node made validation O(n²) in time and memory (2.2 s for 5,000 nodes); memory
    # is the deterministic witness: four times the nodes must take about four times the memory, not sixteen.
    small, large = peak_bytes(long_chain(500, reach)), peak_bytes(long_chain(2000, reach))
    assert large < 6 * small, (small, large)


def test_a_code_output_name_with_a_trailing_newline_is_not_an_identifier() -> None:
    code = "def main(args: dict) -> dict:\n    return {'out': 1}"
    data = workflow([start("q"), node("code", "code", config={"code": code, "outputs": {"out\n": "number"}}),
                     end(answer="start.q")], chain("start", "code", "end"))
    with pytest.raises(DefinitionError) as info:
        validate(data, CATALOG)
    assert any(i.field == "config.outputs.out\n" and "must be identifiers" in i.message for i in info.value.issues)


VALUE_SOURCES = [
    ("empty ref", "inputs", {"ref": ""}, "no variable is picked"),
    ("malformed ref", "inputs", {"ref": "llm"}, "'llm' is not a variable reference"),
    ("ref and value", "inputs", {"ref": "llm.text", "value": 1}, "has both a ref and a value"),
    ("neither", "inputs", {}, "needs a variable to read (ref) or a fixed value (value)"),
    ("not an object", "inputs", "llm.text", 'must be {"ref"'),
    ("condition left empty", "condition", {"ref": ""}, "no variable is picked"),
]


@pytest.mark.parametrize(("where", "source", "message"), [s[1:] for s in VALUE_SOURCES],
                         ids=[s[0] for s in VALUE_SOURCES])
def test_a_value_source_has_one_plain_issue_at_its_own_path(where: str, source: Any, message: str) -> None:
    """pydantic checks a source against both union branches; the user sees only the branch they meant."""
    data = base()
    if where == "inputs":
        nodes_of(data)["end"]["inputs"]["x"] = source
        node_id, field = "end", "inputs.x"
    else:
        nodes_of(data)["check"]["config"]["cases"][0]["conditions"][0]["left"] = source
        node_id, field = "check", "config.cases.0.conditions.0.left"
    with pytest.raises(DefinitionError) as info:
        validate(data, CATALOG)
    mine = [i for i in info.value.issues if i.node_id == node_id and i.field.startswith(field)]
    assert [(i.field, i.message) for i in mine] == [(field, mine[0].message)], mine
    assert message in mine[0].message
