"""Fixtures for tests of knowledge indexes on PostgreSQL: a throwaway server with pgvector (``tests/pg.py``:
Debian's binaries when they have the extension, else the ``pgserver`` wheel's), one per test module, and a
fresh database per test. Without pgvector the tests are skipped with the reason, except in CI (``CI`` set),
where that fails them.

Import both into a test module; ``knowledge_on_postgres`` makes every ``KnowledgeService`` the test creates
without a backend keep its indexes in Postgres, so tests written for the embedded default run unchanged::

    from tests.pgvector import knowledge_on_postgres, pgvector_server  # noqa: F401
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

import knowledge.service
from knowledge.pg import PostgresBackend
from tests.pg import PostgresServer, PostgresUnavailable

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def pgvector_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer(vector=True).start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL with pgvector here: {exc}")
    yield server
    server.stop()


@pytest.fixture
def knowledge_on_postgres(pgvector_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database; services made without a backend during the test use it (its URL is yielded)."""
    name = f"knowledge_{os.getpid()}_{next(_numbers)}"
    url = pgvector_server.create_database(name)
    monkeypatch.setattr(knowledge.service, "EmbeddedBackend", lambda: PostgresBackend(url))
    yield url
    pgvector_server.drop_database(name)
