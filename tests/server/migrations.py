"""Helpers of the migration tests: a database built at an earlier revision with rows in it, its tables, a
downgrade, and one value read back — each test then checks its own migration's upgrade and downgrade."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from server.db import migrate
from server.db.store import open_engine
from server.settings import Settings

T0 = 1_700_000_000.0  # created_at / updated_at of the rows put in by hand


def database_at(data_dir: Path, revision: str, rows: list[tuple[str, Mapping[str, Any]]]) -> str:
    """The data directory's database migrated up to ``revision`` only, with ``rows`` inserted (SQL, parameters);
    returns its URL. ``:t`` in the parameters' place is T0. On Postgres the test's database (a migrated copy)
    is emptied first."""
    url = Settings(data_dir=data_dir).database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(url)
    try:
        emptied(engine)
        migrate.upgrade(engine, revision)
        with engine.begin() as conn:
            for sql, params in rows:
                conn.execute(text(sql), {"t": T0, **params})
    finally:
        engine.dispose()
    return url


def emptied(engine: Engine) -> Engine:
    """The engine, its database emptied when it is a test's Postgres database (a migrated copy: tests/database.py);
    an SQLite test database starts empty already."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    return engine


def workflow_row(workflow_id: str, definition: str, name: str = "kept", mode: str = "chat"
                 ) -> tuple[str, Mapping[str, Any]]:
    return ("INSERT INTO workflows (id, name, description, mode, definition, created_at, updated_at) "
            "VALUES (:id, :name, '', :mode, :d, :t, :t)", {"id": workflow_id, "name": name, "mode": mode,
                                                            "d": definition})


def tables(url: str) -> set[str]:
    engine = open_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    engine = open_engine(url)
    try:
        config = migrate.alembic_config(url)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def scalar(url: str, sql: str, **params: Any) -> Any:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()
