"""The parameter extractor against the scripted OpenAI-compatible server: replies in JSON, fenced, with prose,
with missing or invalid fields, and the node's error strategies."""

from __future__ import annotations

from typing import Any

import pytest

from engine.debug import run_node
from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import RunResult, execute
from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.parameter_extractor import Parameter, json_schema
from nodes.registry import CATALOG
from tests.doubles.openai_server import ScriptedOpenAI
from tests.helpers import chain, edge, end, node, start, workflow

PARAMS = [
    {"name": "order_id", "type": "string", "description": "订单号", "required": True},
    {"name": "phone", "type": "string", "description": "手机号", "required": True},
    {"name": "quantity", "type": "integer", "description": "件数"},
    {"name": "urgent", "type": "boolean"},
    {"name": "channel", "type": "string", "options": ["app", "web", "phone"]},
    {"name": "tags", "type": "array[string]"},
]
OUTPUTS = {p["name"]: f"extract.{p['name']}" for p in PARAMS} | {"ok": "extract.__is_success",
                                                                  "reason": "extract.__reason"}


def extractor_flow(config: dict[str, Any] | None = None, **node_fields: Any) -> dict[str, Any]:
    config = {"parameters": PARAMS, "instructions": "订单号以 SO 开头。", **(config or {})}
    return workflow([start("query"),
                     node("extract", "parameter-extractor", {"query": "start.query"}, config=config, **node_fields),
                     end(**OUTPUTS)], chain("start", "extract", "end"))


QUERY = "订单 SO123，电话 13800000000"


async def run_flow(server: ScriptedOpenAI, data: dict[str, Any], query: str = QUERY) -> RunResult:
    gw = Gateway({"default": EndpointModel(name="default", base_url=server.url, model="scripted", timeout_s=5.0,
                                           max_retries=0)}, backoff_s=0.01)
    try:
        return await execute(validate(data, CATALOG), {"query": query}, Services(llm=gw))
    finally:
        await gw.aclose()


FULL = '{"order_id": "SO123", "phone": "13800000000", "quantity": "3", "urgent": "true", "channel": "app", ' \
       '"tags": ["退款", "加急"]}'


@pytest.mark.parametrize("reply", [FULL, f"```json\n{FULL}\n```", f"好的，提取结果如下：\n{FULL}\n以上。",
                                   f"<think>订单号是 SO123。</think>{FULL}", f'{{"parameters": {FULL}}}'],
                         ids=["json", "fenced", "with-prose", "after-reasoning", "wrapped"])
async def test_parameters_are_extracted_and_coerced(openai_server: ScriptedOpenAI, reply: str) -> None:
    openai_server.push(reply)
    result = await run_flow(openai_server, extractor_flow())
    assert result.status == "succeeded", result.error
    assert result.outputs == {"order_id": "SO123", "phone": "13800000000", "quantity": 3, "urgent": True,
                              "channel": "app", "tags": ["退款", "加急"], "ok": 1, "reason": ""}
    body = openai_server.requests[0]
    assert body["response_format"] == {"type": "json_object"}
    system = body["messages"][0]["content"]
    assert '"order_id": {\n      "type": "string",\n      "description": "订单号"' in system
    assert '"required": [\n    "order_id",\n    "phone"\n  ]' in system and "订单号以 SO 开头。" in system
    assert body["messages"][1] == {"role": "user", "content": "订单 SO123，电话 13800000000"}


async def test_missing_required_parameters_are_named(openai_server: ScriptedOpenAI) -> None:
    openai_server.push('{"order_id": "SO123", "phone": "", "quantity": 2}')
    result = await run_flow(openai_server, extractor_flow())
    assert result.status == "succeeded"
    assert result.outputs["ok"] == 0 and result.outputs["reason"] == "missing required parameter(s): phone"
    assert result.outputs["order_id"] == "SO123" and result.outputs["quantity"] == 2
    assert result.outputs["urgent"] is None and result.outputs["tags"] is None


async def test_invalid_values_are_dropped_and_named_when_required(openai_server: ScriptedOpenAI) -> None:
    openai_server.push('{"order_id": 12, "phone": ["a"], "quantity": "three", "channel": "email"}')
    result = await run_flow(openai_server, extractor_flow())
    assert result.outputs["ok"] == 0
    assert result.outputs["reason"] == ("invalid required parameter(s): phone (expected string, got array)")
    assert result.outputs["order_id"] == "12"  # a number where a string is wanted is safe to turn into text
    assert result.outputs["quantity"] is None and result.outputs["channel"] is None


