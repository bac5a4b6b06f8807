"""The LLM node and the gateway against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from engine.graph import validate
from engine.runner import execute
from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.registry import CATALOG
from tests.doubles.openai_server import Reply, ScriptedOpenAI
from tests.helpers import chain, end, node, start, workflow

SCHEMA = {"type": "object", "properties": {"question": {"type": "string"}, "count": {"type": "integer"}},
          "required": ["question"]}


def gateway(url: str, **model: Any) -> Gateway:
    settings = {"timeout_s": 5.0, "max_retries": 2, **model}
    return Gateway({"default": EndpointModel(name="default", base_url=url, model="scripted", **settings)},
                   backoff_s=0.01)


def llm_flow(config: dict[str, Any] | None = None, mode: str = "workflow", **inputs: str) -> dict[str, Any]:
    config = {"messages": [{"role": "system", "content": "You are terse."},
                           {"role": "user", "content": "{{query}}"}], **(config or {})}
    return workflow([start("query"), node("llm", "llm", {"query": "start.query", **inputs}, config=config),
                     end(answer="llm.text")], chain("start", "llm", "end"), mode=mode)


async def run_flow(server: ScriptedOpenAI, data: dict[str, Any], inputs: dict[str, Any], **model: Any):  # noqa: ANN201
    gw = gateway(server.url, **model)
    try:
        return await execute(validate(data, CATALOG), inputs, Services(llm=gw))
    finally:
        await gw.aclose()


async def test_streaming_text_becomes_chunk_events(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply("王维写了《竹里馆》。", chunk_size=2))
    result = await run_flow(openai_server, llm_flow(), {"query": "谁写了竹里馆？"})
    assert result.status == "succeeded" and result.outputs == {"answer": "王维写了《竹里馆》。"}
    chunks = [e.delta for e in result.events if e.type == "text_chunk"]
    assert len(chunks) > 3 and "".join(chunks) == "王维写了《竹里馆》。"
    body = openai_server.requests[0]
    assert body["stream"] is True and body["messages"][1] == {"role": "user", "content": "谁写了竹里馆？"}
    finished = next(e for e in result.events if e.type == "node_finished" and e.node_id == "llm")
    assert finished.usage["total_tokens"] > 0 and result.usage == finished.usage


async def test_params_merge_seed_defaults_model_params_and_node_params(openai_server: ScriptedOpenAI) -> None:
    data = llm_flow({"params": {"temperature": 0, "max_tokens": 50, "stop": ["\n\n"], "seed": 7}})
    await run_flow(openai_server, data, {"query": "q"}, params={"presence_penalty": 0.5, "temperature": 0.9})
    body = openai_server.requests[0]
    assert body["temperature"] == 0 and body["top_p"] == 1.0 and body["presence_penalty"] == 0.5
    assert body["max_tokens"] == 50 and body["stop"] == ["\n\n"] and body["seed"] == 7


@pytest.mark.parametrize("answer", ['{"question": "作者是谁", "count": 2}',
                                    '```json\n{"question": "作者是谁", "count": 2}\n```',
                                    'Sure: {"question": "作者是谁", "count": 2}'],
                         ids=["plain", "fenced", "with-prose"])
async def test_json_output_is_parsed_into_typed_fields(openai_server: ScriptedOpenAI, answer: str) -> None:
    openai_server.push(answer)
    data = workflow([start("query"),
                     node("llm", "llm", {"query": "start.query"}, config={
                         "messages": [{"role": "user", "content": "{{query}}"}],
                         "output": {"format": "json", "schema": SCHEMA}}),
                     end(q="llm.question", n="llm.count")], chain("start", "llm", "end"))
    result = await run_flow(openai_server, data, {"query": "x"})
    assert result.outputs == {"q": "作者是谁", "n": 2}
    body = openai_server.requests[0]
    assert body["response_format"] == {"type": "json_object"} and body["stream"] is False


@pytest.mark.parametrize(("answer", "message"), [
    ("I cannot answer that.", "model returned invalid JSON"),
    ('{"count": 2}', "does not match the output schema at (root): 'question' is a required property"),
    ('{"question": 5}', "does not match the output schema at question"),
])
async def test_bad_json_output_fails_the_node(openai_server: ScriptedOpenAI, answer: str, message: str) -> None:
    openai_server.push(answer)
    result = await run_flow(openai_server, llm_flow({"output": {"format": "json", "schema": SCHEMA}}), {"query": "x"})
    assert result.status == "failed" and message in result.error and "node 'llm' (llm)" in result.error


async def test_retries_on_5xx_and_429(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply(status=500, error="overloaded"), Reply(status=429, retry_after=0), "finally")
    result = await run_flow(openai_server, llm_flow(), {"query": "x"})
    assert result.outputs == {"answer": "finally"} and len(openai_server.requests) == 3


async def test_retries_exhausted(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(*[Reply(status=503, error="busy")] * 3)
    result = await run_flow(openai_server, llm_flow(), {"query": "x"})
    assert result.status == "failed"
    assert "model 'default': HTTP 503: busy (after 3 attempt(s))" in result.error


async def test_client_error_is_not_retried(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply(status=400, error="context length exceeded"))
    result = await run_flow(openai_server, llm_flow(), {"query": "x"})
    assert "refused the request: HTTP 400: context length exceeded" in result.error
    assert len(openai_server.requests) == 1


async def test_timeout_is_retried_then_fails(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply("late", delay_s=0.5), Reply("late", delay_s=0.5))
    result = await run_flow(openai_server, llm_flow(), {"query": "x"}, timeout_s=0.2, max_retries=1)
    assert result.status == "failed" and "timed out after 0.2 s (after 2 attempt(s))" in result.error


async def test_unreachable_server() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gw = gateway(f"http://127.0.0.1:{port}/v1", max_retries=1)
    result = await execute(validate(llm_flow(), CATALOG), {"query": "x"}, Services(llm=gw))
    await gw.aclose()
    assert result.status == "failed" and f"cannot reach http://127.0.0.1:{port}/v1/chat/completions" in result.error


async def test_unconfigured_model_fails_clearly() -> None:
    result = await execute(validate(llm_flow({"model": "gpt-x"}), CATALOG), {"query": "x"}, Services(llm=Gateway()))
    assert "model 'gpt-x' is not configured" in result.error


async def test_inputs_render_readably(openai_server: ScriptedOpenAI) -> None:
    chunks = [{"content": "独坐幽篁里", "score": 0.9, "document": "poems.docx", "chunk_id": "c1", "metadata": {}}]
    data = workflow([start("query", {"name": "facts", "type": "object"}),
                     node("llm", "llm", {"refs": {"value": chunks}, "facts": "start.facts", "query": "start.query"},
                          config={"messages": [
                              {"role": "user", "content": "参考：{{refs}}\n事实：{{facts}}\n问：{{query}}"}]}),
                     end(answer="llm.text")], chain("start", "llm", "end"))
    await run_flow(openai_server, data, {"query": "作者？", "facts": {"诗人": "王维"}})
    prompt = openai_server.requests[0]["messages"][0]["content"]
    assert "[1] poems.docx\n```\n独坐幽篁里\n```" in prompt
    assert '"诗人": "王维"' in prompt and prompt.endswith("问：作者？")


async def test_chat_memory_includes_recent_history(openai_server: ScriptedOpenAI) -> None:
    history = [{"role": "user", "content": f"q{i}"} if i % 2 == 0 else {"role": "assistant", "content": f"a{i}"}
               for i in range(6)]
    data = llm_flow({"memory": {"window": 2}}, mode="chat")
    gw = gateway(openai_server.url)
    await execute(validate(data, CATALOG), {"query": "now"}, Services(llm=gw), sys={"history": history, "query": "now"})
    await gw.aclose()
    roles = [(m["role"], m["content"]) for m in openai_server.requests[0]["messages"]]
    assert roles == [("system", "You are terse."), ("user", "q2"), ("assistant", "a3"), ("user", "q4"),
                     ("assistant", "a5"), ("user", "now")]


async def test_preset_applies_under_the_node_params(openai_server: ScriptedOpenAI) -> None:
    await run_flow(openai_server, llm_flow({"preset": "文本生成", "params": {"temperature": 0.7}}), {"query": "q"})
    body = openai_server.requests[0]
    assert body["temperature"] == 0.7 and body["presence_penalty"] == 0.5


def test_unknown_preset_is_a_validation_error() -> None:
    from engine.errors import DefinitionError
    with pytest.raises(DefinitionError, match="llm.config.preset: "):
        validate(llm_flow({"preset": "poetry"}), CATALOG)
