"""Conversation variables' stored values: one row per (conversation, variable), written when a turn's run
succeeds and read when the next turn starts. Deleting a conversation deletes its values (foreign key cascade).

A value is stored as JSON under the variable's name; what it must be is the app's declaration, which the engine
checks when a run starts (a stored value that no longer fits, or a variable no longer declared, is ignored and
the default applies).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from server.db.models import Base


class ConversationVariableRow(Base):
    """The value of one conversation variable in one conversation."""

    __tablename__ = "app_conversation_variables"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("app_conversations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[float] = mapped_column(Float)


class ConversationVariables:
    """Read and write a conversation's variable values."""

    def __init__(self, engine: Engine):
        self._session = sessionmaker(engine, expire_on_commit=False)

    def load(self, conversation_id: str) -> dict[str, Any]:
        """The stored values of a conversation, by name (empty for a new conversation)."""
        with self._session() as s:
            rows = s.scalars(select(ConversationVariableRow)
                             .where(ConversationVariableRow.conversation_id == conversation_id))
            return {row.name: row.value for row in rows}

    def save(self, conversation_id: str, values: dict[str, Any]) -> None:
        """Replace the conversation's stored values with ``values`` (one transaction)."""
        now = time.time()
        with self._session.begin() as s:
            s.execute(delete(ConversationVariableRow)
                      .where(ConversationVariableRow.conversation_id == conversation_id))
            s.add_all(ConversationVariableRow(conversation_id=conversation_id, name=name, value=value, updated_at=now)
                      for name, value in values.items())
