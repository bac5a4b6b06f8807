"""Error strategies (engine/error_handling.py): the exact event sequence of each, and the failure data behind it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.error_handling import NodeFailure, attempt, retry_delay_s
from engine.errors import NodeError, NodeTimeoutError
from engine.events import BaseEvent
from engine.graph import validate
from engine.models import NodeDef, RetryPolicy, Strict
from engine.runner import execute
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from nodes.sandbox import SandboxCompileError
from tests.helpers import catalog_with_test_nodes, chain, edge, end, lit, node, ref, start, workflow


class FlakyConfig(Strict):
    """Fail the first ``fail_times`` attempts, with an error that says ``retryable`` (or nothing)."""

    fail_times: int = 0
    retryable: bool | None = None


_calls: dict[str, int] = {}


async def _flaky_run(ctx: NodeContext, config: FlakyConfig) -> NodeResult:
    key = f"{ctx.run_id}:{ctx.node_id}"
    _calls[key] = _calls.get(key, 0) + 1
    if _calls[key] <= config.fail_times:
        raise NodeError(f"failure {_calls[key]}", retryable=config.retryable)
    return NodeResult(outputs={"value": f"ok after {_calls[key]}"})


def _flaky_outputs(node: NodeDef, config: FlakyConfig, services: Services | None) -> dict[str, str]:
    return {"value": "string"}


FLAKY = NodeSpec(type="flaky", title="Flaky (test)", config_model=FlakyConfig, run=_flaky_run, outputs=_flaky_outputs)
CATALOG = {**catalog_with_test_nodes(), "flaky": FLAKY}
RETRY = {"max_attempts": 3, "backoff_ms": 0}

Row = tuple[Any, ...]


def rows(events: list[BaseEvent]) -> list[Row]:
    """Every event, reduced to what an error strategy decides."""
    out: list[Row] = []
    for e in events:
        match e.type:
            case "node_finished":
                out.append((e.type, e.node_id, e.status, e.attempts, e.error, e.error_handled, e.branch))
            case "node_started":
                out.append((e.type, e.node_id))
            case "run_finished":
                out.append((e.type, e.status, e.error))
            case _:
                out.append((e.type,))
    return out


def flaky(**fields: Any) -> dict[str, Any]:
    return node("f", "flaky", config=fields.pop("config"), **fields)


def linear(flaky_node: dict[str, Any]) -> dict[str, Any]:
    return workflow([start(), flaky_node, end(v="f.value")], chain("start", "f", "end"))


def fail_branch() -> dict[str, Any]:
    return workflow(
        [start(), flaky(config={"fail_times": 9}, on_error={"strategy": "branch"}),
         node("ok", "variable-aggregator", {"x": "f.value"}),
         node("recover", "variable-aggregator", {"x": "f.error_message"}),
         node("agg", "variable-aggregator", {"a": "ok.output", "b": "recover.output"}), end(v="agg.output")],
        [edge("start", "f"), edge("f", "ok"), edge("f", "recover", "error"), edge("ok", "agg"),
         edge("recover", "agg"), edge("agg", "end")])


def if_else_default(default_outputs: dict[str, Any]) -> dict[str, Any]:
    # 'src' returns 'x' (typed any, so validation lets it through), not a number: the condition fails at run
    # time, and the default outputs pick the branch.
    return workflow(
        [start(), node("src", "sleep", config={"output": "x"}), node("check", "if-else", config={"cases": [
            {"id": "big", "conditions": [{"left": ref("src.value"), "op": "gt", "right": lit(1)}]}]},
            on_error={"strategy": "default", "default_outputs": default_outputs}),
         node("a", "variable-aggregator", {"x": lit("big")}), node("b", "variable-aggregator", {"x": lit("else")}),
         node("agg", "variable-aggregator", {"a": "a.output", "b": "b.output"}), end(v="agg.output")],
        [edge("start", "src"), edge("src", "check"), edge("check", "a", "big"), edge("check", "b", "else"),
         edge("a", "agg"), edge("b", "agg"), edge("agg", "end")])


START = [("run_started",), ("node_started", "start"), ("node_finished", "start", "succeeded", 1, None, False, "out")]
CONDITION_ERROR = "condition on src.value (gt): left operand 'x' is not a number"

SCENARIOS: list[tuple[str, dict[str, Any], list[Row]]] = [
    ("retry-then-success", linear(flaky(config={"fail_times": 2}, retry=RETRY)), [
        *START, ("node_started", "f"), ("node_finished", "f", "succeeded", 3, None, False, "out"),
        ("node_started", "end"), ("node_finished", "end", "succeeded", 1, None, False, "out"),
        ("run_finished", "succeeded", None)]),
    ("retry-exhausted", linear(flaky(config={"fail_times": 9}, retry=RETRY)), [
        *START, ("node_started", "f"), ("node_finished", "f", "failed", 3, "failure 3", False, None),
        ("run_finished", "failed", "node 'f' (flaky): failure 3")]),
    ("transient-error-retried", linear(flaky(config={"fail_times": 1, "retryable": True}, retry=RETRY)), [
        *START, ("node_started", "f"), ("node_finished", "f", "succeeded", 2, None, False, "out"),
        ("node_started", "end"), ("node_finished", "end", "succeeded", 1, None, False, "out"),
        ("run_finished", "succeeded", None)]),
    ("non-retryable-not-retried", linear(flaky(config={"fail_times": 9, "retryable": False}, retry=RETRY)), [
        *START, ("node_started", "f"), ("node_finished", "f", "failed", 1, "failure 1", False, None),
        ("run_finished", "failed", "node 'f' (flaky): failure 1")]),
    ("fail-without-retry", linear(flaky(config={"fail_times": 1}, on_error={"strategy": "fail"})), [
        *START, ("node_started", "f"), ("node_finished", "f", "failed", 1, "failure 1", False, None),
        ("run_finished", "failed", "node 'f' (flaky): failure 1")]),
    ("default-value", linear(flaky(config={"fail_times": 9}, retry={"max_attempts": 2, "backoff_ms": 0},
                                   on_error={"strategy": "default", "default_outputs": {"value": "fallback"}})), [
        *START, ("node_started", "f"), ("node_finished", "f", "succeeded", 2, "failure 2", True, "out"),
        ("node_started", "end"), ("node_finished", "end", "succeeded", 1, None, False, "out"),
        ("run_finished", "succeeded", None)]),
    ("fail-branch", fail_branch(), [
        *START, ("node_started", "f"), ("node_finished", "f", "failed", 1, "failure 1", True, "error"),
        ("node_finished", "ok", "skipped", 0, None, False, None),
        ("node_started", "recover"), ("node_finished", "recover", "succeeded", 1, None, False, "out"),
        ("node_started", "agg"), ("node_finished", "agg", "succeeded", 1, None, False, "out"),
        ("node_started", "end"), ("node_finished", "end", "succeeded", 1, None, False, "out"),
        ("run_finished", "succeeded", None)]),
    ("default-branch-declared-by-the-node-type", if_else_default({"case_id": "big"}), [
        *START, ("node_started", "src"), ("node_finished", "src", "succeeded", 1, None, False, "out"),
        ("node_started", "check"),
        ("node_finished", "check", "succeeded", 1, CONDITION_ERROR, True, "big"),
        ("node_finished", "b", "skipped", 0, None, False, None),
        ("node_started", "a"), ("node_finished", "a", "succeeded", 1, None, False, "out"),
        ("node_started", "agg"), ("node_finished", "agg", "succeeded", 1, None, False, "out"),
        ("node_started", "end"), ("node_finished", "end", "succeeded", 1, None, False, "out"),
        ("run_finished", "succeeded", None)]),
]


@pytest.mark.parametrize(("data", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
async def test_event_sequence_per_strategy(data: dict[str, Any], expected: list[Row]) -> None:
    result = await execute(validate(data, CATALOG), {})
    assert rows(result.events) == expected


@pytest.mark.parametrize(("default_outputs", "outcome"), [({"case_id": "big"}, "big"), ({"other": 1}, "else")],
                         ids=["case-named", "else-when-unnamed"])
async def test_if_else_default_outputs_pick_the_branch(default_outputs: dict[str, Any], outcome: str) -> None:
    result = await execute(validate(if_else_default(default_outputs), CATALOG), {})
    assert result.status == "succeeded" and result.outputs == {"v": outcome}


async def test_fail_branch_hands_the_error_downstream() -> None:
    result = await execute(validate(fail_branch(), CATALOG), {})
    assert result.outputs == {"v": "failure 1"}


class Boom(Exception):
    pass


@pytest.mark.parametrize(("exc", "timeout_s", "expected"), [
    (NodeError("bad input", retryable=False), None, NodeFailure("bad input", "NodeError", False)),
    (NodeError("flaky upstream", retryable=True), None, NodeFailure("flaky upstream", "NodeError", True)),
    (NodeError("unsure"), None, NodeFailure("unsure", "NodeError", None)),
    (NodeError("typed", error_type="quota"), None, NodeFailure("typed", "quota", None)),
    (SandboxCompileError("line 1: syntax"), None, NodeFailure("line 1: syntax", "SandboxCompileError", False)),
    (NodeTimeoutError("too slow"), None, NodeFailure("too slow", "NodeTimeoutError", None)),
    (TimeoutError(), 0.5, NodeFailure("timed out after 0.5 s", "NodeTimeoutError", None)),
    (TimeoutError("own"), None, NodeFailure("internal error: TimeoutError: own", "TimeoutError", None)),
    (Boom("bug"), 1.0, NodeFailure("internal error: Boom: bug", "Boom", None)),
], ids=["not-retryable", "retryable", "unsaid", "explicit-type", "subclass-default", "node-timeout",
        "deadline", "own-timeout-error", "node-bug"])
def test_failures_carry_an_error_type(exc: Exception, timeout_s: float | None, expected: NodeFailure) -> None:
    assert NodeFailure.from_exception(exc, timeout_s) == expected


def test_node_error_logs_travel_with_the_failure() -> None:
    assert NodeFailure.from_exception(NodeError("x", logs=["printed"]), None).logs == ["printed"]


def test_backoff_doubles_per_attempt() -> None:
    retry = RetryPolicy(max_attempts=4, backoff_ms=100)
    assert [retry_delay_s(retry, n) for n in (1, 2, 3)] == [0.1, 0.2, 0.4]


async def test_each_attempt_has_its_own_timeout() -> None:
    calls = 0

    async def slow_then_fast() -> NodeResult:
        nonlocal calls
        calls += 1
        await asyncio.sleep(1.0 if calls == 1 else 0)
        return NodeResult(outputs={"calls": calls})

    tried = await attempt(slow_then_fast, timeout_s=0.05, retry=RetryPolicy(max_attempts=2, backoff_ms=0))
    assert (tried.made, tried.failure, tried.result and tried.result.outputs) == (2, None, {"calls": 2})
