"""What a node type is to the engine: a spec with a config model and one async ``run``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel

from engine.errors import Issue
from engine.models import NodeDef, ValueSource


@dataclass
class Usage:
    """LLM token usage."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def add(self, other: "Usage | None") -> None:
        if other is not None:
            self.prompt_tokens += other.prompt_tokens
            self.completion_tokens += other.completion_tokens
            self.total_tokens += other.total_tokens

    def as_dict(self) -> dict[str, int]:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens}


@dataclass
class Services:
    """The outside world as nodes see it. Each is optional; a node that needs a missing one fails clearly.

    - ``llm``: the model gateway (``server.models.gateway.Gateway``)
    - ``knowledge``: knowledge-base retrieval (``knowledge.service``)
    - ``tools``: plugin tools (``nodes.plugins``)
    - ``sandbox``: the code sandbox pool (``nodes.sandbox``)
    - ``files``: uploaded-file storage
    """

    llm: Any = None
    knowledge: Any = None
    tools: Any = None
    sandbox: Any = None
    files: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class NodeResult:
    """What a node's ``run`` returns. ``branch`` is matched against outgoing edges' ``source_handle``."""

    outputs: dict[str, Any]
    branch: str = "out"
    usage: Usage | None = None
    logs: list[str] | None = None


@dataclass
class NodeContext:
    """Everything a running node may use."""

    node: NodeDef
    run_id: str
    mode: str
    inputs: dict[str, Any]
    services: Services
    sys: dict[str, Any]
    run_inputs: dict[str, Any]
    resolve_source: Callable[[ValueSource], Any]
    emit: Callable[[str], None]

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
    config_model: type[BaseModel]
    run: RunFn
    outputs: OutputsFn
    handles: Callable[[Any], list[str]] = single_handle
    check: CheckFn = no_issues
    refs: RefsFn = input_refs
    takes_inputs: bool = True
    default_timeout_s: float | None = None
    default_branch: Callable[[dict[str, Any]], str] = out_branch
