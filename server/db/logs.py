"""Run history queries for the console's logs: an app's runs filtered by status, version, source, conversation
and a search over their inputs, newest first, a page at a time.

The search is a case-insensitive substring match over a run's inputs as stored (JSON text) and a chat turn's
``sys.query``. JSON text may hold non-ASCII characters escaped (``\\u4f60``), so the term is matched both as
typed and as JSON would escape it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from server.db.models import RunRow

DRAFT: Literal["draft"] = "draft"


@dataclass(frozen=True)
class RunFilter:
    """Which runs to list; ``None`` matches any. ``version`` is a published version or ``"draft"``."""

    workflow_id: str | None = None
    status: str | None = None
    source: str | None = None
    version: int | Literal["draft"] | None = None
    conversation_id: str | None = None
    search: str | None = None


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(term: str) -> ColumnElement[bool]:
    """Runs whose inputs (as JSON text) or chat query contain ``term``, ignoring case."""
    forms = {term, json.dumps(term)[1:-1]}  # as typed, and as JSON text escapes it
    columns = [func.lower(cast(RunRow.inputs, String)), func.lower(RunRow.sys["query"].as_string())]
    return or_(*(column.like(f"%{_escape_like(form.lower())}%", escape="\\") for column in columns for form in forms))


def where(flt: RunFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if flt.workflow_id is not None:
        clauses.append(RunRow.workflow_id == flt.workflow_id)
    if flt.status is not None:
        clauses.append(RunRow.status == flt.status)
    if flt.source is not None:
        clauses.append(RunRow.source == flt.source)
    if flt.version == DRAFT:
        clauses.append(RunRow.version.is_(None))
    elif flt.version is not None:
        clauses.append(RunRow.version == flt.version)
    if flt.conversation_id is not None:
        clauses.append(RunRow.conversation_id == flt.conversation_id)
    if flt.search:
        clauses.append(search_clause(flt.search))
    return clauses


def list_runs(engine: Engine, flt: RunFilter, limit: int = 50, offset: int = 0) -> tuple[list[RunRow], int]:
    """A page of the runs matching ``flt``, newest first, and how many match in all."""
    clauses = where(flt)
    with Session(engine, expire_on_commit=False) as session:
        total = session.scalar(select(func.count()).select_from(RunRow).where(*clauses)) or 0
        rows = session.scalars(select(RunRow).where(*clauses)
                               .order_by(RunRow.created_at.desc(), RunRow.id.desc()).limit(limit).offset(offset))
        return list(rows), total
