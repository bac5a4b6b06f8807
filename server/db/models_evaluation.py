"""Tables of evaluation sets with their items, runs, per-sample results, blind reviews and workflows' publish
gates (server/db/evaluation.py is their store). Each row keeps its whole record as JSON; the columns beside it
are the keys and what lists sort on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base


class EvalSetRow(Base):
    """An evaluation set (``EvalSet``)."""

    __tablename__ = "eval_sets"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)


class EvalItemRow(Base):
    """One item of a set; ``seq`` keeps the order they were saved in."""

    __tablename__ = "eval_items"
    __table_args__ = (UniqueConstraint("set_id", "item_id", name="uq_eval_items_set_item"),)

    set_id: Mapped[str] = mapped_column(ForeignKey("eval_sets.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class EvalRunRow(Base):
    """An evaluation run (``EvalRun``: candidates, metrics, judge, status, progress, cost)."""

    __tablename__ = "eval_runs"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    set_id: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class EvalResultRow(Base):
    """One candidate's answer to one item with its cost and scores (``SampleResult``)."""

    __tablename__ = "eval_results"

    run_id: Mapped[str] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class EvalReviewRow(Base):
    """A reviewer's blind verdict on one candidate's answer to one item (``Review``)."""

    __tablename__ = "eval_reviews"

    run_id: Mapped[str] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(128), primary_key=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class EvalGateRow(Base):
    """A workflow's publish gate: the set and metric its draft must not do worse on than the published version."""

    __tablename__ = "eval_gates"

    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[float] = mapped_column(Float)
