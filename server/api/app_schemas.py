"""Response shapes of every app's keys, conversations and messages, workflow and agent apps alike.

Each carries ``app_id`` and, under the name each kind of app has always used, ``workflow_id`` or ``agent_id``
(the other one is null).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from server.db.models import AppKeyRow, ConversationRow, MessageRow
from server.db.store import is_agent_id


def _owner(app_id: str) -> dict[str, Any]:
    agent = is_agent_id(app_id)
    return {"app_id": app_id, "workflow_id": None if agent else app_id, "agent_id": app_id if agent else None}


class KeyPublic(BaseModel):
    """A key as listed: only its prefix is ever shown again."""

    id: str
    app_id: str
    workflow_id: str | None
    agent_id: str | None
    name: str
    prefix: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    @classmethod
    def of(cls, row: AppKeyRow, **extra: Any) -> KeyPublic:
        return cls(id=row.id, name=row.name, prefix=row.prefix, created_at=row.created_at,
                   last_used_at=row.last_used_at, revoked_at=row.revoked_at, **_owner(row.app_id), **extra)


class KeyCreated(KeyPublic):
    """A new key; ``key`` is shown this once and stored only as a hash."""

    key: str


class KeyList(BaseModel):
    """An app's keys."""

    items: list[KeyPublic]


class ConversationPublic(BaseModel):
    """A conversation as listed; ``source`` is where it started (console preview or the public API)."""

    id: str
    app_id: str
    workflow_id: str | None
    agent_id: str | None
    source: str
    user: str | None
    name: str
    created_at: float
    updated_at: float

    @classmethod
    def of(cls, row: ConversationRow) -> ConversationPublic:
        return cls(id=row.id, source=row.source, user=row.user, name=row.name, created_at=row.created_at,
                   updated_at=row.updated_at, **_owner(row.app_id))


class ConversationList(BaseModel):
    """An app's conversations, most recent first."""

    items: list[ConversationPublic]

    @classmethod
    def of(cls, rows: list[ConversationRow]) -> ConversationList:
        return cls(items=[ConversationPublic.of(r) for r in rows])


class MessagePublic(BaseModel):
    """One turn: the user's query, the app's answer and how it ended (``run_id``: a chat workflow's run)."""

    id: str
    conversation_id: str
    app_id: str
    workflow_id: str | None
    agent_id: str | None
    run_id: str | None
    query: str
    answer: str
    status: str  # running | succeeded | failed | stopped | step_limit | interrupted
    error: str | None
    usage: dict[str, Any]
    elapsed_ms: float
    created_at: float
    finished_at: float | None

    @classmethod
    def of(cls, row: MessageRow, **extra: Any) -> MessagePublic:
        return cls(id=row.id, conversation_id=row.conversation_id, run_id=row.run_id, query=row.query,
                   answer=row.answer, status=row.status, error=row.error, usage=row.usage or {},
                   elapsed_ms=row.elapsed_ms, created_at=row.created_at, finished_at=row.finished_at,
                   **_owner(row.app_id), **extra)


class MessageDetail(MessagePublic):
    """An agent's turn with its trace (retrieval, model and tool steps in the order they finished) and the app
    as it answered."""

    trace: list[dict[str, Any]]
    config: dict[str, Any]

    @classmethod
    def of(cls, row: MessageRow, **extra: Any) -> MessageDetail:
        return MessageDetail(**MessagePublic.of(row).model_dump(), trace=row.trace or [], config=row.config or {},
                             **extra)


class MessageList(BaseModel):
    """Messages: a conversation's oldest first, an app's newest first."""

    items: list[MessagePublic]

    @classmethod
    def of(cls, rows: list[MessageRow]) -> MessageList:
        return cls(items=[MessagePublic.of(r) for r in rows])
