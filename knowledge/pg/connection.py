"""One PostgreSQL connection per open knowledge base, opened again when the server dropped it.

A KB's indexes are only used under the KB's lock (``knowledge.service``), so one connection per KB is never
shared by two threads at once; statements run in explicit transactions.
"""

from __future__ import annotations

import psycopg
from pgvector.psycopg import register_vector


def libpq_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class KBConnection:
    """The connection of one KB's indexes."""

    def __init__(self, url: str):
        self.url = libpq_url(url)
        self._conn: psycopg.Connection | None = None

    def get(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            conn = psycopg.connect(self.url, autocommit=True)
            register_vector(conn)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
