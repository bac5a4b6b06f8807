"""The ``answer`` node: its template streams as answer_chunk events in order, each answer node that runs adds
to the chat reply (run_finished.answer) in the order it streamed, and a skipped one adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from engine import passthrough
from engine.debug import run_node
from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import execute
from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.answer import pieces
from tests.doubles.openai_server import Reply, ScriptedOpenAI
from tests.helpers import catalog_with_test_nodes, chain, edge, end, lit, node, ref, workflow

CATALOG = catalog_with_test_nodes()


def chat(nodes: list[dict[str, Any]], edges: list[dict[str, str]], **fields: Any) -> dict[str, Any]:
    return workflow([node("start", "start"), *nodes], edges, mode="chat", **fields)


def answer(node_id: str, text: str, **inputs: Any) -> dict[str, Any]:
    return node(node_id, "answer", inputs, config={"text": text})


def chunks(events: list[Any]) -> list[tuple[str, str]]:
    return [(e.node_id, e.delta) for e in events if e.type == "answer_chunk"]


def branches() -> dict[str, Any]:
    return chat([node("check", "if-else", config={"cases": [
                    {"id": "hi", "conditions": [{"left": ref("sys.query"), "op": "eq", "right": lit("hi")}]}]}),
                 answer("greet", "Hello, {{q}}!", q="sys.query"),
                 answer("other", "You asked: {{q}}", q="sys.query"), end()],
                [edge("start", "check"), edge("check", "greet", "hi"), edge("check", "other", "else"),
                 edge("greet", "end"), edge("other", "end")])


@pytest.mark.parametrize(("query", "ran", "expected"), [
    ("hi", "greet", [("greet", "Hello, "), ("greet", "hi"), ("greet", "!")]),
    ("why?", "other", [("other", "You asked: "), ("other", "why?")]),
])
async def test_the_answer_on_the_branch_taken_streams_and_is_the_reply(query: str, ran: str,
                                                                        expected: list[tuple[str, str]]) -> None:
    result = await execute(validate(branches(), CATALOG), {}, sys={"query": query})
    assert result.status == "succeeded"
    assert chunks(result.events) == expected
    final = result.events[-1]
    assert final.type == "run_finished" and final.answer == "".join(d for _, d in expected)
    skipped = "other" if ran == "greet" else "greet"
    assert [e.status for e in result.events if e.type == "node_finished" and e.node_id == skipped] == ["skipped"]


async def test_each_answer_streams_when_reached_and_the_reply_joins_them_in_order() -> None:
    data = chat([answer("first", "Looking up {{q}}… ", q="sys.query"),
                 node("slow", "sleep", {"q": "sys.query"}, config={"seconds": 0.05, "output": "42"}),
                 answer("second", "The answer is {{v}}.", v="slow.value"), end()],
                chain("start", "first", "slow", "second", "end"))
    result = await execute(validate(data, CATALOG), {}, sys={"query": "life"})
    kinds = [(e.type, getattr(e, "node_id", "")) for e in result.events]
    # The first answer's text is out before the slow node even starts.
    assert kinds.index(("answer_chunk", "first")) < kinds.index(("node_started", "slow"))
    assert result.events[-1].answer == "Looking up life… The answer is 42."
    finished = {e.node_id: e for e in result.events if e.type == "node_finished"}
    assert finished["second"].outputs == {"answer": "The answer is 42."}


async def test_a_run_without_answer_nodes_has_no_answer() -> None:
    data = chat([end(q="sys.query")], chain("start", "end"))
    result = await execute(validate(data, CATALOG), {}, sys={"query": "x"})
    assert result.events[-1].answer is None


async def test_a_failed_run_keeps_what_streamed() -> None:
    data = chat([answer("first", "partial"), node("bad", "sleep", config={"fail_times": 9}), end()],
                chain("start", "first", "bad", "end"))
    result = await execute(validate(data, CATALOG), {}, sys={"query": "x"})
    assert result.status == "failed" and result.events[-1].answer == "partial"


def test_unknown_placeholders_are_validation_errors_naming_the_node_and_field() -> None:
    data = chat([answer("reply", "Hi {{nobody}}", q="sys.query"), end()], chain("start", "reply", "end"))
    with pytest.raises(DefinitionError) as caught:
        validate(data, CATALOG)
    [issue] = caught.value.issues
    assert (issue.node_id, issue.field) == ("reply", "config.text") and "nobody" in issue.message


def test_an_empty_template_is_refused() -> None:
    with pytest.raises(DefinitionError) as caught:
        validate(chat([answer("reply", ""), end()], chain("start", "reply", "end")), CATALOG)
    assert [(i.node_id, i.field) for i in caught.value.issues] == [("reply", "config.text")]


def test_pieces_render_values_and_drop_empty_ones() -> None:
    assert pieces("{{a}}-{{b}}{{c}}", {"a": 1, "b": None, "c": ["x", "y"]}) == ["1", "-", "x\ny"]


async def test_single_node_debug_renders_the_text() -> None:
    data = chat([answer("reply", "Hi {{q}}", q="sys.query"), end()], chain("start", "reply", "end"))
    finished = await run_node(data, CATALOG, "reply", {"q": "ann"})
    assert finished.status == "succeeded" and finished.outputs == {"answer": "Hi ann"}


def llm_then_answer(template: str, **llm_fields: Any) -> dict[str, Any]:
    llm = node("llm", "llm", {"q": "sys.query"}, config={"messages": [{"role": "user", "content": "{{q}}"}]},
               **llm_fields)
    return chat([llm, answer("reply", template, said="llm.text", q="sys.query"), end()],
                chain("start", "llm", "reply", "end"))


async def model_run(server: ScriptedOpenAI, data: dict[str, Any]) -> Any:
    gateway = Gateway({"default": EndpointModel(name="default", base_url=server.url, model="m")})
    try:
        services = Services(llm=gateway)
        return await execute(validate(data, CATALOG, services), {}, services, sys={"query": "hi"})
    finally:
        await gateway.aclose()


async def test_a_models_tokens_stream_through_the_answer_that_reads_them(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply("Hello there, friend.", chunk_size=4))
    result = await model_run(openai_server, llm_then_answer("Bot: {{said}} ({{q}})"))
    assert result.status == "succeeded", result.error
    kinds = [(e.type, getattr(e, "node_id", "")) for e in result.events]
    # the answer node's text flows while the model is still running, before the answer node starts
    assert kinds.index(("answer_chunk", "reply")) < kinds.index(("node_finished", "llm"))
    assert [d for n, d in chunks(result.events)] == ["Bot: ", "Hell", "o th", "ere,", " fri", "end.", " (", "hi", ")"]
    assert result.events[-1].answer == "Bot: Hello there, friend. (hi)"
    finished = {e.node_id: e for e in result.events if e.type == "node_finished"}
    assert finished["reply"].outputs == {"answer": "Bot: Hello there, friend. (hi)"}


async def test_a_model_with_retries_streams_through_only_once_it_finished(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply("Hello.", chunk_size=2))
    result = await model_run(openai_server, llm_then_answer("{{said}}", retry={"max_attempts": 2, "backoff_ms": 0}))
    kinds = [(e.type, getattr(e, "node_id", "")) for e in result.events]
    assert kinds.index(("answer_chunk", "reply")) > kinds.index(("node_finished", "llm"))
    assert chunks(result.events) == [("reply", "Hello.")]


def test_only_an_answer_whose_only_parent_is_the_model_streams_it_through() -> None:
    def planned(data: dict[str, Any]) -> dict[str, str]:
        return {source: p.answer_id for source, p in passthrough.plan(validate(data, CATALOG)).items()}

    assert planned(llm_then_answer("> {{said}}")) == {"llm": "reply"}
    assert planned(llm_then_answer("{{q}}: {{said}}")) == {}  # its first placeholder is not the model's text
    assert planned(llm_then_answer("{{said}}", on_error={"strategy": "default", "default_outputs": {"text": ""}})) == {}
    llm = node("llm", "llm", {"q": "sys.query"}, config={"messages": [{"role": "user", "content": "{{q}}"}]})
    two = chat([llm, answer("a", "{{t}}", t="llm.text"), answer("b", "{{t}}", t="llm.text"), end()],
               [edge("start", "llm"), edge("llm", "a"), edge("llm", "b"), edge("a", "end"), edge("b", "end")])
    assert planned(two) == {}  # two answers would interleave
    joined = chat([llm, node("other", "sleep"), answer("a", "{{t}}", t="llm.text"), end()],
                  [edge("start", "llm"), edge("start", "other"), edge("llm", "a"), edge("other", "a"),
                   edge("a", "end")])
    assert planned(joined) == {}  # it waits for another parent too
