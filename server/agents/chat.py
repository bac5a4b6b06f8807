"""Agent chat: one user message → one traced turn of the agent loop, in a persisted conversation.

Shared by the public API (``POST /v1/apps/{agent_id}/chat``, the published app, an agent API key) and the
console preview (``POST /api/agents/{agent_id}/chat``, the draft). A turn runs in the background and its events
go to an event log; the routers answer from it blocking, as SSE, or async.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from agents.loop import Turn, TurnResult
from agents.spec import AgentConfig
from server.agents.skills import resolve
from server.agents.store import agent_store
from server.errors import NotFoundError
from server.eventlog import Event, EventLog, EventsTrimmed
from server.state import AppState

__all__ = ["LiveTurn", "answer", "live_turn", "published_chat"]
HISTORY_TURNS = 100
KEPT_TURNS = 200  # finished turns whose events a reconnecting client can still read, the newest kept


@dataclass
class LiveTurn:
    """A turn running in the background: its ids, its event log, and its reply once the log has closed."""

    conversation_id: str
    turn_id: str
    agent_id: str
    log: EventLog
    result: TurnResult | None = None  # set when the agent loop returns
    done: bool = False  # the log is closed

    def reply(self) -> dict[str, Any]:
        """The answer as the API returns it (``run_id`` and ``message_id`` are the turn id)."""
        result = self.result
        return {"conversation_id": self.conversation_id, "answer": result.answer if result else "",
                "run_id": self.turn_id, "message_id": self.turn_id,
                "status": result.status if result else "interrupted",
                "error": result.error if result else "the turn did not finish"}

    async def events(self, after: int = 0) -> AsyncIterator[Event]:
        """The turn's events with ``seq > after``, as they come, until it finishes. Nothing keeps a turn's events
        besides its log: a follower that falls behind its bound skips what was dropped (the reply has the answer)."""
        while True:
            try:
                async for event in self.log.follow(after):
                    after = event["seq"]
                    yield event
                return
            except EventsTrimmed as trimmed:
                after = trimmed.first_seq - 1


async def published_chat(state: AppState, agent_id: str, body: Any) -> LiveTurn:
    """A turn of the published app (``POST /v1/apps/{agent_id}/chat``; the router has checked the API key)."""
    row = await asyncio.to_thread(agent_store(state.store).published, agent_id)
    return await answer(state, agent_id, AgentConfig.model_validate(row.published), body, "api")


async def answer(state: AppState, agent_id: str, config: AgentConfig, body: Any, source: str) -> LiveTurn:
    """Start one turn for ``body`` (``query, conversation_id?, user?, files?``) in the background."""
    gateway = state.services.llm  # None: the turn fails with a message saying so, like an LLM node would
    owner = agent_id if source == "api" else None  # an app's key opens only the app's own files
    files = state.files.references(getattr(body, "files", None) or [], owner)
    tools = await resolve(state, config, owner)
    store = state.store
    conversation = await asyncio.to_thread(store.open_conversation, agent_id, body.conversation_id, source,
                                           body.user, body.query[:60])
    history: list[dict[str, str]] = []
    for turn in await asyncio.to_thread(store.messages, conversation.id, HISTORY_TURNS):
        if turn.status == "succeeded":
            history += [{"role": "user", "content": turn.query}, {"role": "assistant", "content": turn.answer}]
    row = await asyncio.to_thread(store.add_message, conversation, body.query, config=config.model_dump(mode="json"))
    live = LiveTurn(conversation.id, row.id, agent_id, state.runs.logs.create(f"turn:{row.id}"))
    _remember(state.turns, live)

    def emit(kind: str, /, **fields: Any) -> None:
        log = live.log
        log.append({"type": kind, "turn_id": row.id, "seq": log.last_seq + 1, "ts": time.time(), **fields})

    async def drive() -> None:
        try:
            emit("turn_started", conversation_id=conversation.id, agent_id=agent_id, query=body.query)
            turn = Turn(config, gateway, tools, knowledge=state.services.knowledge, emit=emit)
            result = live.result = await turn.run(body.query, history, files)
            await asyncio.to_thread(store.finish_message, row.id, status=result.status, answer=result.answer,
                                    error=result.error, trace=result.trace, usage=result.usage.as_dict(),
                                    elapsed_ms=result.elapsed_ms)
            emit("turn_finished", status=result.status, answer=result.answer, error=result.error,
                 usage=result.usage.as_dict(), elapsed_ms=result.elapsed_ms)
        finally:
            live.log.close()
            live.done = True

    state.jobs.submit(drive(), name=f"agent-turn-{row.id}")
    return live


def live_turn(state: AppState, turn_id: str, agent_id: str | None = None) -> LiveTurn:
    """A turn this server is running or finished lately (of app ``agent_id`` when given), to follow its events."""
    live = state.turns.get(turn_id)
    if live is None and state.runs.logs.shared:  # a turn another replica is running (its row says so)
        live = _elsewhere(state, turn_id)
    if live is None or (agent_id is not None and live.agent_id != agent_id):
        raise NotFoundError("running or recent turn", turn_id)
    return live


def _elsewhere(state: AppState, turn_id: str) -> LiveTurn | None:
    try:
        row = state.store.get_message(turn_id)
    except NotFoundError:
        return None
    log = state.runs.logs.open(f"turn:{turn_id}") if row.config is not None and row.status == "running" else None
    return None if log is None else LiveTurn(row.conversation_id, turn_id, row.app_id, log)


def _remember(turns: dict[str, LiveTurn], live: LiveTurn) -> None:
    """Keep ``live`` for followers; past ``KEPT_TURNS``, forget the oldest finished turns."""
    turns[live.turn_id] = live
    excess = len(turns) - KEPT_TURNS
    if excess > 0:
        for turn_id in [t for t, kept in turns.items() if kept.done][:excess]:
            del turns[turn_id]
