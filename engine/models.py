"""Pydantic models of the workflow format, version "1" (docs/workflow-format.md)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from engine.types import check_value

NodeId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


def no_control_characters(value: str) -> str:
    """Names are shown in lists, file names and headers: NUL, newlines and other control characters are
    rejected (Unicode category Cc), naming the first one found."""
    for position, char in enumerate(value):
        if unicodedata.category(char) == "Cc":
            raise ValueError(f"must not contain control characters (U+{ord(char):04X} at position {position})")
    return value


PlainText = Annotated[str, AfterValidator(no_control_characters)]
DisplayName = Annotated[PlainText, Field(min_length=1, max_length=200)]
CONVERSATION = "conversation"  # refs ``conversation.<name>`` read the workflow's conversation variables
REF_PATTERN = r"^[A-Za-z0-9_-]{1,64}\.[^.\s]+(\.[^.\s]+)*$"


class Strict(BaseModel):
    """Base for every format model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class Ref(Strict):
    """Reads an upstream value: ``node_id.output[.key-or-index...]``, or ``sys.<name>``."""

    ref: Annotated[str, StringConstraints(pattern=REF_PATTERN)]

    @property
    def node_id(self) -> str:
        return self.ref.split(".", 1)[0]

    @property
    def output(self) -> str:
        return self.ref.split(".")[1]

    @property
    def path(self) -> list[str]:
        return self.ref.split(".")[2:]


class Literal_(Strict):
    """A literal value."""

    value: Any


ValueSource = Ref | Literal_


class Position(Strict):
    """Canvas position, for the UI."""

    x: float
    y: float


class RetryPolicy(Strict):
    """Retry a failed node before its error strategy applies."""

    max_attempts: int = Field(2, ge=1, le=10)
    backoff_ms: int = Field(500, ge=0, le=60_000)


class ErrorPolicy(Strict):
    """What a node failure does: fail the run, use default outputs, or take the ``error`` handle."""

    strategy: Literal["fail", "default", "branch"] = "fail"
    default_outputs: dict[str, Any] = Field(default_factory=dict)


class NodeDef(Strict):
    """A node of the workflow graph."""

    id: NodeId
    type: str
    title: Annotated[PlainText, Field(max_length=200)] | None = None
    description: str | None = None
    position: Position | None = None
    inputs: dict[str, ValueSource] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float | None = Field(None, gt=0, le=3600)
    retry: RetryPolicy | None = None
    on_error: ErrorPolicy | None = None

    @property
    def label(self) -> str:
        return f"node '{self.id}' ({self.type})"


class EdgeDef(Strict):
    """A directed edge; ``source_handle`` picks the branch of the source it belongs to."""

    id: str | None = None
    source: str
    target: str
    source_handle: str = "out"


class AppFeatures(Strict):
    """Chat-app settings shown before the first message."""

    opening_statement: str = ""
    suggested_questions: list[str] = Field(default_factory=list)


ConversationVarType = Literal["string", "number", "boolean", "object", "array[string]", "array[number]",
                              "array[object]"]


class ConversationVariable(Strict):
    """A variable of a conversation: read as ``conversation.<name>``, written by variable-assigner nodes.

    Chat apps keep its value per conversation (``default`` in a new one); a workflow-mode run starts from
    ``default`` and drops the value when it ends.
    """

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    type: ConversationVarType
    default: Any = None
    description: str = ""

    @model_validator(mode="after")
    def _default_fits(self) -> ConversationVariable:
        if self.default is None:
            self.default = EMPTY_DEFAULTS[self.type]()
        elif not check_value(self.type, self.default):
            raise ValueError(f"the default of conversation variable '{self.name}' is not a {self.type}")
        return self


EMPTY_DEFAULTS: dict[str, Any] = {"string": str, "number": int, "boolean": bool, "object": dict,
                                  "array[string]": list, "array[number]": list, "array[object]": list}


class WorkflowDef(Strict):
    """A whole workflow definition."""

    version: Literal["1"] = "1"
    name: DisplayName
    description: str = ""
    mode: Literal["workflow", "chat"] = "workflow"
    app: AppFeatures | None = None
    nodes: list[NodeDef]
    edges: list[EdgeDef] = Field(default_factory=list)
    conversation_variables: list[ConversationVariable] = Field(default_factory=list)

    @model_validator(mode="after")
    def _nonempty(self) -> WorkflowDef:
        if not self.nodes:
            raise ValueError("a workflow needs at least a start and an end node")
        names = [v.name for v in self.conversation_variables]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate conversation variable '{duplicates[0]}'")
        return self

    def node(self, node_id: str) -> NodeDef:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)
