"""Agent chat: one user message → one traced turn of the agent loop, in a persisted conversation.

Shared by the public API (``POST /v1/apps/{agent_id}/chat``, the published app, an agent API key) and the
console preview (``POST /api/agents/{agent_id}/chat``, the draft). Answers blocking, as SSE, or async.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import JSONResponse, Response
from sse_starlette import ServerSentEvent

from agents.loop import Turn, TurnResult
from server.agents.skills import resolve
from agents.spec import AgentConfig
from server.agents.store import agent_store
from server.api import sse
from server.api.launch import file_values
from server.deps import app_key, check_app
from server.state import AppState

__all__ = ["answer", "public_chat"]
HISTORY_TURNS = 100


class Feed:
    """A turn's events so far, for any number of SSE followers."""

    def __init__(self, turn_id: str):
        self.turn_id = turn_id
        self.events: list[dict[str, Any]] = []
        self.done = asyncio.Event()
        self._changed = asyncio.Event()

    def emit(self, kind: str, /, **fields: Any) -> None:
        self.events.append({"type": kind, "turn_id": self.turn_id, "seq": len(self.events) + 1, "ts": time.time(),
                            **fields})
        self._changed.set()
        self._changed = asyncio.Event()

    def close(self) -> None:
        self.done.set()
        self._changed.set()

    async def follow(self) -> AsyncIterator[dict[str, Any]]:
        index = 0
        while True:
            changed = self._changed
            while index < len(self.events):
                index += 1
                yield self.events[index - 1]
            if self.done.is_set():
                return
            await changed.wait()


async def public_chat(state: AppState, credentials: Any, agent_id: str, body: Any) -> Response:
    """``POST /v1/apps/{agent_id}/chat``: the published app, opened by one of its API keys."""
    check_app(await asyncio.to_thread(app_key, state.store, credentials), agent_id)
    row = await asyncio.to_thread(agent_store(state.store).published, agent_id)
    return await answer(state, agent_id, AgentConfig.model_validate(row.published), body, "api")


async def answer(state: AppState, agent_id: str, config: AgentConfig, body: Any, source: str) -> Response:
    """Run one turn for ``body`` (``query, conversation_id?, response_mode, user?, files?``) and reply."""
    gateway = state.services.llm  # None: the turn fails with a message saying so, like an LLM node would
    owner = agent_id if source == "api" else None  # an app's key opens only the app's own files
    files = file_values(state, getattr(body, "files", None) or [], owner)
    tools = await resolve(state, config, owner)
    store = state.store
    conversation = await asyncio.to_thread(store.open_conversation, agent_id, body.conversation_id, source,
                                           body.user, body.query[:60])
    history: list[dict[str, str]] = []
    for turn in await asyncio.to_thread(store.messages, conversation.id, HISTORY_TURNS):
        if turn.status == "succeeded":
            history += [{"role": "user", "content": turn.query}, {"role": "assistant", "content": turn.answer}]
    row = await asyncio.to_thread(store.add_message, conversation, body.query, config=config.model_dump(mode="json"))
    feed = Feed(row.id)
    outcome: dict[str, TurnResult] = {}

    async def drive() -> None:
        try:
            feed.emit("turn_started", conversation_id=conversation.id, agent_id=agent_id, query=body.query)
            turn = Turn(config, gateway, tools, knowledge=state.services.knowledge, emit=feed.emit)
            result = outcome["result"] = await turn.run(body.query, history, files)
            await asyncio.to_thread(store.finish_message, row.id, status=result.status, answer=result.answer,
                                    error=result.error, trace=result.trace, usage=result.usage.as_dict(),
                                    elapsed_ms=result.elapsed_ms)
            feed.emit("turn_finished", status=result.status, answer=result.answer, error=result.error,
                      usage=result.usage.as_dict(), elapsed_ms=result.elapsed_ms)
        finally:
            feed.close()

    state.jobs.submit(drive(), name=f"agent-turn-{row.id}")

    def reply() -> dict[str, Any]:
        result = outcome.get("result")
        return {"conversation_id": conversation.id, "answer": result.answer if result else "", "run_id": row.id,
                "message_id": row.id, "status": result.status if result else "interrupted",
                "error": result.error if result else "the turn did not finish"}

    mode = getattr(body, "response_mode", "blocking")
    if mode == "async":
        return JSONResponse({"run_id": row.id, "conversation_id": conversation.id}, status_code=202)
    if mode == "blocking":
        await feed.done.wait()
        return JSONResponse(reply())

    async def events() -> AsyncIterator[ServerSentEvent]:
        yield sse.event({"conversation_id": conversation.id, "run_id": row.id, "turn_id": row.id}, "conversation")
        async for event in feed.follow():
            yield sse.event(event)
        yield sse.event(reply(), "message")

    return sse.response(events())