async def test_reply_without_json(openai_server: ScriptedOpenAI) -> None:
    openai_server.push("抱歉，我没有找到订单号。")
    result = await run_flow(openai_server, extractor_flow())
    assert result.outputs["ok"] == 0 and "the model's reply is not a JSON object" in result.outputs["reason"]


async def test_error_branch_takes_over_when_required_ones_are_missing(openai_server: ScriptedOpenAI) -> None:
    openai_server.push('{"order_id": "SO123"}')
    data = extractor_flow(on_error={"strategy": "branch"})
    data["nodes"].append(end("ask_again", why="extract.error_message"))
    data["edges"].append(edge("extract", "ask_again", "error"))
    result = await run_flow(openai_server, data)
    assert result.status == "succeeded", result.error
    finished = {e.node_id: e for e in result.events if e.type == "node_finished"}
    assert finished["extract"].status == "failed" and finished["extract"].error_handled
    assert finished["end"].status == "skipped"
    assert result.outputs == {"why": "missing required parameter(s): phone"}


async def test_fail_strategy_fails_the_run(openai_server: ScriptedOpenAI) -> None:
    openai_server.push('{"phone": "1"}')
    result = await run_flow(openai_server, extractor_flow(on_error={"strategy": "fail"}))
    assert result.status == "failed" and "missing required parameter(s): order_id" in result.error


def test_schema_from_parameters() -> None:
    params = [Parameter.model_validate(p) for p in PARAMS]
    schema = json_schema(params)
    assert schema["required"] == ["order_id", "phone"]
    assert schema["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert schema["properties"]["channel"] == {"type": "string", "enum": ["app", "web", "phone"]}


def issues_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as exc:
        validate(data, CATALOG)
    return [str(i) for i in exc.value.issues]


def test_validation_names_node_and_field() -> None:
    nameless = [{"type": "string"}, {"name": "a"}, {"name": "b", "type": "date"}]
    found = issues_of(extractor_flow({"parameters": nameless}))
    assert "extract.config.parameters.0.name: field required" in found
    assert "extract.config.parameters.1.type: field required" in found
    assert any(f.startswith("extract.config.parameters.2.type: ") for f in found)
    found = issues_of(extractor_flow({"parameters": [
        {"name": "a", "type": "string"}, {"name": "a", "type": "number"}, {"name": "__reason", "type": "string"},
        {"name": "flag", "type": "boolean", "options": [True]}, {"name": "n", "type": "integer", "options": ["x"]}]}))
    assert "extract.config.parameters[1].name: duplicate parameter 'a'" in found
    assert any(f.startswith("extract.config.parameters[2].name: '__reason' is reserved") for f in found)
    assert "extract.config.parameters[3].options: options need a string, number or integer parameter" in found
    assert "extract.config.parameters[4].options: option 'x' is not a integer" in found
    assert any(f.startswith("extract.config.parameters: ") for f in issues_of(extractor_flow({"parameters": []})))


def test_downstream_refs_see_typed_outputs() -> None:
    data = extractor_flow()
    data["nodes"].insert(2, node("check", "if-else", config={"cases": [{"id": "many", "conditions": [
        {"left": {"ref": "extract.quantity"}, "op": "gt", "right": {"value": 1}}]}]}))
    data["edges"] = chain("start", "extract", "check") + [edge("check", "end", "many"), edge("check", "end", "else")]
    validate(data, CATALOG)
    data["nodes"][2]["config"]["cases"][0]["conditions"][0]["left"] = {"ref": "extract.order_id"}
    assert any("check.config.cases[0].conditions[0].left" in f for f in issues_of(data))


async def test_single_node_debug(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(FULL)
    gw = Gateway({"default": EndpointModel(name="default", base_url=openai_server.url, model="scripted")})
    try:
        event = await run_node(extractor_flow(), CATALOG, "extract", {"query": "SO123"}, Services(llm=gw))
    finally:
        await gw.aclose()
    assert event.status == "succeeded" and event.outputs["quantity"] == 3 and event.outputs["__is_success"] == 1
