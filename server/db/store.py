"""The one module that touches the database. Routers and the run manager call a ``Store``; nothing else does."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import orjson
from sqlalchemy import JSON, CursorResult, create_engine, delete, event, func, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from server import datadir
from server.db import migrate
from server.db.cache import RowCache
from server.db.models import AppKeyRow, AppRow, ConversationRow, EventRow, MessageRow, RunRow, VersionRow, WorkflowRow
from server.errors import ConflictError, NotFoundError

log = logging.getLogger(__name__)
KEY_PREFIX = "loom-"
KEY_USE_INTERVAL_S = 60.0  # an API key's last_used_at moves at most this often
key_clock = time.time  # when a key is used (tests move it)
AGENT_ID_PREFIX = "agent-"
LIVE_STATUSES = ("running",)


def new_id() -> str:
    return uuid.uuid4().hex


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_agent_id(app_id: str) -> bool:
    """Agent app ids are ``agent-<hex>``; workflow ids are plain hex, so the two never collide."""
    return app_id.startswith(AGENT_ID_PREFIX)


def app_label(app_id: str) -> str:
    """What an app is called in messages: ``agent app`` or ``workflow``."""
    return "agent app" if is_agent_id(app_id) else "workflow"


def open_engine(url: str) -> Engine:
    """An engine for a ``sqlite:///`` or ``postgresql+psycopg://`` URL, set up for its dialect."""
    if not url.startswith("sqlite"):
        # A server database: connections are checked before use (the server may have restarted or closed
        # idle ones) and recycled hourly, below the usual proxies' idle timeouts.
        server = create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True, pool_recycle=3600)

        @event.listens_for(server, "connect")
        def _nul_free_text(dbapi_conn, _record) -> None:
            from server.db.pgtext import register

            register(dbapi_conn)

        return server
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        datadir.create_private(Path(database))
    # A pool big enough for the worker threads: overflow connections are closed on return, and reopening
    # one (with its pragmas) per request cost more than the query.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=20, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        # WAL + synchronous=NORMAL: readers never block the writer, and commits don't fsync each time.
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


@dataclass
class RunWrite:
    """One write of a run: its row (inserted when absent), its final state, and events to append."""

    run_id: str
    row: dict[str, Any] | None = None  # the columns of a new run (status running)
    final: dict[str, Any] | None = None  # the run_finished event: the run ends with it
    events: list[dict[str, Any]] = field(default_factory=list)


