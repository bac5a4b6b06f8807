"""The runner: event sequences for branching, skipping, aggregation, parallelism, timeouts, retries, errors."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from engine.graph import validate
from engine.runner import ReusedNode, Run, RunLimits, execute
from tests.helpers import catalog_with_test_nodes, chain, edge, end, lit, node, ref, start, statuses, workflow

CATALOG = catalog_with_test_nodes()


def sleep(node_id: str, seconds: float = 0.0, inputs: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    config = {"seconds": seconds, **fields.pop("config", {})}
    return node(node_id, "sleep", inputs, config=config, **fields)


async def run(data: dict[str, Any], inputs: dict[str, Any] | None = None, **options: Any):  # noqa: ANN201
    return await execute(validate(data, CATALOG), inputs or {}, **options)


async def test_linear_event_sequence() -> None:
    data = workflow([start("q"), sleep("work", inputs={"q": "start.q"}), end(answer="work.q")],
                    chain("start", "work", "end"))
    result = await run(data, {"q": "hi"})
    assert [(e.type, getattr(e, "node_id", "")) for e in result.events] == [
        ("run_started", ""), ("node_started", "start"), ("node_finished", "start"),
        ("node_started", "work"), ("node_finished", "work"),
        ("node_started", "end"), ("node_finished", "end"), ("run_finished", "")]
    assert [e.seq for e in result.events] == list(range(1, 9))
    assert result.status == "succeeded" and result.outputs == {"answer": "hi"}
    finished = [e for e in result.events if e.type == "node_finished"]
    assert finished[1].inputs == {"q": "hi"} and finished[1].outputs["value"] == "done"
    assert all(e.elapsed_ms >= 0 for e in finished)


def branching(value: str) -> dict[str, Any]:
    return workflow(
        [start("q"),
         node("check", "if-else", config={"cases": [
             {"id": "hello", "conditions": [{"left": ref("start.q"), "op": "eq", "right": lit("hello")}]},
             {"id": "long", "logic": "or", "conditions": [
                 {"left": ref("start.q"), "op": "length_gt", "right": lit(10)},
                 {"left": ref("start.q"), "op": "contains", "right": lit("!")}]}]}),
         sleep("a", config={"output": "from a"}), sleep("a2", inputs={"x": "a.value"}),
         sleep("b", config={"output": "from b"}), sleep("c", config={"output": "from c"}),
         node("agg", "variable-aggregator", {"x": "a2.x", "y": "b.value", "z": "c.value"}),
         end(answer="agg.output", case="check.case_id")],
        [edge("start", "check"), edge("check", "a", "hello"), edge("a", "a2"), edge("check", "b", "long"),
         edge("check", "c", "else"), edge("a2", "agg"), edge("b", "agg"), edge("c", "agg"), edge("agg", "end")])


@pytest.mark.parametrize(("query", "case", "ran", "answer"), [
    ("hello", "hello", "a", "from a"),
    ("a very long question", "long", "b", "from b"),
    ("hi!", "long", "b", "from b"),
    ("hi", "else", "c", "from c"),
], ids=["first-case", "second-case-and", "second-case-or", "else"])
async def test_branching_skips_untaken_branches(query: str, case: str, ran: str, answer: str) -> None:
    result = await run(branching(query), {"q": query})
    rows = statuses(result.events)
    status = {node_id: s for kind, node_id, s in rows if kind == "node_finished"}
    assert status[ran] == "succeeded"
    skipped = {"a", "a2", "b", "c"} - ({ran, "a2"} if ran == "a" else {ran})
    assert all(status[n] == "skipped" for n in skipped), status
    assert status["agg"] == "succeeded" and status["end"] == "succeeded"
    assert result.outputs == {"answer": answer, "case": case}
    # Skip propagates through a chain: a2 is skipped because a was.
    if ran != "a":
        order = [node_id for kind, node_id, _ in rows if kind == "node_finished"]
        assert order.index("a") < order.index("a2")


async def test_aggregator_returns_first_present_non_empty_input() -> None:
    data = workflow([start("q"),
                     sleep("empty", config={"output": "  "}), sleep("full", config={"output": "second"}),
                     node("agg", "variable-aggregator", {"a": "empty.value", "b": "full.value", "c": "start.q"}),
                     end(answer="agg.output")],
                    [edge("start", "empty"), edge("start", "full"), edge("empty", "agg"), edge("full", "agg"),
                     edge("agg", "end")])
    assert (await run(data, {"q": "third"})).outputs == {"answer": "second"}


async def test_independent_branches_run_concurrently() -> None:
    branches = [sleep(f"b{i}", 0.2) for i in range(10)]
    data = workflow([start(), *branches, end()],
                    [e for b in branches for e in (edge("start", b["id"]), edge(b["id"], "end"))])
    started = time.perf_counter()
    result = await run(data)
    wall = time.perf_counter() - started
    assert result.status == "succeeded"
    assert wall < 0.6, f"10 branches of 0.2 s took {wall:.2f} s"


async def test_node_timeout_fails_the_run_with_a_clear_error() -> None:
    data = workflow([start(), sleep("slow", 2.0, timeout_s=0.05), end()], chain("start", "slow", "end"))
    result = await run(data)
    assert statuses(result.events)[-2:] == [("node_finished", "slow", "failed"), ("run_finished", "", "failed")]
    assert result.error == "node 'slow' (sleep): timed out after 0.05 s"
    assert result.failed_node == "slow"


async def test_retry_succeeds_after_failures() -> None:
    data = workflow([start(), sleep("flaky", config={"fail_times": 2}, retry={"max_attempts": 3, "backoff_ms": 1}),
                     end(v="flaky.value")], chain("start", "flaky", "end"))
    result = await run(data)
    finished = next(e for e in result.events if e.type == "node_finished" and e.node_id == "flaky")
    assert (finished.status, finished.attempts) == ("succeeded", 3)
    assert result.outputs == {"v": "done"}


async def test_retry_exhausted_fails() -> None:
    data = workflow([start(), sleep("flaky", config={"fail_times": 5}, retry={"max_attempts": 2, "backoff_ms": 1}),
                     end()], chain("start", "flaky", "end"))
    result = await run(data)
    assert result.status == "failed" and "scripted failure 2" in result.error


async def test_on_error_default_uses_default_outputs() -> None:
    data = workflow([start(), sleep("bad", config={"fail_times": 1}, on_error={
        "strategy": "default", "default_outputs": {"value": "fallback"}}), end(v="bad.value")],
        chain("start", "bad", "end"))
    result = await run(data)
    finished = next(e for e in result.events if e.type == "node_finished" and e.node_id == "bad")
    assert (finished.status, finished.error_handled, finished.error) == ("succeeded", True, "scripted failure 1")
    assert result.status == "succeeded" and result.outputs == {"v": "fallback"}


async def test_on_error_branch_takes_the_error_handle() -> None:
    data = workflow([start(), sleep("bad", config={"fail_times": 1}, on_error={"strategy": "branch"}),
                     sleep("ok"), sleep("recover", inputs={"why": "bad.error_message"}),
                     node("agg", "variable-aggregator", {"a": "ok.value", "b": "recover.why"}), end(v="agg.output")],
                    [edge("start", "bad"), edge("bad", "ok"), edge("bad", "recover", "error"), edge("ok", "agg"),
                     edge("recover", "agg"), edge("agg", "end")])
    result = await run(data)
    rows = statuses(result.events)
    assert ("node_finished", "bad", "failed") in rows and ("node_finished", "ok", "skipped") in rows
    assert ("node_finished", "recover", "succeeded") in rows
    assert result.status == "succeeded" and result.outputs == {"v": "scripted failure 1"}


async def test_failure_cancels_concurrent_branches() -> None:
    data = workflow([start(), sleep("bad", config={"fail_times": 1}), sleep("slow", 5.0), end()],
                    [edge("start", "bad"), edge("start", "slow"), edge("bad", "end"), edge("slow", "end")])
    started = time.perf_counter()
    result = await run(data)
    assert result.status == "failed" and time.perf_counter() - started < 2


async def test_node_execution_limit() -> None:
    data = workflow([start(), sleep("a"), sleep("b"), sleep("c"), end()], chain("start", "a", "b", "c", "end"))
    result = await run(data, limits=RunLimits(max_node_executions=3))
    assert result.status == "failed"
    assert result.error == "run exceeded the limit of 3 node executions"


async def test_wall_time_limit() -> None:
    data = workflow([start(), sleep("slow", 5.0), end()], chain("start", "slow", "end"))
    result = await run(data, limits=RunLimits(max_wall_time_s=0.1))
    assert result.status == "failed" and "wall-time limit of 0.1 s" in result.error


async def test_variable_size_limit() -> None:
    data = workflow([start(), sleep("big", config={"output": "x" * 2000}), end()], chain("start", "big", "end"))
    result = await run(data, limits=RunLimits(max_variable_bytes=1000))
    assert result.status == "failed"
    assert "output 'value' is 2,000 bytes, over the run limit of 1,000 bytes" in result.error


async def test_cancel_stops_the_run() -> None:
    data = workflow([start(), sleep("slow", 5.0), end()], chain("start", "slow", "end"))
    run_ = Run(validate(data, CATALOG), {})
    events = []
    async for event in run_.events():
        events.append(event)
        if event.type == "node_started" and event.node_id == "slow":
            asyncio.get_running_loop().call_later(0.05, run_.cancel)
    assert events[-1].type == "run_finished" and events[-1].status == "stopped"


async def test_reused_nodes_are_not_executed() -> None:
    data = workflow([start(), sleep("slow", 5.0, config={"output": "fresh"}), end(v="slow.value")],
                    chain("start", "slow", "end"))
    started = time.perf_counter()
    result = await run(data, reuse={"slow": ReusedNode(outputs={"value": "recorded"})}, resumed_from="old")
    assert time.perf_counter() - started < 1
    assert result.outputs == {"v": "recorded"}
    assert next(e for e in result.events if getattr(e, "node_id", "") == "slow" and e.type == "node_finished").reused
    assert result.events[0].resumed_from == "old"


async def test_ref_to_skipped_node_reads_null() -> None:
    data = workflow([start("q"),
                     node("check", "if-else", config={"cases": [{"id": "never", "conditions": [
                         {"left": ref("start.q"), "op": "eq", "right": lit("nope")}]}]}),
                     sleep("maybe"), end(v="maybe.value", q="start.q")],
                    [edge("start", "check"), edge("check", "maybe", "never"), edge("check", "end", "else"),
                     edge("maybe", "end")])
    result = await run(data, {"q": "x"})
    assert result.outputs == {"v": None, "q": "x"}


async def test_start_inputs_are_checked_and_coerced() -> None:
    data = workflow([start({"name": "n", "type": "integer"}, {"name": "flag", "type": "boolean", "required": False,
                                                               "default": True}), end(n="start.n", f="start.flag")],
                    chain("start", "end"))
    assert (await run(data, {"n": "42"})).outputs == {"n": 42, "f": True}
    bad = await run(data, {"n": "many", "extra": 1})
    assert bad.status == "failed"
    assert "input 'n': expected integer" in bad.error and "unknown input 'extra'" in bad.error


async def test_chat_mode_start_query_receives_sys_query() -> None:
    data = workflow([start("query"), end(q="start.query", s="sys.query")], chain("start", "end"), mode="chat")
    result = await run(data, {}, sys={"query": "你好", "history": []})
    assert result.outputs == {"q": "你好", "s": "你好"}


async def test_cancel_before_start_and_twice_still_finishes_stopped() -> None:
    data = workflow([start(), sleep("slow", 5.0), end()], chain("start", "slow", "end"))
    early = Run(validate(data, CATALOG), {})
    early.cancel()
    events = [e async for e in early.events()]
    assert [e.type for e in events] == ["run_started", "run_finished"] and events[-1].status == "stopped"

    twice = Run(validate(data, CATALOG), {})
    events = []
    async for event in twice.events():
        events.append(event)
        if event.type == "node_started" and event.node_id == "slow":
            twice.cancel()
            twice.cancel()
    assert events[-1].type == "run_finished" and events[-1].status == "stopped"


def _trace(events: list[Any]) -> list[tuple[str, str, str]]:
    return [(e.type, getattr(e, "node_id", ""), getattr(e, "status", "")) for e in events]


@pytest.mark.parametrize("query", ["hello", "hi"])
async def test_run_to_end_gives_what_events_yields(query: str) -> None:
    graph = validate(branching(query), CATALOG)
    streamed = [e async for e in Run(graph, {"q": query}, run_id="r").events()]
    collected = await Run(graph, {"q": query}, run_id="r").run_to_end()
    assert _trace(collected) == _trace(streamed)
    assert [e.seq for e in collected] == [e.seq for e in streamed]
    assert collected[-1].type == "run_finished" and collected[-1].outputs == streamed[-1].outputs


async def test_skips_resolve_depth_first_from_the_last_edge() -> None:
    # check → x1 → x2 and check → y1 on "never" (both skipped), check → z on "else": skip events come for the
    # last edge first, a skipped node's own successors right after it; the node that became ready runs.
    data = workflow([start("q"),
                     node("check", "if-else", config={"cases": [{"id": "never", "conditions": [
                         {"left": ref("start.q"), "op": "eq", "right": lit("nope")}]}]}),
                     sleep("x1"), sleep("x2"), sleep("y1"), sleep("z"), end(v="z.value")],
                    [edge("start", "check"), edge("check", "x1", "never"), edge("x1", "x2"),
                     edge("check", "y1", "never"), edge("check", "z", "else"), edge("x2", "end"), edge("y1", "end"),
                     edge("z", "end")])
    result = await run(data, {"q": "x"})
    order = [(node_id, s) for kind, node_id, s in statuses(result.events) if kind == "node_finished"]
    assert order[2:] == [("y1", "skipped"), ("x1", "skipped"), ("x2", "skipped"), ("z", "succeeded"),
                         ("end", "succeeded")]


async def test_cancelling_execute_cancels_the_run() -> None:
    data = workflow([start(), sleep("slow", 5.0), end()], chain("start", "slow", "end"))
    task = asyncio.ensure_future(run(data))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - started < 1


async def test_a_failure_of_the_engine_itself_reaches_the_follower_instead_of_a_wait(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Run) -> dict[str, Any]:  # a defect in the engine, after the nodes ran
        raise RuntimeError("engine defect")

    monkeypatch.setattr(Run, "_run_outputs", broken)
    graph = validate(workflow([start("q"), sleep("work"), end()], chain("start", "work", "end")), CATALOG)
    seen: list[str] = []

    async def follow() -> None:
        async for event in Run(graph, {"q": "x"}, run_id="r").events():
            seen.append(event.type)

    with pytest.raises(RuntimeError, match="engine defect"):
        await asyncio.wait_for(follow(), timeout=5)
    assert seen[0] == "run_started" and "run_finished" not in seen
    with pytest.raises(RuntimeError, match="engine defect"):
        await Run(graph, {"q": "x"}, run_id="r").run_to_end()


async def test_an_output_that_is_not_text_fails_its_node_naming_the_output() -> None:
    data = workflow([start(), sleep("bad", config={"output": {"text": "a\ud800"}}), end(v="bad.value")],
                    chain("start", "bad", "end"))
    result = await run(data)
    assert result.status == "failed" and result.failed_node == "bad"
    assert "output 'value' holds a lone UTF-16 surrogate ('\\ud800')" in (result.error or "")
