"""The Dify mapping, node family by node family, on small DSL documents built here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import yaml

from dify.errors import DifyImportError
from dify.importer import import_dsl
from engine.graph import validate
from engine.runner import execute
from engine.services import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.plugins.registry import ToolRegistry
from nodes.registry import CATALOG
from nodes.sandbox import SandboxPool
from tests.doubles.openai_server import ScriptedOpenAI

ON_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
START = {"id": "s", "data": {"type": "start", "title": "Start", "variables": [
    {"variable": "q", "label": "q", "type": "text-input", "required": False}]}}


def dsl(nodes: list[dict[str, Any]], edges: list[tuple[str, str, str]], mode: str = "workflow",
        extra_inputs: tuple[dict[str, Any], ...] = (), **workflow: Any) -> str:
    start = {"id": "s", "data": {**START["data"], "variables": [*START["data"]["variables"], *extra_inputs]}}
    return yaml.safe_dump({
        "app": {"name": "t", "mode": mode}, "kind": "app", "version": "0.3.1",
        "workflow": {"graph": {"nodes": [start, *nodes], "edges": [
            {"id": f"e{i}", "source": s, "target": t, "sourceHandle": h} for i, (s, t, h) in enumerate(edges)]},
            **workflow}}, allow_unicode=True)


def end(*outputs: tuple[str, list[str]]) -> dict[str, Any]:
    return {"id": "e", "data": {"type": "end", "outputs": [{"variable": v, "value_selector": s} for v, s in outputs]}}


def node(node_id: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "data": {"type": kind, "title": node_id, **data}}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def services() -> AsyncIterator[Services]:
    async with SandboxPool(size=1) as pool:
        with ScriptedOpenAI(lambda body: "ok") as server:
            gateway = Gateway({"default": EndpointModel(name="default", base_url=server.url, model="m",
                                                        timeout_s=5.0, max_retries=0)}, backoff_s=0.01)
            yield Services(llm=gateway, sandbox=pool, tools=ToolRegistry(), extra={"server": server})
            await gateway.aclose()


async def run(text: str, services: Services, **inputs: Any) -> dict[str, Any]:
    workflow = import_dsl(text).workflow
    result = await execute(validate(workflow, CATALOG, services), inputs, services, sys={"files": []})
    assert result.status == "succeeded", result.error
    return result.outputs


@ON_MODULE_LOOP
@pytest.mark.parametrize(("operator", "value", "expected"), [
    ("empty", "", "yes"), ("empty", "   ", "no"),  # Dify: spaces are not empty
    ("not empty", "   ", "yes"), ("contains", "a hello", "yes"), ("contains", "Hello", "no"),
    ("start with", "hello x", "yes"), ("end with", "x hello", "yes"), ("is", "hello", "yes"),
    ("is not", "hello", "no"), ("in", "b", "yes"), ("not in", "z", "yes"), ("all of", "a b", "yes"),
], ids=lambda v: str(v))
async def test_if_else_operators_keep_dify_semantics(operator: str, value: str, expected: str,
                                                     services: Services) -> None:
    right = {"in": ["a", "b"], "not in": ["a", "b"], "all of": ["a", "b"]}.get(operator, "hello")
    text = dsl([node("if", "if-else", cases=[{"case_id": "true", "logical_operator": "and", "conditions": [
        {"variable_selector": ["s", "q"], "comparison_operator": operator, "value": right, "varType": "string"}]}]),
        node("yes", "template-transform", template="yes", variables=[]),
        node("no", "template-transform", template="no", variables=[]),
        node("agg", "variable-aggregator", variables=[["yes", "output"], ["no", "output"]]),
        end(("r", ["agg", "output"]))],
        [("s", "if", "source"), ("if", "yes", "true"), ("if", "no", "false"), ("yes", "agg", "source"),
         ("no", "agg", "source"), ("agg", "e", "source")])
    assert await run(text, services, q=value) == {"r": expected}


@ON_MODULE_LOOP
async def test_code_nodes_keep_difys_main_signature_and_drop_undeclared_keys(services: Services) -> None:
    code = "def main(arg1: str, arg2: int) -> dict:\n    return {'out': arg1 * arg2, 'extra': 1}\n"
    text = dsl([node("c", "code", code_language="python3", code=code, outputs={"out": {"type": "string"}},
                     variables=[{"variable": "arg1", "value_selector": ["s", "q"]},
                                {"variable": "arg2", "value_selector": ["s", "n"]}]),
                end(("r", ["c", "out"]))], [("s", "c", "source"), ("c", "e", "source")],
               extra_inputs=({"variable": "n", "label": "n", "type": "number"},))
    assert await run(text, services, q="ab", n=2) == {"r": "abab"}


@ON_MODULE_LOOP
async def test_literal_braces_in_a_prompt_stay_literal_and_context_is_an_input(services: Services) -> None:
    text = dsl([node("llm", "llm", model={"provider": "openai", "name": "gpt-4o", "mode": "chat"},
                     context={"enabled": True, "variable_selector": ["s", "q"]},
                     prompt_template=[{"role": "system",
                                       "text": "Use {{#context#}}; reply as {{name}} in JSON {\"a\": 1}"},
                                      {"role": "user", "text": "{{#s.q#}}"}]),
                end(("r", ["llm", "text"]))], [("s", "llm", "source"), ("llm", "e", "source")])
    server = services.extra["server"]
    server.requests.clear()
    assert await run(text, services, q="facts") == {"r": "ok"}
    system = server.requests[0]["messages"][0]["content"]
    assert system == 'Use facts; reply as {{name}} in JSON {"a": 1}'


def test_chat_memory_adds_the_query_turn_and_features_carry_over() -> None:
    text = dsl([node("llm", "llm", model={"provider": "p", "name": "m"},
                     prompt_template=[{"role": "system", "text": ""}],
                     memory={"window": {"enabled": True, "size": 5}, "query_prompt_template": "Q: {{#sys.query#}}"}),
                node("a", "answer", answer="{{#llm.text#}}")], [("s", "llm", "source"), ("llm", "a", "source")],
               mode="advanced-chat", features={"opening_statement": "Hi", "suggested_questions": ["What?"]})
    workflow = import_dsl(text).workflow
    llm = next(n for n in workflow["nodes"] if n["id"] == "llm")
    assert llm["config"]["memory"] == {"window": 5}
    assert llm["config"]["messages"] == [{"role": "user", "content": "Q: {{query}}"}]
    assert llm["inputs"] == {"query": {"ref": "sys.query"}}
    assert workflow["mode"] == "chat"
    assert workflow["app"] == {"opening_statement": "Hi", "suggested_questions": ["What?"]}


def test_secrets_never_land_in_the_workflow_and_are_listed() -> None:
    http = node("h", "http-request", method="post", url="https://api.example.com/{{#env.path#}}",
                headers="X-Token:abc123\nAccept:application/json",
                authorization={"type": "api-key", "config": {"type": "bearer", "api_key": "sk-live-123"}},
                body={"type": "json", "data": [{"type": "text", "value": "{\"q\": \"{{#s.q#}}\"}"}]})
    text = dsl([http, end(("r", ["h", "status_code"]))], [("s", "h", "source"), ("h", "e", "source")],
               environment_variables=[{"name": "api_secret", "value": "hunter2", "value_type": "secret"},
                                      {"name": "path", "value": "v1", "value_type": "string"}])
    result = import_dsl(text)
    dumped = str(result.workflow)
    assert "sk-live-123" not in dumped and "hunter2" not in dumped
    sources = {s.source for s in result.report.secrets}
    assert sources == {"env.api_secret", "node 'h' authorization"}
    node_ = next(n for n in result.workflow["nodes"] if n["id"] == "h")
    assert node_["config"]["auth"]["type"] == "bearer" and node_["config"]["body"]["type"] == "json"
    assert node_["inputs"]["path"] == {"value": "v1"}  # a plain env value is written in


def test_error_strategies_retry_and_notes() -> None:
    text = dsl([node("h", "http-request", method="get", url="https://x.example", error_strategy="fail-branch",
                     retry_config={"retry_enabled": True, "max_retries": 3, "retry_interval": 200}),
                node("t", "template-transform", template="x", variables=[], error_strategy="default-value",
                     default_value=[{"key": "output", "type": "string", "value": "fallback"}]),
                end(("r", ["t", "output"])), {"id": "note1", "type": "custom-note", "data": {"type": ""}}],
               [("s", "h", "source"), ("h", "t", "fail-branch"), ("h", "t", "source"), ("t", "e", "source")])
    result = import_dsl(text)
    nodes = {n["id"]: n for n in result.workflow["nodes"]}
    assert nodes["h"]["on_error"] == {"strategy": "branch"}
    assert nodes["h"]["retry"] == {"max_attempts": 4, "backoff_ms": 200}
    assert nodes["t"]["on_error"] == {"strategy": "default", "default_outputs": {"output": "fallback"}}
    assert {"source": "h", "target": "t", "source_handle": "error"} in result.workflow["edges"]
    assert [d.node_id for d in result.report.dropped] == ["note1"]


def test_classifier_and_extractor_map_to_loom_nodes_and_class_handles() -> None:
    text = dsl([node("qc", "question-classifier", query_variable_selector=["s", "q"],
                     model={"provider": "p", "name": "m"},
                     classes=[{"id": "1", "name": "billing"}, {"id": "2", "name": "other"}]),
                node("pe", "parameter-extractor", query=["s", "q"], model={"provider": "p", "name": "m"},
                     parameters=[{"name": "city", "type": "select", "options": ["Paris"], "required": True},
                                 {"name": "n", "type": "number"}]),
                end(("city", ["pe", "city"]), ("ok", ["pe", "__is_success"]))],
               [("s", "qc", "source"), ("qc", "pe", "1"), ("qc", "e", "2"), ("pe", "e", "source")])
    workflow = import_dsl(text).workflow
    nodes = {n["id"]: n for n in workflow["nodes"]}
    assert nodes["qc"]["config"]["classes"] == [{"id": "1", "name": "billing"}, {"id": "2", "name": "other"}]
    assert nodes["pe"]["config"]["parameters"][0] == {"name": "city", "type": "string", "required": True,
                                                      "options": ["Paris"]}
    assert {"source": "qc", "target": "pe", "source_handle": "1"} in workflow["edges"]


@pytest.mark.parametrize(("mode", "message"), [("chat", "basic chat app"), ("completion", "text-generator"),
                                               ("agent-chat", "agent app")])
def test_apps_without_a_graph_are_refused_with_what_to_do(mode: str, message: str) -> None:
    with pytest.raises(DifyImportError, match=message) as caught:
        import_dsl(dsl([], [], mode=mode))
    assert caught.value.location == "app.mode"


@pytest.mark.parametrize("change", [
    lambda n: n.update(data={"type": "llm", "prompt_template": "not a list of messages", "model": "x"}),
    lambda n: n.update(data={"type": "end", "outputs": [["not", "a", "mapping"]]}),
    lambda n: n.update(data={"type": "if-else", "cases": [{"conditions": [{"variable_selector": "s.q"}]}]}),
], ids=["prompt-string", "end-outputs-lists", "selector-string"])
def test_fields_of_an_unexpected_shape_are_refused_naming_the_node(change: Any) -> None:
    broken = node("x", "llm")
    change(broken)
    with pytest.raises(DifyImportError) as caught:
        import_dsl(dsl([broken], [("s", "x", "source")]))
    assert caught.value.location.startswith("node 'x'")


@ON_MODULE_LOOP
async def test_a_tool_parameter_mixing_text_and_variables_is_rendered_by_a_template_first(services: Services) -> None:
    tool = node("t", "tool", provider_id="builtin", provider_type="builtin", tool_name="json_parse",
                tool_parameters={"json_string": {"type": "mixed", "value": '{"name": "{{#s.q#}}", "n": 2}'}})
    text = dsl([tool, end(("r", ["t", "result"]))], [("s", "t", "source"), ("t", "e", "source")])
    assert await run(text, services, q="Ada") == {"r": {"name": "Ada", "n": 2}}


def test_agent_nodes_are_refused_saying_what_to_build_instead() -> None:
    with pytest.raises(DifyImportError, match="Loom agent") as caught:
        import_dsl(dsl([node("a", "agent")], [("s", "a", "source")]))
    assert caught.value.location == "node 'a' (agent)"


@ON_MODULE_LOOP
async def test_an_if_else_value_mixing_text_and_variables_is_rendered_first(services: Services) -> None:
    text = dsl([node("if", "if-else", cases=[{"case_id": "true", "logical_operator": "and", "conditions": [
        {"variable_selector": ["s", "q"], "comparison_operator": "is", "value": "hi {{#s.q2#}}!",
         "varType": "string"}]}]),
        node("yes", "template-transform", template="yes", variables=[]),
        node("no", "template-transform", template="no", variables=[]),
        node("agg", "variable-aggregator", variables=[["yes", "output"], ["no", "output"]]),
        end(("r", ["agg", "output"]))],
        [("s", "if", "source"), ("if", "yes", "true"), ("if", "no", "false"), ("yes", "agg", "source"),
         ("no", "agg", "source"), ("agg", "e", "source")],
        extra_inputs=({"variable": "q2", "label": "q2", "type": "text-input", "required": False},))
    assert await run(text, services, q="hi Ada!", q2="Ada") == {"r": "yes"}
    assert await run(text, services, q="hi Bob!", q2="Ada") == {"r": "no"}


@ON_MODULE_LOOP
@pytest.mark.parametrize(("q", "expected"), [(None, "[None]"), ("x", "[x]")])
async def test_a_null_in_a_template_node_renders_as_none_as_in_dify(q: str | None, expected: str,
                                                                    services: Services) -> None:
    text = dsl([node("t", "template-transform", template="[{{ q }}]", variables=[{"variable": "q",
                                                                                  "value_selector": ["s", "q"]}]),
                end(("r", ["t", "output"]))], [("s", "t", "source"), ("t", "e", "source")])
    assert await run(text, services, **({} if q is None else {"q": q})) == {"r": expected}


@ON_MODULE_LOOP
@pytest.mark.parametrize(("start", "rounds"), [(5, 0), (2, 3)])
async def test_loop_break_conditions_are_checked_before_the_first_round_as_in_dify(start: int, rounds: int,
                                                                                   services: Services) -> None:
    loop = node("lp", "loop", loop_count=10, logical_operator="and", start_node_id="lp_start",
                loop_variables=[{"label": "n", "var_type": "number", "value_type": "constant", "value": start},
                                {"label": "k", "var_type": "number", "value_type": "constant", "value": 0}],
                break_conditions=[{"variable_selector": ["lp", "n"], "comparison_operator": "≥", "value": "5",
                                   "varType": "number"}])
    inner = [{"id": "lp_start", "parentId": "lp", "data": {"type": "loop-start", "isInLoop": True}},
             {"id": "inc", "parentId": "lp", "data": {
                 "type": "assigner", "version": "2", "isInLoop": True, "loop_id": "lp", "items": [
                     {"variable_selector": ["lp", "n"], "operation": "+=", "input_type": "constant", "value": 1},
                     {"variable_selector": ["lp", "k"], "operation": "+=", "input_type": "constant", "value": 1}]}}]
    text = dsl([loop, *inner, end(("n", ["lp", "n"]), ("k", ["lp", "k"]))],
               [("s", "lp", "source"), ("lp_start", "inc", "source"), ("lp", "e", "source")])
    imported = import_dsl(text)
    assert imported.workflow["nodes"][1]["config"]["check_first"] is True
    assert await run(text, services) == {"n": max(start, 5), "k": rounds}
