"""Dify export: Dify's data shapes for each node, errors naming every node Dify cannot express, the export
endpoint (``?format=dify``) and ``loom export-dify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dify.errors import DifyExportError
from dify.exporter import export_dsl
from server.cli.main import app as cli
from tests.dify_data import DIFY_DSL
from tests.server.conftest import asgi_client, running_app

ROOT = Path(__file__).resolve().parents[2]


def loom(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "workflows" / name).read_text(encoding="utf-8"))


def dsl(workflow: dict[str, Any]) -> dict[str, Any]:
    document = yaml.safe_load(export_dsl(workflow))
    assert document["kind"] == "app" and document["version"].startswith("0.3.")
    return document


def nodes_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in document["workflow"]["graph"]["nodes"]}


def edges_of(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["source"], e["sourceHandle"], e["target"]) for e in document["workflow"]["graph"]["edges"]}


def test_teaching_assistant_maps_selectors_templates_and_branches():
    document = dsl(loom("teaching-assistant.json"))
    assert document["app"]["mode"] == "workflow"
    nodes = nodes_of(document)
    assert nodes["extract"]["data"]["structured_output"]["schema"]["required"] == ["question"]
    # a json LLM's field is read under structured_output; a knowledge base's chunks are its `result`
    assert nodes["kb"]["data"]["query_variable_selector"] == ["extract", "structured_output", "question"]
    assert "{{#kb.result#}}" in nodes["polish"]["data"]["prompt_template"][1]["text"]
    condition = nodes["check"]["data"]["cases"][0]["conditions"][0]
    assert (condition["variable_selector"], condition["comparison_operator"]) == (["kb", "result"], "not empty")
    assert {("check", "found", "polish"), ("check", "false", "ai")} <= edges_of(document)
    code = nodes["merge"]["data"]
    assert code["code_language"] == "python3" and "def main(str1, str2)" in code["code"]
    assert nodes["end"]["data"]["outputs"] == [{"variable": "answer", "value_selector": ["merge", "output"],
                                                 "value_type": "string"}]


def test_exported_code_runs_with_difys_signature():
    code = nodes_of(dsl(loom("teaching-assistant.json")))["merge"]["data"]["code"]
    scope: dict[str, Any] = {}
    exec(compile(code, "<dify code>", "exec"), scope)  # noqa: S102 - the very code Dify would run
    assert scope["main"](str1="答案", str2=None) == {"output": "答案"}


def test_chat_app_becomes_an_advanced_chat_with_its_variables_and_features():
    document = dsl(loom("support-chat.json"))
    assert document["app"]["mode"] == "advanced-chat"
    flow = document["workflow"]
    assert [v["name"] for v in flow["conversation_variables"]] == ["turns", "questions"]
    assert flow["features"]["opening_statement"] and flow["features"]["suggested_questions"]
    count = nodes_of(document)["count"]["data"]
    assert count["type"] == "assigner" and count["items"][0]["operation"] == "+="
    assert count["items"][1]["value"] == ["sys", "query"]


def containers() -> dict[str, Any]:
    each = {"id": "each", "type": "iteration", "inputs": {"items": {"ref": "start.names"}},
            "config": {"output": {"ref": "fmt.output"}, "error_mode": "skip", "nodes": [
                {"id": "fmt", "type": "template-transform", "inputs": {"t": {"ref": "each.item"}},
                 "config": {"template": "Hi {{ t }}"}}], "edges": []}}
    count = {"id": "count", "type": "loop", "config": {
        "variables": [{"name": "n", "type": "number", "value": {"value": 1}, "update": {"ref": "inc.n"}}],
        "until": [{"left": {"ref": "count.n"}, "op": "ge", "right": {"value": 5}}], "max_rounds": 10,
        "nodes": [{"id": "inc", "type": "code", "inputs": {"n": {"ref": "count.n"}},
                   "config": {"code": "def main(args: dict) -> dict:\n    return {'n': args['n'] + 1}",
                              "outputs": {"n": "number"}}}], "edges": []}}
    return {"version": "1", "name": "containers", "nodes": [
        {"id": "start", "type": "start", "config": {"variables": [{"name": "names", "type": "array[string]"}]}},
        each, count,
        {"id": "end", "type": "end", "inputs": {"greetings": {"ref": "each.output"}, "n": {"ref": "count.n"}}}],
        "edges": [{"source": "start", "target": "each"}, {"source": "each", "target": "count"},
                  {"source": "count", "target": "end"}]}


def test_containers_hold_their_start_node_and_children():
    workflow = containers()
    workflow["nodes"][0]["config"]["variables"][0]["type"] = "object"  # Dify forms have no list input
    workflow["nodes"][1]["inputs"]["items"] = {"ref": "start.names.list"}
    document = dsl(workflow)
    nodes = nodes_of(document)
    each = nodes["each"]["data"]
    assert (each["iterator_selector"], each["output_selector"]) == (["start", "names", "list"], ["fmt", "output"])
    assert each["error_handle_mode"] == "remove-abnormal-output" and each["start_node_id"] == "eachstart"
    assert nodes["eachstart"]["data"]["type"] == "iteration-start" and nodes["fmt"]["parentId"] == "each"
    assert ("eachstart", "source", "fmt") in edges_of(document)
    loop = nodes["count"]["data"]
    assert loop["loop_variables"][0] | {"id": None} == {"id": None, "label": "n", "var_type": "number",
                                                         "value_type": "constant", "value": "1"}
    assert loop["break_conditions"][0]["comparison_operator"] == "≥"
    # Dify loops change their variables with an assigner inside; Loom's `update` ref becomes one
    update = nodes["count-update"]["data"]
    assert update["items"][0]["variable_selector"] == ["count", "n"] and update["loop_id"] == "count"
    assert {("countstart", "source", "inc"), ("inc", "source", "count-update")} <= edges_of(document)
    assert [ids for ids in nodes if nodes[ids].get("parentId") == "count"] == ["countstart", "inc", "count-update"]


def test_every_node_dify_cannot_express_is_named_at_once():
    workflow = loom("ticket-router.json")
    with pytest.raises(DifyExportError) as caught:
        export_dsl(workflow)
    named = {node_id for node_id, _ in caught.value.problems}
    assert {"classify", "complaint_end"} <= named
    assert "few-shot examples" in str(caught.value) and "answer_template" in str(caught.value)


def test_an_invalid_workflow_is_refused_before_export():
    with pytest.raises(DifyExportError, match="not valid"):
        export_dsl({"version": "1", "name": "x", "nodes": [], "edges": []})


async def test_export_endpoint_gives_yaml_or_names_the_nodes(data_dir):
    async with running_app(data_dir) as app, asgi_client(app) as client:
        good = (await client.post("/api/workflows", json=loom("support-chat.json"))).json()["id"]
        bad = (await client.post("/api/workflows", json=loom("ticket-router.json"))).json()["id"]
        default = await client.get(f"/api/workflows/{good}/export")
        assert default.headers["content-type"].startswith("application/json")
        exported = await client.get(f"/api/workflows/{good}/export", params={"format": "dify"})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/yaml")
        assert ".yml" in exported.headers["content-disposition"]
        assert yaml.safe_load(exported.text)["app"]["mode"] == "advanced-chat"
        refused = await client.get(f"/api/workflows/{bad}/export", params={"format": "dify"})
        assert refused.status_code == 422
        assert "classify" in {p["node_id"] for p in refused.json()["problems"]}
        unknown = await client.get(f"/api/workflows/{good}/export", params={"format": "xml"})
        assert unknown.status_code == 422


def test_cli_writes_the_yaml_or_exits_naming_the_nodes(tmp_path):
    runner = CliRunner()
    target = tmp_path / "out.yml"
    done = runner.invoke(cli, ["export-dify", str(ROOT / "workflows" / "support-chat.json"), "-o", str(target)])
    assert done.exit_code == 0, done.output
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["kind"] == "app"
    refused = runner.invoke(cli, ["export-dify", str(ROOT / "workflows" / "ticket-router.json")])
    assert refused.exit_code == 1 and "node 'classify'" in refused.output


def test_a_secret_taken_as_a_start_input_goes_back_as_a_dify_secret():
    from dify.importer import import_dsl

    stocks = DIFY_DSL / "community" / "wwwzhouhui" / "stock_analysis.yml"
    if not stocks.is_file():
        pytest.skip("no Dify DSL files")
    text = export_dsl(import_dsl(stocks.read_bytes()).workflow)
    document = yaml.safe_load(text)
    assert document["workflow"]["environment_variables"] == [
        {"id": "env-apikey", "name": "apikey", "value": "", "value_type": "secret", "description": "",
         "selector": ["env", "apikey"]}]
    start = next(n for n in document["workflow"]["graph"]["nodes"] if n["data"]["type"] == "start")
    assert "env_apikey" not in {v["variable"] for v in start["data"]["variables"]}
    assert "{{#env.apikey#}}" in text and "{{#start" not in text


def test_credentials_in_the_workflow_are_not_written_into_the_file():
    workflow = {"version": "1", "name": "call", "nodes": [
        {"id": "start", "type": "start", "config": {"variables": [{"name": "q", "type": "string"}]}},
        {"id": "call-api", "type": "http-request", "inputs": {"q": {"ref": "start.q"}},
         "config": {"url": "https://example.com/?q={{q}}", "auth": {"type": "bearer", "token": "sk-live-123"},
                    "headers": [{"name": "Cookie", "value": "session=abc"}, {"name": "X-Q", "value": "{{q}}"}]}},
        {"id": "end", "type": "end", "inputs": {"status": {"ref": "call-api.status_code"}}}],
        "edges": [{"source": "start", "target": "call-api"}, {"source": "call-api", "target": "end"}]}
    text = export_dsl(workflow)
    assert "sk-live-123" not in text and "session=abc" not in text
    document = yaml.safe_load(text)
    env = {v["name"]: v for v in document["workflow"]["environment_variables"]}
    assert set(env) == {"secret_call_api_token", "secret_call_api_Cookie"}
    assert all(v["value_type"] == "secret" and v["value"] == "" for v in env.values())
    data = nodes_of(document)["call-api"]["data"]
    assert data["authorization"]["config"]["api_key"] == "{{#env.secret_call_api_token#}}"
    assert data["headers"] == "Cookie:{{#env.secret_call_api_Cookie#}}\nX-Q:{{#start.q#}}"


@pytest.mark.parametrize(("null_text", "rendered"), [("", "[] [x]"), ("None", "[None] [x]"), ("n/a", "[n/a] [x]")])
def test_a_template_nodes_null_text_is_spelled_into_difys_jinja(null_text: str, rendered: str) -> None:
    from jinja2 import Environment

    from dify.importer import import_dsl

    flow = {"version": "1", "name": "t", "nodes": [
        {"id": "start", "type": "start", "config": {"variables": [{"name": "a", "type": "string"},
                                                                   {"name": "b", "type": "string"}]}},
        {"id": "t", "type": "template-transform", "inputs": {"a": {"ref": "start.a"}, "b": {"ref": "start.b"}},
         "config": {"template": "[{{ a }}] [{{b}}]", **({"null_text": null_text} if null_text else {})}},
        {"id": "end", "type": "end", "inputs": {"r": {"ref": "t.output"}}}],
        "edges": [{"source": "start", "target": "t"}, {"source": "t", "target": "end"}]}
    text = export_dsl(flow)
    template = nodes_of(yaml.safe_load(text))["t"]["data"]["template"]
    assert Environment().from_string(template).render(a=None, b="x") == rendered  # as Dify's Jinja2 renders it
    assert import_dsl(text).workflow["nodes"][1]["config"] == flow["nodes"][1]["config"]
