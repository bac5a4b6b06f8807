"""Which database the tests' server runs on: SQLite in each test's data directory (the default), or PostgreSQL
when ``LOOM_TEST_DATABASE_URL`` says so:

- ``postgres``: a throwaway server on 127.0.0.1 for the test session (``tests/pg.py``);
- ``postgresql+psycopg://user@host:port/db``: that server (its user may ``CREATE DATABASE``).

On Postgres every test that takes a data directory gets its own database, a copy of one migrated once per
session, named to the server in ``LOOM_DATABASE_URL`` (which ``Settings`` reads); it is dropped after the test.
``make test`` runs the server's tests a second time this way.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from server.db import migrate
from server.db.store import open_engine
from server.settings import check_database_url

CHOICE = os.environ.get("LOOM_TEST_DATABASE_URL", "").strip()
ON_POSTGRES = CHOICE not in ("", "sqlite")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="checks the embedded SQLite file itself")

_numbers = itertools.count(1)


@dataclass(frozen=True)
class DatabaseTemplate:
    server_url: str  # a database of the server to connect to while creating and dropping the others
    template: str  # migrated to head once; each test's database is a copy

    def create(self) -> tuple[str, str]:
        from tests.pg import create_database

        name = f"loom_test_{os.getpid()}_{next(_numbers)}"
        return name, create_database(self.server_url, name, self.template)


@pytest.fixture(scope="session")
def test_databases() -> Iterator[DatabaseTemplate | None]:
    if not ON_POSTGRES:
        yield None
        return
    from tests.pg import PostgresServer, create_database, drop_database

    server = PostgresServer().start() if CHOICE == "postgres" else None
    url = server.url() if server is not None else check_database_url(CHOICE)
    template = f"loom_template_{os.getpid()}"
    try:
        drop_database(url, template)
        engine = open_engine(create_database(url, template))
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
        yield DatabaseTemplate(url, template)
        drop_database(url, template)
    finally:
        if server is not None:
            server.stop()


@pytest.fixture
def test_database(test_databases: DatabaseTemplate | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """This test's database URL on Postgres (also in ``LOOM_DATABASE_URL``); None on SQLite, where a
    ``LOOM_DATABASE_URL`` of the shell is cleared, so no test ever writes to a real database."""
    if test_databases is None:
        monkeypatch.delenv("LOOM_DATABASE_URL", raising=False)
        yield None
        return
    from tests.pg import drop_database

    name, url = test_databases.create()
    monkeypatch.setenv("LOOM_DATABASE_URL", url)
    yield url
    drop_database(test_databases.server_url, name)
