"""The run event stream (one stream for the CLI, SSE and the trace UI)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, Field

NodeStatus = Literal["succeeded", "failed", "skipped"]
RunStatus = Literal["succeeded", "failed", "stopped"]


class BaseEvent(BaseModel):
    """Fields every event carries."""

    run_id: str
    seq: int
    ts: float  # seconds since the epoch


class RunStartedEvent(BaseEvent):
    """The run began."""

    type: Literal["run_started"] = "run_started"
    workflow: str
    mode: str
    inputs: dict[str, Any]
    resumed_from: str | None = None


class NodeStartedEvent(BaseEvent):
    """A node began executing with these resolved inputs."""

    type: Literal["node_started"] = "node_started"
    node_id: str
    node_type: str
    title: str | None = None
    inputs: dict[str, Any]
    parent_id: str | None = None  # the container (iteration, loop) of a node inside a sub-graph
    iteration: int | None = None  # there: the item index or loop round (from 0)


class NodeFinishedEvent(BaseEvent):
    """A node finished: succeeded, failed or skipped."""

    type: Literal["node_finished"] = "node_finished"
    node_id: str
    node_type: str
    title: str | None = None
    status: NodeStatus
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    branch: str | None = None
    elapsed_ms: float = 0.0
    usage: dict[str, int] | None = None
    error: str | None = None
    error_handled: bool = False  # failed, then its on_error strategy (default or branch) took over
    attempts: int = 0
    logs: list[str] | None = None
    reused: bool = False  # outputs taken from an earlier run (resume)
    parent_id: str | None = None  # the container (iteration, loop) of a node inside a sub-graph
    iteration: int | None = None  # there: the item index or loop round (from 0)


class TextChunkEvent(BaseEvent):
    """A piece of streamed text from a node (LLM output)."""

    type: Literal["text_chunk"] = "text_chunk"
    node_id: str
    delta: str


class AnswerChunkEvent(BaseEvent):
    """A piece of the chat reply from an answer node; the reply is every answer chunk of the run, in order."""

    type: Literal["answer_chunk"] = "answer_chunk"
    node_id: str
    delta: str


class RunFinishedEvent(BaseEvent):
    """The run ended."""

    type: Literal["run_finished"] = "run_finished"
    status: RunStatus
    outputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    failed_node: str | None = None
    elapsed_ms: float = 0.0
    usage: dict[str, int] = Field(default_factory=dict)
    node_executions: int = 0
    answer: str | None = None  # chat mode: the answer chunks streamed, joined; None when no answer node ran
    conversation: dict[str, Any] | None = None  # the conversation variables' values at the end, when declared


Event = Annotated[
    RunStartedEvent | NodeStartedEvent | NodeFinishedEvent | TextChunkEvent | AnswerChunkEvent | RunFinishedEvent,
    Field(discriminator="type"),
]
EVENT_TYPES = ("run_started", "node_started", "node_finished", "text_chunk", "answer_chunk", "run_finished")

EventT = TypeVar("EventT", bound=BaseEvent)
_TYPE = frozenset({"type"})
_FIELDS_SET: dict[type[BaseEvent], frozenset[str]] = {}  # every field but type: what validation records as set
_set_attribute = object.__setattr__
_new_object = object.__new__


def trusted(cls: type[EventT], fields: dict[str, Any]) -> EventT:
    """An event built from values the runner produced itself, without validating them again.

    Validating the two events of every node cost about as much as running a trivial node. ``fields`` holds
    every field of ``cls``, ``type`` included, in declaration order, with the types declared; the runner
    passes copies of the dicts and lists it still holds, as validation would have made. The result is equal
    to ``cls(**fields)`` and dumps to the same JSON (tests/engine/test_events.py checks each use). Done as
    pydantic's ``model_construct`` does it, minus its per-field default and alias handling.
    """
    event = _new_object(cls)  # what cls.__new__ is for a model (BaseModel defines none), without looking it up
    _set_attribute(event, "__dict__", fields)
    fields_set = _FIELDS_SET.get(cls)
    if fields_set is None:
        fields_set = _FIELDS_SET[cls] = frozenset(cls.model_fields) - _TYPE
    _set_attribute(event, "__pydantic_fields_set__", set(fields_set))
    _set_attribute(event, "__pydantic_extra__", None)
    _set_attribute(event, "__pydantic_private__", None)
    return event
