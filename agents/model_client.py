"""OpenAI-style tool calling for agent turns, through the model gateway (one client, one retry policy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelhub.gateway import ChatResult, Gateway, ModelError


async def chat_tools(gateway: Gateway | None, name: str, messages: list[dict[str, Any]], params: dict[str, Any],
                     tools: list[dict[str, Any]] | None = None, *,
                     on_delta: Callable[[str], None] | None = None) -> ChatResult:
    """One chat completion offering ``tools`` (OpenAI function schemas); streams text when ``on_delta``."""
    if gateway is None:
        raise ModelError("no model gateway is configured on this server (set LOOM_LLM_BASE_URL)")
    return await gateway.chat(name, messages, params, tools=tools, on_delta=on_delta)
