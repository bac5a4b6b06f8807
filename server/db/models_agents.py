"""Tables of agent apps: the apps, their API keys, conversations, and turns with their traces
(server/agents/store.py is their store)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base


class AgentRow(Base):
    """An agent app: its editable draft and, once published, the version the public API serves."""

    __tablename__ = "agent_apps"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)  # "agent-<hex>", never a workflow id
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    published: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # 0: never published
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class AgentKeyRow(Base):
    """An agent app's API key; only its SHA-256 hash and a display prefix are kept."""

    __tablename__ = "agent_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent_apps.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class AgentConversationRow(Base):
    """A conversation with an agent app."""

    __tablename__ = "agent_conversations"
    __table_args__ = (Index("ix_agent_conversations_agent", "agent_id", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent_apps.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # console | api
    user: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class AgentTurnRow(Base):
    """One turn: the user's message, the answer, and the trace of every model and tool call behind it."""

    __tablename__ = "agent_turns"
    __table_args__ = (Index("ix_agent_turns_conversation", "conversation_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("agent_conversations.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(String(48), index=True)
    query: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed | step_limit | interrupted
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)  # the app as it answered
    trace: Mapped[list[Any]] = mapped_column(JSON, default=list)
    usage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    elapsed_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
