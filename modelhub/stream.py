"""Reading an OpenAI-compatible chat-completions stream: one event's ``data`` payload at a time (httpx-sse
splits the stream into events), each checked for shape, into text, tool calls, usage and the finish reason;
and knowing whether the stream ended properly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class MalformedChunk(ValueError):
    """A stream payload that is not a chat-completion chunk; the message quotes it."""


class StreamError(Exception):
    """The server reported an error inside the stream; the message is the server's."""


@dataclass
class StreamState:
    """What a stream has said so far."""

    parts: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    model: str = ""
    chunks: int = 0
    done: bool = False  # the [DONE] sentinel arrived

    @property
    def complete(self) -> bool:
        """A stream is whole once it gave a finish reason or ``[DONE]``; one cut before both ended early."""
        return self.done or self.finish_reason is not None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return [self.calls[i] for i in sorted(self.calls)]

    def feed(self, payload: str) -> str:
        """Take one ``data:`` payload; return the text it adds ('' for none). Raises ``MalformedChunk``, or
        ``StreamError`` for an in-stream error object."""
        if payload == "[DONE]":
            self.done = True
            return ""
        try:
            chunk = json.loads(payload)
        except json.JSONDecodeError:
            raise MalformedChunk(f"malformed stream chunk (not JSON): {payload[:200]!r}") from None
        if not isinstance(chunk, dict):
            raise MalformedChunk(f"malformed stream chunk (not an object): {payload[:200]!r}")
        if chunk.get("error"):
            raise StreamError(error_text(chunk["error"]))
        choices = chunk.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            raise MalformedChunk(f"malformed stream chunk ('choices' is not a list of objects): {payload[:200]!r}")
        self.chunks += 1
        if isinstance(chunk.get("model"), str):
            self.model = chunk["model"]
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        added = []
        for choice in choices:
            delta = choice.get("delta") or {}
            content = delta.get("content") if isinstance(delta, dict) else None
            if not isinstance(delta, dict) or not isinstance(content, (str, type(None))):
                raise MalformedChunk(f"malformed stream chunk (bad 'delta'): {payload[:200]!r}")
            if content:
                added.append(content)
            merge_tool_call_deltas(self.calls, delta.get("tool_calls"))
            if isinstance(choice.get("finish_reason"), str):
                self.finish_reason = choice["finish_reason"]
        self.parts.extend(added)
        return "".join(added)


def merge_tool_call_deltas(calls: dict[int, dict[str, Any]], deltas: Any) -> None:
    """Streamed tool calls arrive in pieces keyed by ``index``: id and name once, arguments in fragments."""
    if not isinstance(deltas, list):
        return
    for delta in deltas:
        function = (delta.get("function") or {}) if isinstance(delta, dict) else None
        try:
            index = int(delta.get("index") or 0) if isinstance(function, dict) else None
        except (TypeError, ValueError):
            index = None
        if index is None or not isinstance(function, dict):
            raise MalformedChunk(f"malformed tool call delta: {str(delta)[:200]!r}")
        call = calls.setdefault(index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
        call["id"] = delta.get("id") or call["id"]
        call["function"]["name"] += str(function.get("name") or "")
        call["function"]["arguments"] += str(function.get("arguments") or "")


def error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)
