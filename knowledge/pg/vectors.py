"""Vector index on pgvector: a ``vector(dim)`` column per KB table, exact search up to the KB's exact threshold
and an HNSW index (cosine ops) above it, as the embedded FAISS index does; scores are cosines.

pgvector inserts into an HNSW index one row at a time, each re-linking its neighbours' lists: measured on pgvector
0.6 (384 dimensions, m = 32, ef_construction = 64) 17.6 ms a row, against 0.9 ms a row for ``CREATE INDEX`` over
the whole table. So a change that adds at least ``REBUILD_FRACTION`` of the table's rows drops the index, loads the
rows, and builds it again (pgvector's own advice for bulk loads); searches meanwhile are exact, never wrong."""

from __future__ import annotations

import numpy as np
from psycopg import sql

from knowledge.pg.connection import KBPool
from knowledge.settings import IndexSettings

HNSW_MAX_DIMENSIONS = 2000  # pgvector's HNSW index on the vector type
REBUILD_FRACTION = 0.1  # a change adding this share of the table's rows rebuilds the HNSW index (module docstring)
REBUILD_MIN_ROWS = 1000  # below this, rows are inserted into the index as they come


class PgVectorIndex:
    """Unit vectors by chunk id in ``table``."""

    def __init__(self, pool: KBPool, table: str, dimension: int, settings: IndexSettings):
        self.pool, self.dimension, self.settings = pool, dimension, settings
        self.table = sql.Identifier(table)
        self.hnsw_index = sql.Identifier(f"{table}_hnsw")
        self._hnsw_name = f"{table}_hnsw"
        self.kind = "exact"
        self._count = 0

    def __len__(self) -> int:
        return self._count

    # --- schema ------------------------------------------------------------------------------------------

    def create(self) -> None:
        """A new, empty table (an old one of this KB is replaced)."""
        with self.pool.use() as db, db.transaction():
            db.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self.table))
            db.execute(sql.SQL("CREATE TABLE {} (chunk_id bigint PRIMARY KEY, embedding vector({}) NOT NULL)")
                       .format(self.table, sql.Literal(self.dimension)))
        self.kind, self._count = "exact", 0

    def attach(self) -> None:
        """Read the state of an existing table."""
        with self.pool.use() as db:
            self._count = _count(db.execute(sql.SQL("SELECT count(*) FROM {}").format(self.table)).fetchone())
            exists = db.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", (self._hnsw_name,)).fetchone()
        self.kind = "hnsw" if exists else "exact"
        self._index_if_due()  # one dropped for a bulk load by a process that died before building it again

    def _index_if_due(self) -> None:
        if self.kind == "exact" and self._count > self.settings.exact_threshold:
            if self.dimension > HNSW_MAX_DIMENSIONS:
                return  # pgvector cannot index it: searches stay exact
            with self.pool.use() as db, db.transaction():
                db.execute("SET LOCAL maintenance_work_mem = '512MB'")
                db.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING hnsw (embedding vector_cosine_ops) "
                                   "WITH (m = {}, ef_construction = 64)")
                           .format(self.hnsw_index, self.table, sql.Literal(self.settings.hnsw_m)))
            self.kind = "hnsw"

    # --- changes -----------------------------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace) vectors under ``ids``; builds the HNSW index once the exact threshold is passed."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        with self.pool.use() as db:
            if self.kind == "hnsw" and len(ids) >= max(REBUILD_MIN_ROWS,
                                                       REBUILD_FRACTION * (self._count + len(ids))):
                db.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(self.hnsw_index))
                self.kind = "exact"  # built again below, over every row
            with db.transaction(), db.cursor() as cur:
                replaced = cur.execute(sql.SQL("DELETE FROM {} WHERE chunk_id = ANY(%s)").format(self.table),
                                       (ids.tolist(),)).rowcount
                with cur.copy(sql.SQL("COPY {} (chunk_id, embedding) FROM STDIN WITH (FORMAT BINARY)")
                              .format(self.table)) as copy:
                    copy.set_types(["int8", "vector"])
                    for chunk_id, vector in zip(ids.tolist(), vectors, strict=True):
                        copy.write_row((chunk_id, vector))
                if self.kind == "exact" and self.dimension <= HNSW_MAX_DIMENSIONS:
                    # Counted in the table (at most the exact threshold's rows, before the index exists): another
                    # process sharing the KB may have added rows, and together they pass the threshold.
                    self._count = _count(cur.execute(sql.SQL("SELECT count(*) FROM {}").format(self.table))
                                         .fetchone())
                else:  # the count only sizes bulk loads now: no scan of a large table per commit
                    self._count += len(ids) - max(replaced, 0)
        self._index_if_due()

    def remove(self, ids: np.ndarray | list[int]) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        with self.pool.use() as db, db.transaction():
            gone = db.execute(sql.SQL("DELETE FROM {} WHERE chunk_id = ANY(%s)").format(self.table), (ids.tolist(),))
            self._count -= gone.rowcount

    def restore(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        """Put back removed ids (a chunk enabled again)."""
        self.add(np.asarray(ids, dtype=np.int64), vectors)

    # --- search ------------------------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` (ids, cosine scores), optionally only among ``allowed`` ids (then always exact)."""
        if k <= 0:  # (not the count: another process sharing the KB may have added vectors since)
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32).ravel()
        with self.pool.use() as db, db.transaction():
            if allowed is not None:
                # Materialised first, so the HNSW index (which would filter after its search) is not used.
                rows = db.execute(sql.SQL(
                    "WITH c AS MATERIALIZED (SELECT chunk_id, embedding FROM {} WHERE chunk_id = ANY(%s)) "
                    "SELECT chunk_id, 1 - (embedding <=> %s) FROM c ORDER BY embedding <=> %s, chunk_id LIMIT %s")
                    .format(self.table), (np.asarray(allowed, dtype=np.int64).tolist(), q, q, k)).fetchall()
            else:
                # Whether or not this process saw the HNSW index made (it may have been, by another one).
                db.execute(sql.SQL("SET LOCAL hnsw.ef_search = {}").format(
                    sql.Literal(min(max(self.settings.hnsw_ef_search, k), 1000))))
                rows = db.execute(sql.SQL("SELECT chunk_id, 1 - (embedding <=> %s) FROM {} "
                                          "ORDER BY embedding <=> %s LIMIT %s").format(self.table),
                                  (q, q, k)).fetchall()
        return (np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.float32))

    def similarities(self, query: np.ndarray, ids: list[int]) -> np.ndarray:
        """The cosine of ``query`` with each of ``ids`` (0 for an id not indexed)."""
        if not ids:
            return np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32).ravel()
        with self.pool.use() as db:
            rows = db.execute(sql.SQL("SELECT chunk_id, 1 - (embedding <=> %s) FROM {} WHERE chunk_id = ANY(%s)")
                              .format(self.table), (q, [int(i) for i in ids])).fetchall()
        found: dict[int, float] = {int(r[0]): float(r[1]) for r in rows}
        return np.array([found.get(int(i), 0.0) for i in ids], dtype=np.float32)


def _count(row: tuple | None) -> int:
    return int(row[0]) if row else 0
