"""The outside world as nodes see it: one Protocol per service the runner hands them in ``Services``.

Each Protocol lists what nodes use, no more; the real implementations satisfy them structurally
(tests/engine/test_service_protocols.py checks each against its Protocol):

    ModelGateway   modelhub.gateway.Gateway               chat completions by model name
    Retriever      knowledge.service.KnowledgeService     knowledge-base search
    ToolProvider   nodes.plugins.ToolRegistry             plugins and their tools
    CodeSandbox    nodes.sandbox.SandboxPool              runs a code node's ``main(args)``
    FileReader     server.files.FileStore / AppFiles      uploaded files by file value
    HttpClient     nodes.plugins.http.SafeHttp            guarded outbound HTTP over shared connection pools
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

RetrievalMode = Literal["vector", "keyword", "hybrid"]


@dataclass
class Usage:
    """LLM token usage."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def add(self, other: Usage | None) -> None:
        if other is not None:
            self.prompt_tokens += other.prompt_tokens
            self.completion_tokens += other.completion_tokens
            self.total_tokens += other.total_tokens

    def as_dict(self) -> dict[str, int]:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens}


# -- models ------------------------------------------------------------------------------------------
class ChatReply(Protocol):
    """A finished chat completion."""

    @property
    def text(self) -> str: ...

    @property
    def usage(self) -> Usage: ...


@runtime_checkable
class ModelGateway(Protocol):
    """Calls chat models by name; streams text to ``on_delta`` when given."""

    def has_model(self, name: str) -> bool: ...

    async def chat(self, name: str, messages: list[dict[str, Any]], params: dict[str, Any] | None = None, *,
                   json_mode: bool = False, on_delta: Callable[[str], None] | None = None,
                   preset: str | None = None) -> ChatReply: ...


# -- knowledge ---------------------------------------------------------------------------------------
@runtime_checkable
class Retriever(Protocol):
    """Searches knowledge bases; items are ``{content, score, document, chunk_id, metadata}``, best first."""

    def exists(self, name: str) -> bool: ...

    async def retrieve(self, knowledge_bases: list[str], query: str, *, mode: RetrievalMode | None = None,
                       top_k: int | None = None, score_threshold: float | None = None,
                       weights: dict[str, float] | None = None,
                       rerank: str | None = None) -> list[dict[str, Any]]: ...


# -- files -------------------------------------------------------------------------------------------
@runtime_checkable
class FileReader(Protocol):
    """Reads an uploaded file from its file value (``{file_id, ...}``): ``(filename, bytes)``, maybe awaited."""

    def read(self, file_value: dict[str, Any]) -> tuple[str, bytes] | Awaitable[tuple[str, bytes]]: ...


# -- plugins -----------------------------------------------------------------------------------------
class ToolParameter(Protocol):
    """One parameter of a tool."""

    @property
    def name(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def types(self) -> tuple[str, ...]: ...


class ToolDescription(Protocol):
    """A tool: its parameters and its outputs' engine types, and how a model is told to call it."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def input_schema(self) -> dict[str, Any]:
        """The parameters as one JSON Schema object (OpenAI-style tool calling)."""
        ...

    @property
    def parameters(self) -> Sequence[ToolParameter]: ...

    @property
    def output_types(self) -> dict[str, str]: ...

    def param(self, name: str) -> ToolParameter | None: ...


class PluginDescription(Protocol):
    """A plugin and its tools."""

    @property
    def name(self) -> str: ...

    @property
    def tools(self) -> Sequence[ToolDescription]: ...

    def tool(self, name: str) -> ToolDescription | None: ...


@runtime_checkable
class ToolProvider(Protocol):
    """Lists plugins and calls their tools; a call returns every declared output."""

    def list_plugins(self) -> Sequence[PluginDescription]: ...

    def get_plugin(self, name: str) -> PluginDescription | None: ...

    def tool_schema(self, plugin: str, tool: str) -> ToolDescription | None: ...

    async def call(self, plugin: str, tool: str, params: dict[str, Any], *,
                   files: FileReader | None = None) -> dict[str, Any]: ...


# -- code --------------------------------------------------------------------------------------------
class SandboxRun(Protocol):
    """What ``main`` returned, and what it printed."""

    @property
    def value(self) -> dict[str, Any]: ...

    @property
    def logs(self) -> list[str]: ...


@runtime_checkable
class CodeSandbox(Protocol):
    """Runs ``main(args)`` of a code node's source in isolation; raises a ``NodeError`` when it fails."""

    async def run(self, code: str, args: dict[str, Any], *, timeout_s: float = ...) -> SandboxRun: ...


# -- http --------------------------------------------------------------------------------------------
class HttpReply(Protocol):
    """A fully read (size-capped) response."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> dict[str, str]: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is not JSON."""
        ...


@runtime_checkable
class HttpClient(Protocol):
    """Sends one request through the SSRF guard (every redirect hop checked against ``allow_hosts``) and reads
    the response up to ``max_bytes``; calls share connection pools, never cookies."""

    async def request(self, method: str, url: str, *, allow_hosts: Sequence[str] = ...,
                      headers: dict[str, str] | None = ..., params: dict[str, Any] | None = ...,
                      json: Any = ..., data: dict[str, Any] | None = ..., content: bytes | str | None = ...,
                      files: list[tuple[str, tuple[str, bytes, str]]] | None = ...,
                      timeout_s: float | None = ..., max_bytes: int | None = ...,
                      secret_headers: Sequence[str] = ...) -> HttpReply: ...


@dataclass
class Services:
    """The services a run hands its nodes. Each is optional; a node that needs a missing one fails clearly."""

    llm: ModelGateway | None = None
    knowledge: Retriever | None = None
    tools: ToolProvider | None = None
    sandbox: CodeSandbox | None = None
    files: FileReader | None = None
    http: HttpClient | None = None
    extra: dict[str, Any] = field(default_factory=dict)
