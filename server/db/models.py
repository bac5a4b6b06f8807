"""SQLAlchemy tables. Change them only together with a new Alembic revision in server/migrations/versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every table."""


class WorkflowRow(Base):
    """A workflow's editable draft."""

    __tablename__ = "workflows"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class VersionRow(Base):
    """An immutable published version of a workflow, numbered from 1."""

    __tablename__ = "workflow_versions"

    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)


class RunRow(Base):
    """One run: what ran (a snapshot of the definition), how it ended, and its totals."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_workflow_created", "workflow_id", "created_at"),
                      Index("ix_runs_workflow_source_created", "workflow_id", "source", "created_at"),
                      Index("ix_runs_status", "status"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the draft
    source: Mapped[str] = mapped_column(String(16))  # debug (the draft) | console (a version) | api | agent
    status: Mapped[str] = mapped_column(String(16))  # queued | running | succeeded | failed | stopped | interrupted
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    sys: Mapped[dict[str, Any]] = mapped_column(JSON)
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    failed_node: Mapped[str | None] = mapped_column(String(64), nullable=True)
    elapsed_ms: Mapped[float] = mapped_column(Float, default=0.0)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0)
    usage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resumed_from: Mapped[str | None] = mapped_column(String(32), nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the process driving it (server.ownership); None: queued for a worker, or recorded without Redis
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True)


class EventRow(Base):
    """One recorded run event, as the engine emitted it."""

    __tablename__ = "run_events"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class AppRow(Base):
    """An app: a workflow (its draft in ``workflows``) or an agent (its config in ``agent_apps``). Keys,
    conversations and messages belong to an app, whatever its kind; deleting the app deletes them."""

    __tablename__ = "apps"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)  # a workflow id, or "agent-<hex>"
    kind: Mapped[str] = mapped_column(String(16))  # workflow | agent
    created_at: Mapped[float] = mapped_column(Float)


class AppKeyRow(Base):
    """An app's API key; only its SHA-256 hash and a display prefix are kept."""

    __tablename__ = "app_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class ConversationRow(Base):
    """A conversation with an app (a chat workflow or an agent)."""

    __tablename__ = "app_conversations"
    __table_args__ = (Index("ix_app_conversations_app", "app_id", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # console | api
    user: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class MessageRow(Base):
    """One turn of a conversation: the user's query, the app's answer and how it ended. A chat workflow's turn
    is a recorded run (``run_id``); an agent's turn keeps the app as it answered and its trace here."""

    __tablename__ = "app_messages"
    __table_args__ = (Index("ix_app_messages_conversation", "conversation_id", "created_at"),
                      Index("ix_app_messages_app", "app_id", "created_at"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("app_conversations.id", ondelete="CASCADE"))
    app_id: Mapped[str] = mapped_column(String(48))
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    query: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed | stopped | step_limit | interrupted
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    config: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # an agent as it answered
    trace: Mapped[list[Any]] = mapped_column(JSON, default=list)
    usage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    elapsed_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
