"""OpenAI-style tool calling through the model gateway: ``tools`` in, ``tool_calls`` out, streaming or not.

The gateway resolves the model name and builds the request body (seed defaults, the model's own params, the
agent's); this module adds ``tools`` and reads ``tool_calls`` back, including calls streamed in pieces.
Retries 429/5xx and connection errors with backoff while nothing has been streamed yet.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from engine.spec import Usage
from server.models.gateway import Gateway, ModelError

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass
class ModelReply:
    """One completion: its text, the tool calls it chose, and what it cost."""

    text: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    latency_ms: float = 0.0
    first_token_ms: float | None = None


class _Retry(Exception):
    pass


async def chat_tools(gateway: Gateway | None, name: str, messages: list[dict[str, Any]], params: dict[str, Any],
                     tools: list[dict[str, Any]] | None = None, *,
                     on_delta: Callable[[str], None] | None = None) -> ModelReply:
    """One chat completion offering ``tools`` (OpenAI function schemas); streams text when ``on_delta``."""
    if gateway is None:
        raise ModelError("no model gateway is configured on this server (set LOOM_LLM_BASE_URL)")
    model = gateway.resolve(name)
    body = gateway.request_body(model, messages, params, json_mode=False, stream=on_delta is not None)
    if tools:
        body["tools"] = tools
    headers = {"Content-Type": "application/json"}
    if key := model.key():
        headers["Authorization"] = f"Bearer {key}"
    call = _Call(gateway._client(), model.base_url.rstrip("/") + "/chat/completions", body, headers,
                 httpx.Timeout(model.timeout_s, connect=min(10.0, model.timeout_s)), name, on_delta)
    for attempt in range(model.max_retries + 1):
        started = time.perf_counter()
        try:
            reply = await (call.stream(started) if on_delta else call.complete())
            reply.latency_ms = round((time.perf_counter() - started) * 1000, 3)
            return reply
        except _Retry as exc:
            if attempt >= model.max_retries or call.emitted:
                raise ModelError(f"model '{name}': {exc} (after {attempt + 1} attempt(s))", retryable=True) from None
            await asyncio.sleep(min(gateway.backoff_s * 2 ** attempt, 30.0))
    raise AssertionError("unreachable")


@dataclass
class _Call:
    client: httpx.AsyncClient
    url: str
    body: dict[str, Any]
    headers: dict[str, str]
    timeout: httpx.Timeout
    name: str
    on_delta: Callable[[str], None] | None
    emitted: bool = False

    async def complete(self) -> ModelReply:
        try:
            response = await self.client.post(self.url, json=self.body, headers=self.headers, timeout=self.timeout)
        except httpx.TransportError as exc:
            raise _Retry(f"cannot reach {self.url}: {type(exc).__name__} {exc}".rstrip()) from None
        self._check(response)
        try:
            data = response.json()
            choice = data["choices"][0]
            message = choice["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelError(f"model '{self.name}' returned an unexpected response: {response.text[:200]!r}") from None
        return ModelReply(text=message.get("content") or "", tool_calls=list(message.get("tool_calls") or []),
                          usage=_usage(data.get("usage")), finish_reason=choice.get("finish_reason"))

    async def stream(self, started: float) -> ModelReply:
        parts: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        usage, finish, first = None, None, None
        try:
            async with self.client.stream("POST", self.url, json=self.body, headers=self.headers,
                                          timeout=self.timeout) as response:
                if response.status_code >= 400:
                    await response.aread()
                    self._check(response)
                async for line in response.aiter_lines():
                    if not line.startswith("data:") or (payload := line[5:].strip()) == "[DONE]":
                        continue
                    try:
                        chunk = json.loads(payload)
                    except json.JSONDecodeError:
                        raise ModelError(f"model '{self.name}' sent a malformed stream chunk: {payload[:200]!r}") from None
                    if chunk.get("error"):
                        raise ModelError(f"model '{self.name}' failed mid-stream: {chunk['error']}")
                    usage = chunk.get("usage") or usage
                    for choice in chunk.get("choices") or []:
                        delta = choice.get("delta") or {}
                        if text := delta.get("content"):
                            first = first if first is not None else round((time.perf_counter() - started) * 1000, 3)
                            parts.append(text)
                            self.emitted = True
                            assert self.on_delta is not None
                            self.on_delta(text)
                        merge_tool_call_deltas(calls, delta.get("tool_calls"))
                        finish = choice.get("finish_reason") or finish
        except httpx.TransportError as exc:
            raise _Retry(f"cannot reach {self.url}: {type(exc).__name__} {exc}".rstrip()) from None
        return ModelReply(text="".join(parts), tool_calls=[calls[i] for i in sorted(calls)], usage=_usage(usage),
                          finish_reason=finish, first_token_ms=first)

    def _check(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            error = response.json().get("error") or response.json()
            detail = str(error.get("message") or error) if isinstance(error, dict) else str(error)
        except ValueError:
            detail = response.text[:200]
        if response.status_code in RETRY_STATUS:
            raise _Retry(f"HTTP {response.status_code}: {detail}")
        raise ModelError(f"model '{self.name}' refused the request: HTTP {response.status_code}: {detail}")


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
