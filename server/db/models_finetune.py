"""Tables of fine-tuning jobs, their progress points and their log lines (server/db/finetune.py is their store)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base


class FinetuneJobRow(Base):
    """A fine-tuning job. ``record`` holds the whole ``FinetuneJob`` as JSON (params, checkpoints, results);
    the columns beside it are what lists filter and sort on."""

    __tablename__ = "finetune_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class FinetuneProgressRow(Base):
    """One logged step (train loss) or evaluation (eval loss) of a job; ``seq`` keeps their order."""

    __tablename__ = "finetune_progress"

    job_id: Mapped[str] = mapped_column(ForeignKey("finetune_jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    step: Mapped[int] = mapped_column(Integer)
    point: Mapped[dict[str, Any]] = mapped_column(JSON)


class FinetuneLogRow(Base):
    """One line of a job's log, numbered from 0."""

    __tablename__ = "finetune_logs"

    job_id: Mapped[str] = mapped_column(ForeignKey("finetune_jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    line: Mapped[str] = mapped_column(Text)
