"""Node events are built unvalidated (engine.events.trusted): each must equal the validated event."""

from __future__ import annotations

import json
from typing import Any

from engine.events import BaseEvent, NodeFinishedEvent, NodeStartedEvent
from engine.graph import validate
from engine.models import NodeDef, Strict
from engine.runner import ReusedNode, execute
from engine.spec import NodeContext, NodeResult, NodeSpec, Services, Usage
from tests.helpers import catalog_with_test_nodes, chain, edge, end, lit, node, start, workflow


class ReportConfig(Strict):
    pass


async def _report(ctx: NodeContext, config: ReportConfig) -> NodeResult:
    """Usage, logs and outputs that are not plain strings: every field of node_finished set."""
    return NodeResult(outputs={"n": 3, "nested": {"a": [1, 2.5, None]}, "q": ctx.inputs.get("q")},
                      usage=Usage(prompt_tokens=2, completion_tokens=3, total_tokens=5), logs=["one", "two"])


def _report_outputs(node: NodeDef, config: ReportConfig, services: Services | None) -> dict[str, str]:
    return {"n": "number", "nested": "object", "q": "string"}


CATALOG = {**catalog_with_test_nodes(),
           "report": NodeSpec(type="report", title="Report (test)", config_model=ReportConfig, run=_report,
                              outputs=_report_outputs)}


def sleep(node_id: str, **fields: Any) -> dict[str, Any]:
    return node(node_id, "sleep", fields.pop("inputs", None), config=fields.pop("config", {}), **fields)


def assert_same_as_validated(event: BaseEvent) -> None:
    fields = {name: value for name, value in event.__dict__.items() if name != "type"}
    validated = type(event)(**fields)
    assert event == validated
    assert list(event.__dict__) == list(validated.__dict__)  # same field order (iteration, repr)
    assert event.model_fields_set == validated.model_fields_set
    assert event.model_dump_json() == validated.model_dump_json()
    assert json.dumps(event.model_dump(mode="json")) == json.dumps(validated.model_dump(mode="json"))


async def node_events(data: dict[str, Any], inputs: dict[str, Any], **options: Any) -> list[BaseEvent]:
    result = await execute(validate(data, CATALOG), inputs, **options)
    # Skipped nodes' events are built validated, with the fields they set.
    events = [e for e in result.events if isinstance(e, NodeStartedEvent | NodeFinishedEvent)
              and getattr(e, "status", None) != "skipped"]
    assert events
    return events


async def test_node_events_equal_validated_ones() -> None:
    data = workflow(
        [start("q"), node("report", "report", {"q": "start.q"}),
         sleep("flaky", config={"fail_times": 1}, retry={"max_attempts": 2, "backoff_ms": 1}),
         sleep("fallback", config={"fail_times": 1}, on_error={"strategy": "default",
                                                               "default_outputs": {"value": "d"}}),
         sleep("branching", config={"fail_times": 1}, on_error={"strategy": "branch"}),
         sleep("recover"), sleep("unreached"), end(answer="report.q")],
        [*chain("start", "report", "flaky", "fallback", "branching"), edge("branching", "recover", "error"),
         edge("branching", "unreached"), edge("recover", "end"), edge("unreached", "end")])
    events = await node_events(data, {"q": "hi"})
    finished = {e.node_id: e for e in events if isinstance(e, NodeFinishedEvent)}
    assert finished["report"].usage == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
    assert finished["report"].logs == ["one", "two"] and finished["flaky"].attempts == 2
    assert finished["fallback"].error_handled and finished["branching"].branch == "error"
    assert "unreached" not in finished  # skipped
    for event in events:
        assert_same_as_validated(event)


async def test_failed_and_reused_node_events_equal_validated_ones() -> None:
    data = workflow([start(), sleep("reused"), sleep("bad", config={"fail_times": 5}), end()],
                    chain("start", "reused", "bad", "end"))
    events = await node_events(data, {}, reuse={"reused": ReusedNode(outputs={"value": lit(1)})})
    assert any(getattr(e, "reused", False) for e in events)
    assert any(getattr(e, "status", None) == "failed" for e in events)
    for event in events:
        assert_same_as_validated(event)


async def test_event_dicts_are_copies() -> None:
    """Validation copied the dicts an event holds; the unvalidated event copies them too."""
    data = workflow([start("q"), node("report", "report", {"q": "start.q"}), end()], chain("start", "report", "end"))
    events = await node_events(data, {"q": "hi"})
    started, finished = [e for e in events if getattr(e, "node_id", "") == "report"]
    assert isinstance(started, NodeStartedEvent) and isinstance(finished, NodeFinishedEvent)
    assert started.inputs is not finished.inputs
    finished.inputs["q"] = "changed"
    assert started.inputs == {"q": "hi"}
