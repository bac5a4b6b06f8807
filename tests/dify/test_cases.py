"""Dify's own test cases (../shared/data/dify-dsl/cases.json) run against the imported workflows.

One scripted model server and one local HTTP server serve every case of the module; each LLM node's reply is
picked by the marker its prompt carries (``llm_prompt_markers``), else the case's only reply. HTTP requests go
to the local server, which answers what the case mocks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from dify.importer import import_dsl
from engine.graph import validate
from engine.runner import execute
from engine.services import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.plugins.registry import ToolRegistry
from nodes.registry import CATALOG
from tests.dify_data import DIFY_DSL
from tests.doubles.echo_http import EchoServer
from tests.doubles.openai_server import Reply, ScriptedOpenAI

DATA = DIFY_DSL
CASES = json.loads((DATA / "cases.json").read_text(encoding="utf-8")) if DATA.is_dir() else []
pytestmark = pytest.mark.skipif(not CASES, reason=f"no Dify cases at {DATA}")


class Script:
    """The replies of the case being run, chosen per request."""

    def __init__(self) -> None:
        self.case: dict[str, Any] = {}

    def __call__(self, body: dict[str, Any]) -> Reply | str:
        replies = self.case.get("llm_responses") or {}
        errors = self.case.get("llm_errors") or {}
        if errors:
            return Reply(status=400, error=next(iter(errors.values())))
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages") or [])
        for node_id, marker in (self.case.get("llm_prompt_markers") or {}).items():
            if marker in prompt:
                return Reply(replies[node_id], chunk_size=4)
        return Reply(next(iter(replies.values())) if replies else "", chunk_size=4)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[ScriptedOpenAI, EchoServer, Script]]:
    script = Script()
    with ScriptedOpenAI(script) as model, EchoServer() as http:
        yield model, http, script


def _inputs(case: dict[str, Any], http: EchoServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    inputs = dict(case.get("inputs") or {})
    for mock in (case.get("node_mocks") or {}).values():
        if "status_code" in mock and "body" in mock:  # an HTTP node: the local server answers its URL
            url = http.serve_json("/dify-mock", json.loads(mock["body"]), mock["status_code"])
            inputs = {k: url if isinstance(v, str) and v.startswith("http") else v for k, v in inputs.items()}
            monkeypatch.setenv("LOOM_PLUGIN_ALLOW_HOSTS", "127.0.0.1")
    return inputs


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
async def test_dify_case(case: dict[str, Any], servers: tuple[ScriptedOpenAI, EchoServer, Script],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    model, http, script = servers
    script.case = case
    imported = import_dsl((DATA / case["file"]).read_bytes())
    tools = ToolRegistry()
    graph = validate(imported.workflow, CATALOG, Services(tools=tools))
    gateway = Gateway({"default": EndpointModel(name="default", base_url=model.url, model="scripted",
                                                timeout_s=5.0, max_retries=0)}, backoff_s=0.01)
    inputs = _inputs(case, http, monkeypatch)
    chat = case.get("mode") == "chat"
    sys = {"query": case.get("query", ""), "history": [], "conversation_id": "c1", "files": [], "user": "u"} \
        if chat else {"files": [], "user": "u"}
    try:
        result = await execute(graph, inputs, Services(llm=gateway, tools=tools), sys=sys)
    finally:
        await gateway.aclose()
    if case.get("expected_status") == "failed":
        assert result.status == "failed", result.outputs
        return
    assert result.status == "succeeded", result.error
    if chat:
        answer = next(e.answer for e in result.events if e.type == "run_finished")
        outputs = {"answer": answer or ""}
    else:
        outputs = result.outputs
    expected = case["expected_outputs"]
    if case.get("match") == "strip":
        outputs = {k: v.strip() if isinstance(v, str) else v for k, v in outputs.items()}
        expected = {k: v.strip() if isinstance(v, str) else v for k, v in expected.items()}
    assert outputs == expected
    ran = {e.node_id for e in result.events if e.type == "node_finished" and e.status == "succeeded"}
    llm_nodes = case.get("expected_llm_nodes") or {}
    assert set(llm_nodes.get("called", [])) <= ran
    assert not set(llm_nodes.get("not_called", [])) & ran
