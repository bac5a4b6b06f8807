"""What a node type is to the engine: a spec with a config model and one async ``run``."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from pydantic import BaseModel

from engine.errors import Issue
from engine.models import EdgeDef, NodeDef, Ref, ValueSource
from engine.services import Services, Usage

__all__ = ["ERROR_HANDLE", "Body", "BodyOutcome", "CheckFn", "Container", "NodeContext", "NodeResult", "NodeSpec",
           "OutputsFn", "RefUse", "RefsFn", "RunFn", "Services", "StreamsFn", "TypesFn", "Usage", "input_refs",
           "no_issues", "out_branch", "single_handle"]


@dataclass
class NodeResult:
    """What a node's ``run`` returns. ``branch`` is matched against outgoing edges' ``source_handle``."""

    outputs: dict[str, Any]
    branch: str = "out"
    usage: Usage | None = None
    logs: list[str] | None = None
    conversation: dict[str, Any] | None = None  # new values of conversation variables, by name


@dataclass(slots=True)
class NodeContext:
    """Everything a running node may use. The runner builds one per node with positional arguments (keyword
    arguments to a class cost a dict per call), so a new field goes last."""

    node: NodeDef
    run_id: str
    mode: str
    inputs: dict[str, Any]
    services: Services
    sys: dict[str, Any]
    run_inputs: dict[str, Any]
    resolve_source: Callable[[ValueSource], Any]
    emit: Callable[[str], None]
    body: Body | None = None  # a container node's sub-graph, ready to run (engine.subgraph)
    emit_answer: Callable[[str], None] | None = None  # chat answer text (``answer_chunk`` events)

    @property
    def node_id(self) -> str:
        return self.node.id

    def resolve(self, source: ValueSource) -> Any:
        """The current value of a ref or literal (absent → ``None``)."""
        return self.resolve_source(source)

    def emit_chunk(self, delta: str) -> None:
        """Stream a piece of text (becomes a ``text_chunk`` event)."""
        if delta:
            self.emit(delta)

    def emit_answer_chunk(self, delta: str) -> None:
        """Stream a piece of the chat reply (becomes an ``answer_chunk`` event; dropped where none is wanted)."""
        if delta and self.emit_answer is not None:
            self.emit_answer(delta)


class BodyOutcome(NamedTuple):
    """One run of a container's sub-graph: ``resolve`` reads its values (the children's outputs, the
    container's scope, anything upstream); ``error`` is set when a child failed unhandled."""

    resolve: Callable[[ValueSource], Any]
    error: str | None = None
    failed_node: str | None = None


class Body(Protocol):
    """What a container node runs: its sub-graph, once per call, under the run's limits."""

    max_items: int  # the most items an iteration may run over
    max_rounds: int  # the most rounds a loop may make

    async def run(self, scope: dict[str, Any], iteration: int) -> BodyOutcome:
        """Run the sub-graph once with ``scope`` readable as ``<container_id>.<name>``; ``iteration`` is the
        item index or loop round the run's events carry."""
        ...


class RefUse(NamedTuple):
    """A value source a node reads, where it sits in the node, and the type it expects there."""

    field: str
    source: ValueSource
    expected: tuple[str, ...] = ("any",)
    purpose: str = ""  # e.g. "operator 'length_gt'", used in type-mismatch messages


RunFn = Callable[[NodeContext, Any], Awaitable[NodeResult]]
OutputsFn = Callable[[NodeDef, Any, Services | None], dict[str, str]]
CheckFn = Callable[[NodeDef, Any, Services | None], list[Issue]]
RefsFn = Callable[[NodeDef, Any, Services | None], list[RefUse]]
TypesFn = Callable[[NodeDef, Any, Callable[[Ref], str | None]], list[Issue]]  # gets each ref's declared type
# (literal text before it, input name): the input whose upstream text may stream through the node (engine.passthrough)
StreamsFn = Callable[[NodeDef, Any], tuple[str, str] | None]


@dataclass(frozen=True)
class Container:
    """How a node type holds a sub-graph (iteration, loop).

    ``body`` gives the sub-graph's nodes and edges from the config; ``scope`` the values children read as
    ``<container_id>.<name>`` (name → type, given the types of the refs the container reads); ``results`` the
    refs the container reads from its sub-graph after a run of it (field, ref, expected); ``outputs``, when set,
    the container's outputs once the types of those refs are known (``ref_type`` gives them).
    """

    body: Callable[[Any], tuple[list[NodeDef], list[EdgeDef]]]
    scope: Callable[[NodeDef, Any, Callable[[Ref], str | None]], dict[str, str]]
    results: Callable[[Any], list[RefUse]]
    outputs: Callable[[NodeDef, Any, Callable[[Ref], str | None]], dict[str, str]] | None = None


def input_refs(node: NodeDef, config: Any, services: Services | None) -> list[RefUse]:
    """Default: the node reads its ``inputs``, accepting any type."""
    return [RefUse(f"inputs.{name}", source) for name, source in node.inputs.items()]


def no_issues(node: NodeDef, config: Any, services: Services | None) -> list[Issue]:
    return []


def single_handle(config: Any) -> list[str]:
    return ["out"]


ERROR_HANDLE = "error"  # the handle a node with ``on_error.strategy = "branch"`` takes when it fails


def out_branch(default_outputs: dict[str, Any]) -> str:
    """Default: a node whose ``on_error`` default outputs take over continues on ``out``."""
    return "out"


@dataclass(frozen=True)
class NodeSpec:
    """A node type: its config model, declared outputs, branch handles, extra checks and ``run``.

    ``default_branch`` picks the handle a failed node takes when its ``on_error`` default outputs stand in
    for its result (a branching node reads its choice from them).
    """

    type: str
    title: str
    config_model: builtins.type[BaseModel]  # ``builtins``: the field ``type`` shadows the name here
    run: RunFn
    outputs: OutputsFn
    handles: Callable[[Any], list[str]] = single_handle
    check: CheckFn = no_issues
    refs: RefsFn = input_refs
    takes_inputs: bool = True
    default_timeout_s: float | None = None
    default_branch: Callable[[dict[str, Any]], str] = out_branch
    container: Container | None = None  # set for node types that hold a sub-graph
    check_types: TypesFn | None = None  # checks that need the declared types of refs (after the ref checks)
    streams_through: StreamsFn | None = None  # answer-like nodes: which input's text may stream through early