class Store:
    """Workflows, versions, runs and their events; and every app's API keys, conversations and messages."""

    def __init__(self, url: str):
        self.engine = open_engine(url)
        self._run_sql = _RUN_STATEMENTS[self.engine.dialect.paramstyle]
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        # Every public request reads its API key and the app's newest version: keep them in memory.
        self.keys: RowCache[AppKeyRow] = RowCache()
        self.latest: RowCache[VersionRow] = RowCache()

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- workflows ----------------------------------------------------------------------------------
    def create_workflow(self, definition: dict[str, Any]) -> WorkflowRow:
        now = time.time()
        row = WorkflowRow(id=new_id(), created_at=now, updated_at=now, **_summary(definition))
        with self._session.begin() as s:
            self.add_app(s, row.id, "workflow", now)
            s.add(row)
        return row

    def list_workflows(self) -> list[WorkflowRow]:
        with self._session() as s:
            return list(s.scalars(select(WorkflowRow).order_by(WorkflowRow.updated_at.desc())))

    def get_workflow(self, workflow_id: str) -> WorkflowRow:
        with self._session() as s:
            row = s.get(WorkflowRow, workflow_id)
        if row is None:
            raise NotFoundError("workflow", workflow_id)
        return row

    def update_workflow(self, workflow_id: str, definition: dict[str, Any]) -> WorkflowRow:
        with self._session.begin() as s:
            row = s.get(WorkflowRow, workflow_id)
            if row is None:
                raise NotFoundError("workflow", workflow_id)
            for name, value in _summary(definition).items():
                setattr(row, name, value)
            row.updated_at = time.time()
        return row

    def delete_workflow(self, workflow_id: str) -> None:
        with self._session.begin() as s:
            row = s.get(WorkflowRow, workflow_id)
            if row is None:
                raise NotFoundError("workflow", workflow_id)
            s.delete(row)
            self.delete_app(s, workflow_id)
        self.latest.invalidate(lambda key, _: key == workflow_id)
        self.forget_keys(workflow_id)

    def latest_versions(self) -> dict[str, int]:
        with self._session() as s:
            rows = s.execute(select(VersionRow.workflow_id, func.max(VersionRow.version))
                             .group_by(VersionRow.workflow_id))
            return {wid: version for wid, version in rows}

    # -- versions -----------------------------------------------------------------------------------
    def publish(self, workflow_id: str, note: str = "") -> VersionRow:
        with self._session.begin() as s:
            row = s.get(WorkflowRow, workflow_id)
            if row is None:
                raise NotFoundError("workflow", workflow_id)
            latest = s.scalar(select(func.max(VersionRow.version))
                              .where(VersionRow.workflow_id == workflow_id)) or 0
            version = VersionRow(workflow_id=workflow_id, version=latest + 1, definition=row.definition,
                                 note=note, created_at=time.time())
            s.add(version)
        self.latest.invalidate(lambda key, _: key == workflow_id)
        return version

    def list_versions(self, workflow_id: str) -> list[VersionRow]:
        self.get_workflow(workflow_id)
        with self._session() as s:
            return list(s.scalars(select(VersionRow).where(VersionRow.workflow_id == workflow_id)
                                  .order_by(VersionRow.version.desc())))

    def get_version(self, workflow_id: str, version: int | None = None) -> VersionRow:
        """A published version, or the newest one when ``version`` is None."""
        if version is None:
            row = self.latest.get(workflow_id, lambda: self._find_version(workflow_id, None))
            return row if row is not None else self._missing_version(workflow_id, None)
        row = self._find_version(workflow_id, version)
        return row if row is not None else self._missing_version(workflow_id, version)

    def cached_version(self, workflow_id: str) -> VersionRow | None:
        """``get_version(workflow_id)`` from memory only: None when it has not been read lately."""
        return self.latest.peek(workflow_id)

    def _find_version(self, workflow_id: str, version: int | None) -> VersionRow | None:
        with self._session() as s:
            query = select(VersionRow).where(VersionRow.workflow_id == workflow_id)
            if version is not None:
                query = query.where(VersionRow.version == version)
            return s.scalars(query.order_by(VersionRow.version.desc()).limit(1)).first()

    def _missing_version(self, workflow_id: str, version: int | None) -> VersionRow:
        self.get_workflow(workflow_id)
        if version is None:
            raise ConflictError(f"workflow '{workflow_id}' has no published version; publish it first")
        raise NotFoundError(f"version of workflow '{workflow_id}'", version)

    # -- runs ---------------------------------------------------------------------------------------
    def create_run(self, **fields: Any) -> RunRow:
        row = new_run_row(**fields)
        self.write_runs([RunWrite(row["id"], row=row)])
        return RunRow(**row)

    def finish_run(self, run_id: str, final: dict[str, Any], events: Iterable[dict[str, Any]]) -> None:
        """Record a finished run: its final state and the events not recorded yet, in one transaction."""
        self.write_runs([RunWrite(run_id, final=final, events=list(events))])

    def add_events(self, run_id: str, events: Iterable[dict[str, Any]]) -> None:
        self.write_runs([RunWrite(run_id, events=list(events))])

    def write_runs(self, writes: Iterable[RunWrite]) -> None:
        """Apply run writes in order, in one transaction. The writes of one run are merged first (its start and
        end queued together become one upsert), then each kind of statement runs once for the whole batch
        (``executemany`` of a fixed SQL string, which SQLite prepares once per connection), run rows before
        events, ends and events only for runs still open (a run another process's sweeper has ended keeps that
        end, see ``_run_statements``); JSON columns are encoded as SQLAlchemy's JSON type encodes them. The
        events of one run in a batch are one row (``PACKED``): one insert and one JSON document instead of one
        per event."""
        merged: dict[str, RunWrite] = {}
        for write in writes:
            seen = merged.get(write.run_id)
            if seen is None:
                merged[write.run_id] = RunWrite(write.run_id, write.row, write.final, list(write.events))
                continue
            seen.row = seen.row or write.row
            seen.final = write.final or seen.final
            seen.events.extend(write.events)
        started: list[tuple[Any, ...]] = []
        upserts: list[tuple[Any, ...]] = []
        ends: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        dumps = _dumps
        for write in merged.values():
            finished_at = None  # the end's stamp: its events are recorded with it (the run is no longer open)
            if write.final is not None:
                ended = _ended(write.final)
                finished_at = ended["finished_at"]
                if write.row is not None:  # insert or finish in one statement: the start may not be written yet
                    upserts.append(_run_params({**write.row, **ended}))
                else:
                    ends.append((*_params(ended.items()), write.run_id))
            elif write.row is not None:
                started.append(_run_params(write.row))
            if len(write.events) == 1:
                event = write.events[0]
                events.append((write.run_id, event["seq"], event["type"], dumps(event), write.run_id, finished_at))
            elif write.events:
                events.append((write.run_id, write.events[-1]["seq"], PACKED, dumps(write.events), write.run_id,
                               finished_at))
        insert_run, upsert_run, end_run, insert_events = self._run_sql
        # On the driver's connection: SQLAlchemy's execution machinery cost more than the statements.
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for sql, params in ((insert_run, started), (upsert_run, upserts), (end_run, ends),
                                (insert_events, events)):
                if params:
                    cursor.executemany(sql, params)
            cursor.close()
            connection.commit()
        except BaseException:
            with contextlib.suppress(Exception):  # a connection that broke cannot roll back: the error is the news
                connection.rollback()
            raise
        finally:
            connection.close()

    def get_run(self, run_id: str) -> RunRow:
        with self._session() as s:
            row = s.get(RunRow, run_id)
        if row is None:
            raise NotFoundError("run", run_id)
        return row

    def list_runs(self, workflow_id: str | None = None, status: str | None = None,
                  limit: int = 50, offset: int = 0) -> tuple[list[RunRow], int]:
        query = select(RunRow)
        if workflow_id is not None:
            query = query.where(RunRow.workflow_id == workflow_id)
        if status is not None:
            query = query.where(RunRow.status == status)
        with self._session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(query.order_by(RunRow.created_at.desc()).limit(limit).offset(offset))
            return list(rows), total

    def run_events(self, run_id: str, after: int = 0) -> list[dict[str, Any]]:
        """A run's recorded events with ``seq > after``, in order (a packed row holds several)."""
        with self._session() as s:
            rows = s.execute(select(EventRow.type, EventRow.data)
                             .where(EventRow.run_id == run_id, EventRow.seq > after).order_by(EventRow.seq))
            events: list[dict[str, Any]] = []
            for kind, data in rows:
                if kind == PACKED:  # its seq is its last event's: the first ones may be at or before ``after``
                    events.extend(event for event in data if event["seq"] > after)
                else:
                    events.append(data)
            return events

    def mark_interrupted(self) -> int:
        """Runs left ``running`` by a previous process did not finish; say so instead of leaving them running."""
        with self._session.begin() as s:
            result = cast(CursorResult[Any], s.execute(update(RunRow).where(RunRow.status.in_(LIVE_STATUSES)).values(
                status="interrupted", error="the server stopped while this run was in flight",
                finished_at=time.time())))  # an UPDATE's result counts its rows
            return result.rowcount or 0

    # -- apps: API keys ------------------------------------------------------------------------------
    def add_app(self, s: Session, app_id: str, kind: str, now: float) -> None:
        """Record a new app of ``kind`` in session ``s``, before the row of its kind's own table."""
        s.add(AppRow(id=app_id, kind=kind, created_at=now))
        s.flush()

    def delete_app(self, s: Session, app_id: str) -> None:
        """Delete an app's keys, conversations and messages in session ``s`` (then call ``forget_keys``)."""
        s.execute(delete(AppRow).where(AppRow.id == app_id))

    def forget_keys(self, app_id: str) -> None:
        """Drop an app's cached keys; call once its deletion has committed."""
        self.keys.invalidate(lambda _, key: key.app_id == app_id)

    def _require_app(self, app_id: str) -> None:
        with self._session() as s:
            if s.get(AppRow, app_id) is None:
                raise NotFoundError(app_label(app_id), app_id)

    def create_key(self, app_id: str, name: str = "") -> tuple[AppKeyRow, str]:
        """A new key for the app; the plain key is returned once and only its hash is kept."""
        self._require_app(app_id)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = AppKeyRow(id=new_id(), app_id=app_id, name=name, prefix=key[:12], key_hash=hash_key(key),
                        created_at=time.time())
        with self._session.begin() as s:
            s.add(row)
        return row, key

    def list_keys(self, app_id: str) -> list[AppKeyRow]:
        self._require_app(app_id)
        with self._session() as s:
            return list(s.scalars(select(AppKeyRow).where(AppKeyRow.app_id == app_id)
                                  .order_by(AppKeyRow.created_at)))

    def revoke_key(self, app_id: str, key_id: str) -> AppKeyRow:
        with self._session.begin() as s:
            row = s.get(AppKeyRow, key_id)
            if row is None or row.app_id != app_id:
                raise NotFoundError("API key", key_id)
            row.revoked_at = row.revoked_at or time.time()
        self.keys.invalidate(lambda _, cached: cached.id == key_id)
        return row

    def record_key_use(self, key_id: str, now: float, interval_s: float) -> bool:
        """Set a key's ``last_used_at`` to ``now`` unless it was set less than ``interval_s`` before (by this
        process or another sharing the database); whether it wrote."""
        recent = AppKeyRow.last_used_at > now - interval_s
        with self._session.begin() as s:
            result = s.execute(update(AppKeyRow).where(AppKeyRow.id == key_id)
                               .where((AppKeyRow.last_used_at.is_(None)) | ~recent)
                               .values(last_used_at=now).execution_options(synchronize_session=False))
        return bool(cast(CursorResult[Any], result).rowcount)

    def find_key(self, key: str) -> AppKeyRow | None:
        """The live (unrevoked) key row for a presented key, or None; a found key counts as used."""
        return self._used(self.keys.get(hash_key(key), lambda: self._load_key(key)))

    def cached_key(self, key: str) -> AppKeyRow | None:
        """``find_key`` from memory only: None when the key has not been seen lately."""
        return self._used(self.keys.peek(hash_key(key)))

    def _used(self, row: AppKeyRow | None) -> AppKeyRow | None:
        """Note a key's use. ``last_used_at`` moves at most once a minute per key: the row found (usually the
        cached one) says when it last moved, and a short-lived thread writes it, so no request waits on it."""
        now = key_clock()
        if row is None or (row.last_used_at is not None and now - row.last_used_at < KEY_USE_INTERVAL_S):
            return row
        row.last_used_at = now  # the cached row: the requests of the next minute skip the write
        threading.Thread(target=self._record_key_use_quietly, args=(row.id, now), name="key-use", daemon=True).start()
        return row

    def _record_key_use_quietly(self, key_id: str, now: float) -> None:
        try:
            self.record_key_use(key_id, now, KEY_USE_INTERVAL_S)
        except Exception as exc:  # noqa: BLE001 - a lost "last used" time must not fail anything
            log.warning("could not record the last use of API key %s: %s", key_id, exc)

    def _load_key(self, key: str) -> AppKeyRow | None:
        with self._session() as s:
            row = s.scalars(select(AppKeyRow).where(AppKeyRow.key_hash == hash_key(key))).first()
        return row if row is not None and row.revoked_at is None else None

    # -- apps: conversations and messages -----------------------------------------------------------
    def open_conversation(self, app_id: str, conversation_id: str | None, source: str, user: str | None,
                          name: str) -> ConversationRow:
        """The given conversation of this app, or a new one when ``conversation_id`` is None."""
        with self._session.begin() as s:
            if conversation_id is not None:
                row = s.get(ConversationRow, conversation_id)
                if row is None or row.app_id != app_id:
                    raise NotFoundError("conversation", conversation_id)
                return row
            now = time.time()
            row = ConversationRow(id=new_id(), app_id=app_id, source=source, user=user, name=name[:200],
                                  created_at=now, updated_at=now)
            s.add(row)
        return row

    def list_conversations(self, app_id: str, user: str | None = None,
                           limit: int = 50) -> list[ConversationRow]:
        query = select(ConversationRow).where(ConversationRow.app_id == app_id)
        if user is not None:
            query = query.where(ConversationRow.user == user)
        with self._session() as s:
            return list(s.scalars(query.order_by(ConversationRow.updated_at.desc()).limit(limit)))

    def get_conversation(self, conversation_id: str) -> ConversationRow:
        with self._session() as s:
            row = s.get(ConversationRow, conversation_id)
        if row is None:
            raise NotFoundError("conversation", conversation_id)
        return row

    def delete_conversation(self, conversation_id: str) -> None:
        with self._session.begin() as s:
            s.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))

    def messages(self, conversation_id: str, limit: int = 100) -> list[MessageRow]:
        """A conversation's latest messages, oldest first."""
        with self._session() as s:
            rows = s.scalars(select(MessageRow).where(MessageRow.conversation_id == conversation_id)
                             .order_by(MessageRow.created_at.desc()).limit(limit))
            return list(reversed(list(rows)))

    def app_messages(self, app_id: str, limit: int = 50, offset: int = 0) -> list[MessageRow]:
        """An app's messages over all its conversations, newest first."""
        with self._session() as s:
            return list(s.scalars(select(MessageRow).where(MessageRow.app_id == app_id)
                                  .order_by(MessageRow.created_at.desc()).limit(limit).offset(offset)))

    def get_message(self, message_id: str) -> MessageRow:
        with self._session() as s:
            row = s.get(MessageRow, message_id)
        if row is None:
            raise NotFoundError("message", message_id)
        return row

    def add_message(self, conversation: ConversationRow, query: str, status: str = "running",
                    **fields: Any) -> MessageRow:
        """Record a message (a finished one, or one that starts ``running`` and ends with ``finish_message``)."""
        now = time.time()
        row = MessageRow(id=new_id(), conversation_id=conversation.id, app_id=conversation.app_id, query=query,
                         status=status, created_at=now, **{"answer": "", "trace": [], "usage": {},
                                                           "elapsed_ms": 0.0, **fields})
        if status != "running":
            row.finished_at = now
        with self._session.begin() as s:
            s.add(row)
            s.execute(update(ConversationRow).where(ConversationRow.id == conversation.id).values(updated_at=now))
        return row

    def finish_message(self, message_id: str, **fields: Any) -> None:
        with self._session.begin() as s:
            s.execute(update(MessageRow).where(MessageRow.id == message_id)
                      .values(finished_at=time.time(), **fields))

    def interrupt_messages(self) -> int:
        """Messages left ``running`` by a previous process did not finish; say so."""
        with self._session.begin() as s:
            result = cast(CursorResult[Any], s.execute(update(MessageRow).where(
                MessageRow.status.in_(LIVE_STATUSES)).values(
                status="interrupted", error="the server stopped during this turn", finished_at=time.time())))
            return result.rowcount or 0


