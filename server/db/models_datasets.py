"""Tables of the fine-tuning datasets and their versions (server/db/datasets.py is their store)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base


class DatasetRow(Base):
    """A named dataset; its rows live in its versions."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class DatasetVersionRow(Base):
    """One version of a dataset: raw (an imported file), processed (operators or a split applied to a parent
    version) or published (frozen; the only stage a training job may use). Its rows are files under the data
    directory (``datasets/<dataset id>/v<number>/``); ``report`` holds the check report and statistics,
    ``operations`` what made it (the operators with their parameters and what they dropped, or the split)."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number", name="uq_dataset_versions_number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(16))  # raw | processed | published
    parent: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the version it was made from
    format: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source: Mapped[str | None] = mapped_column(String(255), nullable=True)  # the uploaded file's name (raw)
    rows: Mapped[int] = mapped_column(Integer, default=0)  # good rows (train + validation once split)
    train_rows: Mapped[int | None] = mapped_column(Integer, nullable=True)
    validation_rows: Mapped[int | None] = mapped_column(Integer, nullable=True)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)  # {rows, format, bad: [{line, reason}], stats}
    operations: Mapped[dict[str, Any]] = mapped_column(JSON)  # {steps, dropped} or {split}
    created_at: Mapped[float] = mapped_column(Float)
    published_at: Mapped[float | None] = mapped_column(Float, nullable=True)
