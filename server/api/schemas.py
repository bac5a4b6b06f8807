"""Request and response bodies shared by several routers (runs, public API, chat)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from engine.models import PlainText
from server.db.models import RunRow

ResponseMode = Literal["blocking", "streaming", "async"]


def _surrogate_at(value: Any, path: str) -> str | None:
    """Where in ``value`` a string holds a lone UTF-16 surrogate (JSON's ``\\ud800`` escape allows one); None."""
    if isinstance(value, str):
        if value.isascii():
            return None
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            return f"{path}, character {exc.start}" if path else f"character {exc.start}"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _surrogate_at(key, path) or _surrogate_at(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _surrogate_at(item, f"{path}[{i}]")
            if found:
                return found
    return None


def storable_text(value: Any) -> Any:
    """Refuse text no database, log or stream can hold: a lone UTF-16 surrogate, named by where it is."""
    found = _surrogate_at(value, "")
    if found:
        raise ValueError(f"a lone UTF-16 surrogate at {found} is not text (send valid Unicode)")
    return value


StorableJson = Annotated[dict[str, Any], AfterValidator(storable_text)]
StorableFiles = Annotated[list[dict[str, Any]], AfterValidator(storable_text)]
StorableStr = Annotated[str, AfterValidator(storable_text)]


class RunCreate(BaseModel):
    """Start a run: inputs for the start node and how to answer."""

    model_config = ConfigDict(extra="forbid")

    inputs: StorableJson = Field(default_factory=dict)
    response_mode: ResponseMode = "blocking"
    user: StorableStr | None = Field(None, max_length=200)
    files: StorableFiles = Field(default_factory=list, description="file values, given to sys.files")


class ConsoleRunCreate(RunCreate):
    """A console run: of the draft, or of a published version."""

    version: int | None = Field(None, ge=1, le=2_147_483_647, description="a published version; the draft when absent")


class RunResultPublic(BaseModel):
    """A finished run, as a blocking request returns it."""

    run_id: str
    status: str
    outputs: dict[str, Any]
    error: str | None = None
    elapsed_ms: float
    usage: dict[str, Any]


class RunAccepted(BaseModel):
    """An accepted async run; poll ``GET .../runs/{run_id}``."""

    run_id: str


class NodeTrace(BaseModel):
    """One node's part in a run."""

    node_id: str
    node_type: str
    title: str | None = None
    status: str
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    branch: str | None = None
    elapsed_ms: float = 0.0
    usage: dict[str, int] | None = None
    error: str | None = None
    attempts: int = 0
    reused: bool = False
    parent_id: str | None = None  # inside an iteration or loop: the container
    iteration: int | None = None  # there: the item index or loop round
    prompt: list[dict[str, str]] | None = Field(None, description="an LLM node's messages as sent to the model")


class RunPublic(BaseModel):
    """A run as listed."""

    model_config = ConfigDict(from_attributes=True)

    run_id: str = Field(validation_alias="id")
    workflow_id: str
    version: int | None
    source: str
    status: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    error: str | None
    failed_node: str | None
    elapsed_ms: float
    total_tokens: int
    usage: dict[str, Any]
    resumed_from: str | None
    conversation_id: str | None
    user: str | None
    created_at: float
    finished_at: float | None
    query: str | None = Field(None, description="a chat turn's message (sys.query)")

    @classmethod
    def of(cls, row: RunRow) -> Self:
        """The run as listed, with a chat turn's message from its ``sys``."""
        run = cls.model_validate(row, from_attributes=True)
        query = (row.sys or {}).get("query")
        run.query = None if query is None else str(query)
        return run


class RunDetail(RunPublic):
    """A run with its trace: every node's inputs, outputs, timing and error."""

    nodes: list[NodeTrace] = Field(default_factory=list)


class RunList(BaseModel):
    """A page of runs."""

    items: list[RunPublic]
    total: int


class KeyCreate(BaseModel):
    """A new API key, optionally named (for workflow apps and agent apps alike)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[PlainText, Field(max_length=200)] = ""


class ChatCreate(BaseModel):
    """One user message to a chat app, a chat workflow or an agent app (``POST /v1/apps/{id}/chat``)."""

    model_config = ConfigDict(extra="forbid")

    query: StorableStr = Field(min_length=1, max_length=100_000)
    conversation_id: str | None = None
    inputs: StorableJson = Field(default_factory=dict)
    response_mode: ResponseMode = "blocking"
    user: StorableStr | None = Field(None, max_length=200)
    files: StorableFiles = Field(default_factory=list)
