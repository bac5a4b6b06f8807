"""Tables of the model registry and deployments (server/db/registry.py is their store)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base


class ModelRow(Base):
    """A registered model: an endpoint, a base model or a fine-tuned model (one version of it)."""

    __tablename__ = "registered_models"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_registered_models_name_version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # endpoint | base | finetune
    version: Mapped[int] = mapped_column(Integer, default=1)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # the kind's fields (see modelhub/schemas.py)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class DeploymentRow(Base):
    """A model server Loom runs itself: a base model plus adapters, its settings and its live state."""

    __tablename__ = "deployments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    backend: Mapped[str] = mapped_column(String(16))  # vllm | transformers
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # base model, adapters, GPUs, limits, extra args
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it failed or stopped
    port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    restarts: Mapped[int] = mapped_column(Integer, default=0)
    log_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
