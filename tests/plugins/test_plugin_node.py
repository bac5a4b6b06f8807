"""The plugin node: save-time checks against the registry, typed outputs, and real runs."""

from __future__ import annotations

from typing import Any

import pytest

from engine.debug import run_node
from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import execute
from engine.spec import Services
from nodes.plugins import ToolRegistry
from nodes.registry import CATALOG
from tests.helpers import chain, end, lit, node, start, workflow
from tests.plugins.conftest import LOOPBACK
from tests.plugins.toy_api import ToyServer


def plugin_flow(plugin: str, tool: str, inputs: dict[str, Any], *, settings: dict[str, Any] | None = None,
                variables: tuple[Any, ...] = ("text",), answer: str = "tool.value") -> dict[str, Any]:
    config: dict[str, Any] = {"plugin": plugin, "tool": tool}
    if settings is not None:
        config["settings"] = settings
    return workflow([start(*variables), node("tool", "plugin", inputs, config=config), end(answer=answer)],
                    chain("start", "tool", "end"))


def issues(data: dict[str, Any], services: Services) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        validate(data, CATALOG, services)
    return [str(i) for i in caught.value.issues]


@pytest.fixture
def services(registry: ToolRegistry) -> Services:
    return Services(tools=registry)


@pytest.mark.parametrize(("data", "expected"), [
    (plugin_flow("nope", "x", {}, answer="start.text"),
     "tool.config.plugin: unknown plugin 'nope' (available: read_file, http_request, current_time, json_extract)"),
    (plugin_flow("json_extract", "jq", {}, answer="start.text"),
     "tool.config.tool: plugin 'json_extract' has no tool 'jq' (tools: json_extract)"),
    (plugin_flow("json_extract", "json_extract", {"data": "start.text", "path": lit("$.a"), "query": lit(1)}),
     "tool.inputs.query: tool 'json_extract' has no parameter 'query' (parameters: data, path)"),
    (plugin_flow("json_extract", "json_extract", {"data": "start.text"}),
     "tool.inputs: missing required parameter 'path' of tool 'json_extract'"),
    (plugin_flow("current_time", "current_time", {"timezone": "start.n"}, answer="tool.iso",
                 variables=({"name": "n", "type": "number"},)),
     "tool.inputs.timezone: ref 'start.n' is number, but string is needed for parameter 'timezone'"),
    (plugin_flow("http_request", "http_request", {"url": lit(["not", "a", "string"])}, answer="tool.status"),
     "tool.inputs.url: parameter 'url' expects string"),
    (plugin_flow("current_time", "current_time", {}, settings={"zone": "UTC"}, answer="tool.iso"),
     "tool.config.settings.zone: tool 'current_time' has no parameter 'zone' (parameters: timezone, format)"),
    (plugin_flow("json_extract", "json_extract", {"data": "start.text"}, answer="tool.nothing",
                 settings={"path": "$.a"}),
     "end.inputs.answer: ref 'tool.nothing': node 'tool' has no output 'nothing' (outputs: value, values, count)"),
], ids=["unknown-plugin", "unknown-tool", "unknown-input", "missing-required", "ref-type", "literal-type",
        "unknown-setting", "undeclared-output"])
def test_save_time_checks(services: Services, data: dict[str, Any], expected: str) -> None:
    assert expected in issues(data, services)


def test_outputs_are_typed_for_downstream_refs(services: Services) -> None:
    data = plugin_flow("http_request", "http_request", {"url": "start.text"}, answer="tool.status")
    graph = validate(data, CATALOG, services)
    assert dict(graph.outputs["tool"]) == {"status": "integer", "headers": "object", "body": "string", "json": "any"}
    file_flow = plugin_flow("read_file", "read_file", {"file_url": "start.doc"}, answer="tool.text",
                            variables=({"name": "doc", "type": "file"},))
    assert dict(validate(file_flow, CATALOG, services).outputs["tool"]) == {
        "text": "string", "page_count": "integer", "name": "string"}


def test_without_a_registry_the_node_declares_nothing() -> None:
    data = plugin_flow("json_extract", "json_extract", {"data": "start.text"}, answer="start.text")
    graph = validate(data, CATALOG, Services())
    assert dict(graph.outputs["tool"]) == {}


async def test_workflow_runs_a_builtin_tool(services: Services) -> None:
    data = plugin_flow("json_extract", "json_extract", {"data": "start.text"}, settings={"path": "$.poem.title"})
    result = await execute(validate(data, CATALOG, services), {"text": '{"poem": {"title": "静夜思"}}'},
                           services=services)
    assert result.status == "succeeded", result.error
    assert result.outputs == {"answer": "静夜思"}


async def test_workflow_calls_an_imported_api(services: Services, registry: ToolRegistry, toy: ToyServer) -> None:
    registry.import_openapi("pets", f"{toy.url}/openapi.json", allow_hosts=LOOPBACK)
    data = plugin_flow("pets", "getPet", {"pet_id": "start.id"}, answer="tool.name",
                       variables=({"name": "id", "type": "integer"},))
    result = await execute(validate(data, CATALOG, services), {"id": 2}, services=services)
    assert result.status == "succeeded", result.error
    assert result.outputs == {"answer": "Rex"}


async def test_tool_failure_fails_the_node_with_a_clear_error(services: Services) -> None:
    data = plugin_flow("http_request", "http_request", {"url": "start.text"}, answer="tool.status")
    result = await execute(validate(data, CATALOG, services), {"text": "http://169.254.169.254/latest/meta-data/"},
                           services=services)
    assert result.status == "failed" and result.failed_node == "tool"
    assert "plugin 'http_request', tool 'http_request': refused to connect to 169.254.169.254" in (result.error or "")


async def test_single_node_debug(services: Services) -> None:
    data = plugin_flow("current_time", "current_time", {"timezone": "start.text"}, answer="tool.iso")
    event = await run_node(data, CATALOG, "tool", {"timezone": "Asia/Tokyo"}, services)
    assert event.status == "succeeded" and event.outputs["iso"].endswith("+09:00")