def new_run_row(**fields: Any) -> dict[str, Any]:
    """The columns of a run that has just started."""
    return {"status": "running", "created_at": time.time(), "outputs": {}, "usage": {}, "elapsed_ms": 0.0,
            "total_tokens": 0, "error": None, "failed_node": None, "finished_at": None, **fields}


_RUNS, _EVENTS = RunRow.__table__, EventRow.__table__
# The type of a run_events row that holds several consecutive events of a run (a JSON list, in seq order) under
# the seq of its last one: the run writer records the events of a run it writes at once in one row.
PACKED = "events"
_ENDED = ("status", "outputs", "error", "failed_node", "elapsed_ms", "usage", "total_tokens", "finished_at")
# The run writer's statements as fixed SQL strings over the tables' columns: SQLite keeps each one prepared,
# and no statement is compiled or bound through SQLAlchemy per run.
_RUN_COLUMNS = tuple(column.name for column in _RUNS.columns)
_RUN_JSON = frozenset(column.name for column in _RUNS.columns if isinstance(column.type, JSON))
_RUN_ENCODED = tuple((name, name in _RUN_JSON) for name in _RUN_COLUMNS)  # (column, JSON-encoded?) in order


def _run_statements(mark: str) -> tuple[str, str, str, str]:
    """Insert, upsert and end a run, and insert its events, with ``mark`` as the driver's placeholder (SQLite's
    ``?``, psycopg's ``%s``): the run writer's SQL is passed to the driver as it is.

    A run's end and events are recorded only while it is open (queued or running), or, for events, when the
    end written in the same batch is the one the row holds (its ``finished_at`` stamp): a run that the sweeper of
    another process has ended (server.ownership) takes nothing more from the process that drove it."""
    columns = ", ".join(f'"{name}"' for name in _RUN_COLUMNS)  # quoted: "user" is reserved in PostgreSQL
    insert = f"INSERT INTO runs ({columns}) VALUES ({', '.join(mark for _ in _RUN_COLUMNS)})"
    data = f"CAST({mark} AS JSON)" if mark == "%s" else mark  # a bare parameter in a SELECT is text in PostgreSQL
    return (insert + " ON CONFLICT (id) DO NOTHING",
            insert + " ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in _ENDED)
            + f" WHERE runs.status IN {_OPEN}",
            f"UPDATE runs SET {', '.join(f'{name} = {mark}' for name in _ENDED)} WHERE id = {mark}"
            f" AND status IN {_OPEN}",
            f"INSERT INTO run_events (run_id, seq, type, data) SELECT {mark}, {mark}, {mark}, {data}"
            f" WHERE EXISTS (SELECT 1 FROM runs WHERE id = {mark} AND (status IN {_OPEN} OR finished_at = {mark}))")


