"""Upstream model faults end as node failures, never as a quiet success: the scripted model server (a test
double on 127.0.0.1) cuts streams short, drips tokens, stalls and sends malformed chunks."""

from __future__ import annotations

import time

import pytest

from engine.events import NodeFinishedEvent
from tests.doubles.openai_server import Reply, ScriptedOpenAI
from tests.nodes.test_llm import SCHEMA, llm_flow, run_flow

ANSWER = "独坐幽篁里，弹琴复长啸。深林人不知，明月来相照。"


def llm_event(result) -> NodeFinishedEvent:  # noqa: ANN001
    return next(e for e in result.events if isinstance(e, NodeFinishedEvent) and e.node_id == "llm")


async def test_a_stream_cut_midway_fails_the_node(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply(ANSWER, chunk_size=3, cut_after=2))
    result = await run_flow(openai_server, llm_flow(), {"query": "q"})
    assert result.status == "failed", result.outputs
    assert "model stream ended early" in result.error and "without a finish reason or [DONE]" in result.error
    assert len(openai_server.requests) == 1  # text was already streamed: the gateway does not retry it


async def test_a_cut_stream_is_retried_per_the_node_retry_policy(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply(ANSWER, cut_after=1), Reply(ANSWER))
    data = llm_flow()
    data["nodes"][1]["retry"] = {"max_attempts": 2, "backoff_ms": 0}
    result = await run_flow(openai_server, data, {"query": "q"})
    assert result.status == "succeeded" and result.outputs == {"answer": ANSWER}
    assert llm_event(result).attempts == 2


async def test_a_stream_cut_before_any_text_is_retried_by_the_gateway(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply(ANSWER, cut_after=0), Reply(ANSWER))
    result = await run_flow(openai_server, llm_flow(), {"query": "q"})
    assert result.outputs == {"answer": ANSWER} and len(openai_server.requests) == 2


async def test_a_blocking_answer_cut_short_is_retried_then_fails(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(*[Reply('{"question": "作者是谁"}', cut_after=0)] * 2)
    data = llm_flow({"output": {"format": "json", "schema": SCHEMA}})
    result = await run_flow(openai_server, data, {"query": "q"}, max_retries=1)
    assert result.status == "failed" and "model response ended early" in result.error
    assert len(openai_server.requests) == 2


async def test_the_model_timeout_is_a_deadline_for_the_whole_stream(openai_server: ScriptedOpenAI) -> None:
    # Each token arrives well within the timeout, but the whole answer would take 3 s.
    openai_server.push(Reply("x" * 30, chunk_size=1, chunk_delay_s=0.1))
    started = time.perf_counter()
    result = await run_flow(openai_server, llm_flow(), {"query": "q"}, timeout_s=0.6)
    assert result.status == "failed" and "timed out after 0.6 s (after 1 attempt(s))" in result.error
    assert time.perf_counter() - started < 2.5


async def test_a_stalled_stream_times_out(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply(ANSWER, stall_s=2))
    result = await run_flow(openai_server, llm_flow(), {"query": "q"}, timeout_s=0.4)
    assert result.status == "failed" and "timed out after 0.4 s" in result.error


@pytest.mark.parametrize(("raw", "message"), [
    ("{not json", "malformed stream chunk (not JSON): '{not json'"),
    ("[1, 2]", "malformed stream chunk (not an object)"),
    ('{"choices": "none"}', "'choices' is not a list of objects"),
    ('{"choices": [{"delta": {"content": 5}}]}', "bad 'delta'"),
    ('{"choices": [{"delta": "text"}]}', "bad 'delta'"),
    ('{"choices": [{"delta": {"tool_calls": [{"index": "first"}]}}]}', "malformed tool call delta"),
    ('{"error": {"message": "overloaded"}}', "failed mid-stream: overloaded"),
], ids=["not-json", "not-object", "choices", "content-type", "delta-type", "tool-call-index", "error-object"])
async def test_malformed_chunks_fail_the_node_with_what_was_wrong(openai_server: ScriptedOpenAI, raw: str,
                                                                  message: str) -> None:
    openai_server.push(Reply(ANSWER, raw=[raw]))
    result = await run_flow(openai_server, llm_flow(), {"query": "q"})
    assert result.status == "failed" and message in result.error, result.error
    assert "internal error" not in result.error
