"""The PostgreSQL connections of a service's knowledge indexes: one small pool shared by every knowledge base.

Each index operation borrows a connection for its statements (explicit transactions, autocommit otherwise) and
gives it back, so a process holds at most ``POOL_SIZE`` connections however many KBs it has open (a connection per
open KB would exhaust ``max_connections`` with a few hundred KBs over a few replicas and workers). A connection is
checked before it is lent, so one the server dropped is replaced instead of failing the operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool

POOL_SIZE = 8  # connections per process at most; index operations run under their KB's lock, one thread each


def libpq_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class KBPool:
    """Connections for KB index operations, opened on first use, closed after a while unused."""

    def __init__(self, url: str, size: int = POOL_SIZE):
        self.url = libpq_url(url)
        self._pool = ConnectionPool(self.url, min_size=0, max_size=size, open=True, kwargs={"autocommit": True},
                                    configure=register_vector, check=ConnectionPool.check_connection,
                                    max_idle=60.0, name="loom-knowledge")

    @contextmanager
    def use(self) -> Iterator[psycopg.Connection]:
        """A connection for the statements of one operation."""
        with self._pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self._pool.close()
