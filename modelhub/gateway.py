"""The model gateway: resolves a model name to an OpenAI-compatible server and calls chat completions.

Streaming over httpx, the event stream split into events by httpx-sse; a model's ``timeout_s`` is a deadline
for each whole call (connect, first token and the full stream); retries with backoff on 429, 5xx, timeouts,
connection errors and streams cut short (a stream is retried only while nothing has been emitted yet).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx
from httpx_sse import EventSource, SSEError

from engine.errors import NodeError
from engine.spec import Usage
from modelhub.config import EndpointModel
from modelhub.stream import MalformedChunk, StreamError, StreamState, error_text
from nodes import llm_presets as presets

# Seed best practice (docs/models.md): temperature 0.3 (0 for identical answers), top_p 1, presence_penalty 0.
SEED_DEFAULTS: dict[str, Any] = {"temperature": 0.3, "top_p": 1.0, "presence_penalty": 0.0}
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
T = TypeVar("T")


class ModelError(NodeError):
    """A model call failed; the message says which model and why."""


@dataclass
class ChatResult:
    """A finished chat completion."""

    text: str
    usage: Usage
    finish_reason: str | None = None
    model: str = ""
    latency_ms: float = 0.0
    first_token_ms: float | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Resolver(Protocol):
    """Where names beyond the configured ones come from (``modelhub.hub.ModelHub``)."""

    def lookup(self, name: str) -> EndpointModel | None: ...  # raises ModelError when known but not servable

    def knows(self, name: str) -> bool: ...


class Gateway:
    """Calls models by name: configured endpoints first, then the registry (endpoints, deployments,
    fine-tuned models). One httpx client per event loop, created lazily."""

    def __init__(self, models: dict[str, EndpointModel] | None = None, *, backoff_s: float = 0.5,
                 transport: httpx.AsyncBaseTransport | None = None, registry: Resolver | None = None):
        self.models = dict(models or {})
        self.backoff_s = backoff_s
        self.registry = registry
        self._transport = transport
        self._clients: dict[int, httpx.AsyncClient] = {}

    def has_model(self, name: str) -> bool:
        return name in self.models or (self.registry is not None and self.registry.knows(name))

    def resolve(self, name: str) -> EndpointModel:
        model = self.models.get(name)
        if model is None and self.registry is not None:
            model = self.registry.lookup(name)
        if model is None:
            known = ", ".join(sorted(self.models)) or "none configured"
            hint = " (set LOOM_LLM_BASE_URL for 'default')" if name == "default" else ""
            raise ModelError(f"model '{name}' is not configured{hint}; known models: {known}")
        return model

    def _client(self) -> httpx.AsyncClient:
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(transport=self._transport, limits=httpx.Limits(max_connections=200,
                                                                                       max_keepalive_connections=50))
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            try:
                await client.aclose()
            except RuntimeError:  # its loop is gone; nothing left to release
                pass

    def request_body(self, model: EndpointModel, messages: list[dict[str, Any]], params: dict[str, Any], *,
                     json_mode: bool, stream: bool, preset: str | None = None) -> dict[str, Any]:
        """Seed defaults, then the model's recommended params, then the node's preset, then the node's own."""
        chosen = presets.get(preset).params if preset else {}
        body: dict[str, Any] = {"model": model.model, "messages": messages,
                                **SEED_DEFAULTS, **model.params, **chosen, **params, "stream": stream}
        if stream:
            body["stream_options"] = {"include_usage": True}
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    async def chat(self, name: str, messages: list[dict[str, Any]], params: dict[str, Any] | None = None, *,
                   json_mode: bool = False, on_delta: Callable[[str], None] | None = None,
                   preset: str | None = None, tools: list[dict[str, Any]] | None = None) -> ChatResult:
        """One chat completion; streams when ``on_delta`` is given; ``preset`` names an inference preset.

        ``tools`` (OpenAI function schemas) are offered to the model; the calls it chooses come back in
        ``ChatResult.tool_calls``, whole even when they were streamed in pieces.
        """
        model = self.resolve(name)
        try:
            body = self.request_body(model, messages, params or {}, json_mode=json_mode,
                                     stream=on_delta is not None, preset=preset)
        except KeyError as exc:
            raise ModelError(str(exc.args[0])) from None
        if tools:
            body["tools"] = tools
        headers = {"Content-Type": "application/json"}
        if key := model.key():
            headers["Authorization"] = f"Bearer {key}"
        url = model.base_url.rstrip("/") + "/chat/completions"
        # httpx's own timeouts bound each read; the deadline below bounds the whole call, so a server that
        # drips one token every few seconds cannot hold a node for minutes.
        timeout = httpx.Timeout(model.timeout_s, connect=min(10.0, model.timeout_s))
        emitted = False

        def emit(delta: str) -> None:
            nonlocal emitted
            emitted = True
            assert on_delta is not None
            on_delta(delta)

        async def attempt() -> ChatResult:
            started = time.perf_counter()
            if on_delta is None:
                result = await self._complete(url, body, headers, timeout, name)
            else:
                result = await self._stream(url, body, headers, timeout, name, emit, started)
            result.latency_ms = round((time.perf_counter() - started) * 1000, 3)
            return result

        return await self._retrying(name, model, attempt, lambda: not emitted)

    async def post_json(self, name: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path`` under the model's base URL (e.g. ``/embeddings``, ``/rerank``) and return the
        JSON object it answers, with the same deadline, retries and error mapping as ``chat``."""
        model = self.resolve(name)
        headers = {"Content-Type": "application/json"}
        if key := model.key():
            headers["Authorization"] = f"Bearer {key}"
        url = model.base_url.rstrip("/") + "/" + path.lstrip("/")
        timeout = httpx.Timeout(model.timeout_s, connect=min(10.0, model.timeout_s))

        async def attempt() -> dict[str, Any]:
            response = await self._fetch(url, {"model": model.model, **body}, headers, timeout, name)
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise ModelError(f"model '{name}' returned an unexpected response: {response.text[:200]!r}")
            return data

        return await self._retrying(name, model, attempt)

    async def _retrying(self, name: str, model: EndpointModel, attempt: Callable[[], Awaitable[T]],
                        may_retry: Callable[[], bool] = lambda: True) -> T:
        """``attempt`` under the model's deadline, retried with backoff on retryable failures."""
        for number in range(model.max_retries + 1):
            try:
                async with asyncio.timeout(model.timeout_s):
                    return await attempt()
            except (_Retryable, TimeoutError) as exc:
                reason = exc if isinstance(exc, _Retryable) else _Retryable(f"timed out after {model.timeout_s:g} s")
                if number >= model.max_retries or not may_retry():
                    raise ModelError(f"model '{name}': {reason} (after {number + 1} attempt(s))",
                                     retryable=True) from None
                delay = reason.retry_after if reason.retry_after is not None else self.backoff_s * 2 ** number
                await asyncio.sleep(min(delay, 30.0))
        raise AssertionError("unreachable")

    async def _fetch(self, url: str, body: dict[str, Any], headers: dict[str, str], timeout: httpx.Timeout,
                     name: str) -> httpx.Response:
        """The whole response to one POST; a connection that drops mid-body is retryable, a timeout stays one."""
        async with self._open(url, body, headers, timeout, name) as response:
            try:
                await response.aread()
            except httpx.TimeoutException:
                raise
            except httpx.TransportError as exc:
                raise _Retryable(f"model response ended early ({type(exc).__name__}: {exc})") from None
        return response

    async def _complete(self, url: str, body: dict[str, Any], headers: dict[str, str], timeout: httpx.Timeout,
                        name: str) -> ChatResult:
        response = await self._fetch(url, body, headers, timeout, name)
        try:
            data = response.json()
            choice = data["choices"][0]
            message = choice["message"]
            text = message.get("content") or ""
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise ModelError(f"model '{name}' returned an unexpected response: {response.text[:200]!r}") from None
        return ChatResult(text=text, usage=_usage(data.get("usage")), finish_reason=choice.get("finish_reason"),
                          model=str(data.get("model", "")), tool_calls=list(message.get("tool_calls") or []),
                          raw=data)

    async def _stream(self, url: str, body: dict[str, Any], headers: dict[str, str], timeout: httpx.Timeout,
                      name: str, emit: Callable[[str], None], started: float) -> ChatResult:
        state, first = StreamState(), None
        async with self._open(url, body, headers, timeout, name) as response:
            try:
                async with aclosing(EventSource(response).aiter_sse()) as events:
                    async for event in events:
                        if not event.data:  # an event without data (a bare id or name): nothing to read
                            continue
                        text = state.feed(event.data.strip())
                        if state.done:
                            break
                        if text:
                            if first is None:
                                first = round((time.perf_counter() - started) * 1000, 3)
                            emit(text)
            except SSEError as exc:  # the answer is not an event stream (its Content-Type says so)
                raise _Retryable(f"the answer is not an event stream ({exc})") from None
            except MalformedChunk as exc:
                raise ModelError(f"model '{name}' sent a {exc}") from None
            except StreamError as exc:
                raise ModelError(f"model '{name}' failed mid-stream: {exc}") from None
            except httpx.TimeoutException:
                raise
            except httpx.TransportError as exc:  # the connection broke after the response began
                raise _Retryable(f"model stream ended early ({type(exc).__name__}: {exc}; "
                                 f"{state.chunks} chunk(s) received)") from None
        if not state.complete:
            raise _Retryable(f"model stream ended early: the connection closed after {state.chunks} chunk(s) "
                             "without a finish reason or [DONE]")
        return ChatResult(text=state.text, usage=_usage(state.usage), finish_reason=state.finish_reason,
                          model=state.model, first_token_ms=first, tool_calls=state.tool_calls)

    @asynccontextmanager
    async def _open(self, url: str, body: dict[str, Any], headers: dict[str, str], timeout: httpx.Timeout,
                    name: str) -> AsyncIterator[httpx.Response]:
        """The response with its status checked; errors before it began are retryable connection errors."""
        try:
            async with self._client().stream("POST", url, json=body, headers=headers, timeout=timeout) as response:
                if response.status_code >= 400:
                    await response.aread()
                    _raise_for_status(response, name)
                yield response
        except httpx.TimeoutException:
            raise _Retryable(f"timed out after {timeout.read:g} s") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"cannot reach {url}: {type(exc).__name__} {exc}".rstrip()) from None


def _usage(data: Any) -> Usage:
    if not isinstance(data, dict):
        return Usage()

    def count(key: str) -> int:
        value = data.get(key)
        return value if isinstance(value, int) and value >= 0 else 0
    prompt, completion = count("prompt_tokens"), count("completion_tokens")
    return Usage(prompt, completion, count("total_tokens") or prompt + completion)


def _raise_for_status(response: httpx.Response, name: str) -> None:
    if response.status_code < 400:
        return
    try:
        detail = error_text(response.json().get("error") or response.json())
    except (ValueError, AttributeError):
        detail = response.text[:200]
    message = f"HTTP {response.status_code}: {detail}"
    if response.status_code in RETRY_STATUS:
        retry_after = response.headers.get("retry-after")
        raise _Retryable(message, float(retry_after) if retry_after and retry_after.isdigit() else None)
    raise ModelError(f"model '{name}' refused the request: {message}")
