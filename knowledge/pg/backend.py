"""``PostgresBackend``: each KB's indexes as tables in a PostgreSQL database with pgvector.

Tables, made by the backend (the knowledge store owns its schema, outside the server's migrations):
``knowledge_indexes`` (per KB and index kind, the store generation the index reflects, and the dimension) and,
per KB, ``knowledge_<key>_vectors`` (``knowledge.pg.vectors``), ``knowledge_<key>_keywords`` and
``knowledge_<key>_terms`` (``knowledge.pg.keywords``), where the key is the KB's random ``index_key``. As with
the embedded FAISS file, an index whose recorded generation is not the store's is rebuilt from the store's
chunks, so a deployment switches backends by restarting with the other one (nothing is embedded again), and
after a crash the tables catch up with the KB on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from knowledge.backend import KeywordSearch, VectorSearch
from knowledge.errors import KnowledgeError
from knowledge.pg.connection import KBPool, libpq_url
from knowledge.pg.keywords import PgKeywordIndex
from knowledge.pg.vectors import PgVectorIndex

if TYPE_CHECKING:
    from knowledge.store import KBStore

# Per KB and index: the store generation it reflects, the vectors' dimension, and the keyword index's chunk count
# and total length in tokens (BM25's statistics, changed in the same transaction as its rows).
_SETUP_LOCK = 0x4C4F4F4D4B42  # pg_advisory_lock key of the index setup ("LOOMKB")
_META = ("CREATE TABLE IF NOT EXISTS knowledge_indexes (key text NOT NULL, kind text NOT NULL, kb text NOT NULL, "
         "generation bigint NOT NULL, dimension integer, chunks bigint NOT NULL DEFAULT 0, "
         "total_length bigint NOT NULL DEFAULT 0, PRIMARY KEY (key, kind))")


class PostgresUnavailable(KnowledgeError):
    """The database cannot hold knowledge indexes (unreachable, or without the pgvector extension)."""


class PostgresBackend:
    """pgvector + PostgreSQL full-text indexes for every KB of a service, in the database at ``url``."""

    name = "postgres"

    def __init__(self, url: str):
        self.url = url
        self.check()
        self.pool = KBPool(url)

    def check(self) -> None:
        """Make sure the database is reachable and has pgvector, and holds the index table."""
        try:
            with psycopg.connect(libpq_url(self.url), autocommit=True, connect_timeout=10) as conn:
                # Processes starting together take turns: concurrent CREATE EXTENSION / CREATE TABLE IF NOT
                # EXISTS race on the catalogs' unique indexes. The lock ends with the connection.
                conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
                try:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                except psycopg.Error as exc:
                    raise PostgresUnavailable(
                        "the database has no pgvector extension ('vector') and it could not be created "
                        f"({str(exc).strip()}): install pgvector on the server and run `CREATE EXTENSION vector` "
                        "in the database as a superuser") from None
                conn.execute(_META)
        except psycopg.OperationalError as exc:
            raise PostgresUnavailable(f"cannot reach the database for knowledge indexes: {str(exc).strip()}") from None

    def _recorded(self, store: KBStore, kind: str) -> tuple[int, int | None] | None:
        with self.pool.use() as db:
            row = db.execute("SELECT generation, dimension FROM knowledge_indexes WHERE key = %s AND kind = %s",
                             (store.index_key, kind)).fetchone()
        return (int(row[0]), row[1]) if row else None

    def _record(self, store: KBStore, kind: str, dimension: int | None) -> None:
        with self.pool.use() as db:
            db.execute(
                "INSERT INTO knowledge_indexes (key, kind, kb, generation, dimension) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (key, kind) DO UPDATE SET kb = EXCLUDED.kb, generation = EXCLUDED.generation, "
                "dimension = EXCLUDED.dimension", (store.index_key, kind, store.name, store.generation, dimension))

    def open_vectors(self, store: KBStore, dimension: int) -> VectorSearch:
        index = PgVectorIndex(self.pool, f"knowledge_{store.index_key}_vectors", dimension,
                              store.settings.index)
        if self._recorded(store, "vectors") == (store.generation, dimension):
            index.attach()
            return index
        ids, vectors = store.enabled_vectors()
        self._record(store, "vectors", None)  # not current while it is rebuilt
        index.create()
        index.add(ids, vectors)
        self._record(store, "vectors", dimension)
        return index

    def open_keywords(self, store: KBStore) -> KeywordSearch:
        key = store.index_key
        index = PgKeywordIndex(self.pool, key, f"knowledge_{key}_keywords", f"knowledge_{key}_terms")
        if self._recorded(store, "keywords") == (store.generation, None):
            index.attach()
            return index
        self._record(store, "keywords", -1)  # not current while it is rebuilt
        index.rebuild(list(store.enabled_tokens()))
        self._record(store, "keywords", None)
        return index

    def save(self, store: KBStore) -> None:
        if isinstance(store.vectors, PgVectorIndex):
            self._record(store, "vectors", store.vectors.dimension)
        if isinstance(store.keywords, PgKeywordIndex):
            self._record(store, "keywords", None)

    def close(self, store: KBStore) -> None:
        """Nothing per KB: the pool's connections serve every KB, and close themselves after a minute unused."""

    def drop(self, store: KBStore) -> None:
        key = store.index_key
        with self.pool.use() as db, db.transaction():
            for suffix in ("vectors", "keywords", "terms"):
                db.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                    sql.Identifier(f"knowledge_{key}_{suffix}")))
            db.execute("DELETE FROM knowledge_indexes WHERE key = %s", (key,))