_OPEN = "('queued', 'running')"
_RUN_STATEMENTS = {"qmark": _run_statements("?"), "format": _run_statements("%s"),
                   "pyformat": _run_statements("%s")}


def _ended(final: dict[str, Any]) -> dict[str, Any]:
    """The columns a run's end sets, from its run_finished event, in ``_ENDED`` order."""
    usage = final.get("usage") or {}
    return {"status": final["status"], "outputs": final.get("outputs") or {}, "error": final.get("error"),
            "failed_node": final.get("failed_node"), "elapsed_ms": final.get("elapsed_ms") or 0.0, "usage": usage,
            "total_tokens": int(usage.get("total_tokens") or 0), "finished_at": time.time()}


def _params(columns: Iterable[tuple[str, Any]]) -> tuple[Any, ...]:
    """Column values as statement parameters, JSON columns encoded (as the JSON column type encodes them)."""
    return tuple(_dumps(value) if name in _RUN_JSON else value for name, value in columns)


def _dumps(value: Any) -> str:
    """JSON text of a run's column or events: orjson (several times faster than json, and the run writer encodes
    every event), or json for what orjson does not take (keys that are not strings, integers beyond 64 bits,
    lone surrogates). Either reads back the same through the JSON column type (non-finite floats, which json
    writes as NaN/Infinity and PostgreSQL refuses, become null)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def _run_params(row: dict[str, Any]) -> tuple[Any, ...]:
    """A run row's values in ``_RUN_COLUMNS`` order (a column the row leaves out is NULL)."""
    get = row.get
    return tuple(_dumps(get(name)) if encoded else get(name) for name, encoded in _RUN_ENCODED)


def _summary(definition: dict[str, Any]) -> dict[str, Any]:
    return {"name": str(definition.get("name") or "untitled")[:200],
            "description": str(definition.get("description") or ""),
            "mode": str(definition.get("mode") or "workflow"), "definition": definition}
