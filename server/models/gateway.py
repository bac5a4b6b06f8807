"""The model gateway: resolves a model name to an OpenAI-compatible server and calls chat completions.

Streaming over httpx, timeouts, and retries with backoff on 429, 5xx and connection errors (a stream is
retried only while nothing has been emitted yet).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from engine.errors import NodeError
from engine.spec import Usage
from nodes import llm_presets as presets
from server.models.config import EndpointModel

# Seed best practice (docs/models.md): temperature 0.3 (0 for identical answers), top_p 1, presence_penalty 0.
SEED_DEFAULTS: dict[str, Any] = {"temperature": 0.3, "top_p": 1.0, "presence_penalty": 0.0}
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


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
    """Where names beyond the configured ones come from (``server.models.hub.ModelHub``)."""

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
        timeout = httpx.Timeout(model.timeout_s, connect=min(10.0, model.timeout_s))
        emitted = False

        def emit(delta: str) -> None:
            nonlocal emitted
            emitted = True
            assert on_delta is not None
            on_delta(delta)

        for attempt in range(model.max_retries + 1):
            started = time.perf_counter()
            try:
                if on_delta is None:
                    result = await self._complete(url, body, headers, timeout, name)
                else:
                    result = await self._stream(url, body, headers, timeout, name, emit, started)
                result.latency_ms = round((time.perf_counter() - started) * 1000, 3)
                return result
            except _Retryable as exc:
                if attempt >= model.max_retries or emitted:
                    raise ModelError(f"model '{name}': {exc} (after {attempt + 1} attempt(s))",
                                     retryable=True) from None
                delay = exc.retry_after if exc.retry_after is not None else self.backoff_s * 2 ** attempt
                await asyncio.sleep(min(delay, 30.0))
        raise AssertionError("unreachable")

    async def _complete(self, url: str, body: dict[str, Any], headers: dict[str, str], timeout: httpx.Timeout,
                        name: str) -> ChatResult:
        try:
            response = await self._client().post(url, json=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise _Retryable(f"timed out after {timeout.read:g} s") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"cannot reach {url}: {type(exc).__name__} {exc}".rstrip()) from None
        _raise_for_status(response, name)
        try:
            data = response.json()
            choice = data["choices"][0]
            message = choice["message"]
            text = message.get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelError(f"model '{name}' returned an unexpected response: {response.text[:200]!r}") from None
        return ChatResult(text=text, usage=_usage(data.get("usage")), finish_reason=choice.get("finish_reason"),
                          model=data.get("model", ""), tool_calls=list(message.get("tool_calls") or []), raw=data)

    async def _stream(self, url: str, body: dict[str, Any], headers: dict[str, str], timeout: httpx.Timeout,
                      name: str, emit: Callable[[str], None], started: float) -> ChatResult:
        parts: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        usage, finish, model_id, first = None, None, "", None
        try:
            async with self._client().stream("POST", url, json=body, headers=headers, timeout=timeout) as response:
                if response.status_code >= 400:
                    await response.aread()
                    _raise_for_status(response, name)
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    try:
                        chunk = json.loads(payload)
                    except json.JSONDecodeError:
                        raise ModelError(f"model '{name}' sent a malformed stream chunk: {payload[:200]!r}") from None
                    if chunk.get("error"):
                        raise ModelError(f"model '{name}' failed mid-stream: {_error_text(chunk['error'])}")
                    model_id = chunk.get("model", model_id)
                    usage = chunk.get("usage") or usage
                    for choice in chunk.get("choices") or []:
                        delta = choice.get("delta") or {}
                        if text := delta.get("content"):
                            if first is None:
                                first = round((time.perf_counter() - started) * 1000, 3)
                            parts.append(text)
                            emit(text)
                        merge_tool_call_deltas(calls, delta.get("tool_calls"))
                        finish = choice.get("finish_reason") or finish
        except httpx.TimeoutException:
            raise _Retryable(f"timed out after {timeout.read:g} s") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"cannot reach {url}: {type(exc).__name__} {exc}".rstrip()) from None
        return ChatResult(text="".join(parts), usage=_usage(usage), finish_reason=finish, model=model_id,
                          first_token_ms=first, tool_calls=[calls[i] for i in sorted(calls)])


def merge_tool_call_deltas(calls: dict[int, dict[str, Any]], deltas: Any) -> None:
    """Streamed tool calls arrive in pieces keyed by ``index``: id and name once, arguments in fragments."""
    for delta in deltas or []:
        call = calls.setdefault(int(delta.get("index") or 0),
                                {"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
        call["id"] = delta.get("id") or call["id"]
        function = delta.get("function") or {}
        call["function"]["name"] += function.get("name") or ""
        call["function"]["arguments"] += function.get("arguments") or ""


def _usage(data: Any) -> Usage:
    if not isinstance(data, dict):
        return Usage()
    prompt, completion = int(data.get("prompt_tokens") or 0), int(data.get("completion_tokens") or 0)
    return Usage(prompt, completion, int(data.get("total_tokens") or prompt + completion))


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)


def _raise_for_status(response: httpx.Response, name: str) -> None:
    if response.status_code < 400:
        return
    try:
        detail = _error_text(response.json().get("error") or response.json())
    except ValueError:
        detail = response.text[:200]
    message = f"HTTP {response.status_code}: {detail}"
    if response.status_code in RETRY_STATUS:
        retry_after = response.headers.get("retry-after")
        raise _Retryable(message, float(retry_after) if retry_after and retry_after.isdigit() else None)
    raise ModelError(f"model '{name}' refused the request: {message}")
