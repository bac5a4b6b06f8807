"""The agent kind of app: its config and published version (its keys, conversations and messages are the
app tables of server/db/models.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, Integer, String
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
