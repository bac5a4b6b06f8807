"""Keyword index on PostgreSQL full-text search over jieba-segmented text, scored with the embedded BM25.

Each chunk row holds its tokens (``knowledge.keyword.tokenize``: jieba search-mode words, lower-cased words)
as a ``tsvector`` whose lexemes are exactly those tokens (``array_to_tsvector``: the 'simple' parser would cut
tokens such as "don't" or "c++" again, and match differently from the embedded index), with a GIN index that
finds the chunks holding a query's terms; beside it the term frequencies and the chunk's length, and a table of
document frequencies per term. A query is scored with the same BM25 as ``knowledge.keyword.KeywordIndex``
(Lucene idf, k1=1.2, b=0.75, over that of a full average match, capped at 1), computed in SQL over those
Postgres-held statistics, so keyword, hybrid and threshold scores mean the same on both backends.

Top-k skips the rows that hold only common terms when they cannot matter (MaxScore's bound): a term adds less
than ``idf × (k1 + 1)`` to a chunk's BM25, so once the chunks holding a rarer query term are scored, a chunk
holding none of them scores below the sum of the common terms' bounds; when that sum is under the k-th score
found, the common terms' (often most of the KB's) rows are never read. The result is the full query's, exactly.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import psycopg
from psycopg import sql

from knowledge.pg.connection import KBPool

COMMON_SHARE = 0.05  # a query term held by more than this share of the chunks is "common" for top-k's bound
_SCORE = (
    "SELECT k.chunk_id, SUM(q.idf * t.tf * {k1p1} / (t.tf + {k1} * (1 - {b} + {b} * k.length / %(avgdl)s))) AS raw "
    "FROM {table} k CROSS JOIN unnest(%(terms)s::text[], %(idfs)s::float8[]) AS q(term, idf) "
    "CROSS JOIN LATERAL (SELECT k.tfs[array_position(k.terms, q.term)] AS tf) t "
    "WHERE {where} AND t.tf IS NOT NULL GROUP BY k.chunk_id")


class PgKeywordIndex:
    """BM25 over one KB's chunk rows (``table``) and term statistics (``terms_table``; the chunk count and total
    length in the KB's ``knowledge_indexes`` row, ``key``). Every statistic is read from Postgres at each query,
    so processes sharing the KB score alike while one of them changes it."""

    def __init__(self, pool: KBPool, key: str, table: str, terms_table: str, k1: float = 1.2,
                 b: float = 0.75):
        self.pool, self.key, self.k1, self.b = pool, key, k1, b
        self.table, self.terms = sql.Identifier(table), sql.Identifier(terms_table)
        self.gin = sql.Identifier(f"{table}_lexemes")
        self._count = 0
        self._total_length = 0

    def __len__(self) -> int:
        return self._count

    # --- schema ------------------------------------------------------------------------------------------

    def create(self) -> None:
        with self.pool.use() as db, db.transaction():
            db.execute(sql.SQL("DROP TABLE IF EXISTS {}, {}").format(self.table, self.terms))
            db.execute(sql.SQL(
                "CREATE TABLE {} (chunk_id bigint PRIMARY KEY, length integer NOT NULL, terms text[] NOT NULL, "
                "tfs integer[] NOT NULL, lexemes tsvector GENERATED ALWAYS AS (array_to_tsvector(terms)) STORED)")
                .format(self.table))
            db.execute(sql.SQL("CREATE INDEX {} ON {} USING gin (lexemes)").format(self.gin, self.table))
            db.execute(sql.SQL("CREATE TABLE {} (term text PRIMARY KEY, df integer NOT NULL)").format(self.terms))
        self._count = self._total_length = 0

    def attach(self) -> None:
        self.stats()

    def stats(self, db: psycopg.Connection | None = None) -> tuple[int, int]:
        """(chunks, total length in tokens), as recorded now (on ``db`` if given, else on a pooled connection)."""
        if db is None:
            with self.pool.use() as db:
                return self.stats(db)
        row = db.execute("SELECT chunks, total_length FROM knowledge_indexes WHERE key = %s AND kind = 'keywords'",
                         (self.key,)).fetchone()
        self._count, self._total_length = (int(row[0]), int(row[1])) if row else (0, 0)
        return self._count, self._total_length

    def _count_change(self, cur: psycopg.Cursor, chunks: int, length: int, absolute: bool = False) -> None:
        change = "chunks = %s, total_length = %s" if absolute else \
            "chunks = chunks + %s, total_length = total_length + %s"
        cur.execute(f"UPDATE knowledge_indexes SET {change} WHERE key = %s AND kind = 'keywords'",
                    (chunks, length, self.key))

    # --- changes -----------------------------------------------------------------------------------------

    def add(self, chunk_id: int, tokens: list[str]) -> None:
        self.add_many([chunk_id], [tokens])

    def add_many(self, chunk_ids: list[int], tokens: list[list[str]]) -> None:
        if not chunk_ids:
            return
        self.remove(chunk_ids)  # a chunk added again replaces its row, as in the embedded index
        df: Counter[str] = Counter()
        rows = []
        for chunk_id, toks in zip(chunk_ids, tokens, strict=True):
            counts = Counter(t for t in toks if t)
            terms = sorted(counts)
            df.update(terms)
            rows.append((int(chunk_id), len(toks), terms, [counts[t] for t in terms]))
        with self.pool.use() as db, db.transaction(), db.cursor() as cur:
            with cur.copy(sql.SQL("COPY {} (chunk_id, length, terms, tfs) FROM STDIN").format(self.table)) as copy:
                for row in rows:
                    copy.write_row(row)
            if df:
                cur.execute(sql.SQL("INSERT INTO {t} (term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
                                    "ON CONFLICT (term) DO UPDATE SET df = {t}.df + EXCLUDED.df")
                            .format(t=self.terms), (list(df), list(df.values())))
            self._count_change(cur, len(rows), sum(r[1] for r in rows))
        self._count += len(rows)
        self._total_length += sum(r[1] for r in rows)

    def remove(self, chunk_ids: list[int]) -> None:
        if not chunk_ids:
            return
        with self.pool.use() as db, db.transaction(), db.cursor() as cur:
            gone = cur.execute(sql.SQL("DELETE FROM {} WHERE chunk_id = ANY(%s) RETURNING length, terms")
                               .format(self.table), ([int(i) for i in chunk_ids],)).fetchall()
            if not gone:
                return
            df: Counter[str] = Counter()
            for _, terms in gone:
                df.update(terms)
            if df:
                cur.execute(sql.SQL("UPDATE {t} SET df = {t}.df - d.n FROM unnest(%s::text[], %s::int[]) AS d(term, n) "
                                    "WHERE {t}.term = d.term").format(t=self.terms), (list(df), list(df.values())))
                cur.execute(sql.SQL("DELETE FROM {} WHERE df <= 0 AND term = ANY(%s)").format(self.terms),
                            (list(df),))
            self._count_change(cur, -len(gone), -sum(int(r[0]) for r in gone))
        self._count -= len(gone)
        self._total_length -= sum(int(r[0]) for r in gone)

    def rebuild(self, items: list[tuple[int, list[str]]]) -> None:
        """A new table holding ``items`` (chunk id, tokens), loaded in bulk."""
        self.create()
        df: Counter[str] = Counter()
        with self.pool.use() as db:
            with db.transaction(), db.cursor() as cur:
                with cur.copy(sql.SQL("COPY {} (chunk_id, length, terms, tfs) FROM STDIN").format(self.table)) \
                        as copy:
                    for chunk_id, toks in items:
                        counts = Counter(t for t in toks if t)
                        terms = sorted(counts)
                        df.update(terms)
                        copy.write_row((chunk_id, len(toks), terms, [counts[t] for t in terms]))
                        self._count += 1
                        self._total_length += len(toks)
                with cur.copy(sql.SQL("COPY {} (term, df) FROM STDIN").format(self.terms)) as copy:
                    for term, n in df.items():
                        copy.write_row((term, n))
                self._count_change(cur, self._count, self._total_length, absolute=True)
            db.execute(sql.SQL("ANALYZE {}").format(self.table))

    # --- search ------------------------------------------------------------------------------------------

    def query(self, tokens: list[str]) -> PgKeywordScores:
        return PgKeywordScores(self, tokens)


class PgKeywordScores:
    """One query's BM25 scores, asked of PostgreSQL: its best chunks, or the score of given chunks."""

    def __init__(self, index: PgKeywordIndex, tokens: list[str]):
        self.index = index
        self.terms = sorted({t for t in tokens if t})
        self.ideal = 0.0
        self.matched: list[str] = []
        self.idfs: list[float] = []
        self.common: list[str] = []
        if not self.terms:
            return
        n, total = index.stats()
        self.avgdl = max(total / max(n, 1), 1e-9)
        if n == 0:
            return
        with index.pool.use() as db:
            rows = db.execute(sql.SQL("SELECT term, df FROM {} WHERE term = ANY(%s)").format(index.terms),
                              (self.terms,)).fetchall()
        df = {term: int(d) for term, d in rows if d > 0}
        # A query term no chunk contains counts in the reference match with the highest idf, as embedded.
        self.ideal = sum(math.log1p((n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in self.terms)
        self.matched = [t for t in self.terms if t in df]
        self.idfs = [math.log1p((n - df[t] + 0.5) / (df[t] + 0.5)) for t in self.matched]
        self.common = [t for t in self.matched if df[t] > COMMON_SHARE * n]

    def _rows(self, where: str, params: dict, limit: int | None) -> list[tuple[int, float]]:
        return [(i, min(raw / self.ideal, 1.0)) for i, raw in self._raw(where, params, limit)]

    def _raw(self, where: str, params: dict, limit: int | None) -> list[tuple[int, float]]:
        """(id, raw BM25 over every matched query term) of the chunks ``where`` selects, best first if limited."""
        index = self.index
        statement = sql.SQL(_SCORE).format(k1p1=sql.Literal(index.k1 + 1), k1=sql.Literal(index.k1),
                                           b=sql.Literal(index.b), table=index.table, where=sql.SQL(where))
        if limit is not None:
            statement = sql.SQL("{} ORDER BY raw DESC, k.chunk_id LIMIT {}").format(statement, sql.Literal(limit))
        with index.pool.use() as db:
            rows = db.execute(statement, {"avgdl": self.avgdl, "terms": self.matched, "idfs": self.idfs, **params}
                              ).fetchall()
        return [(int(i), float(raw)) for i, raw in rows]

    def top(self, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` (ids, scores) with a score above zero, optionally only among ``allowed`` ids."""
        if not self.matched or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rare = [t for t in self.matched if t not in self.common]
        rows = None
        if rare and self.common:  # first only the chunks holding a rare term; enough if the rest cannot compete
            found = self._best(rare, k, allowed)
            bound = sum(idf * (self.index.k1 + 1) for t, idf in zip(self.matched, self.idfs, strict=True)
                        if t in self.common)
            if len(found) == k and found[-1][1] >= bound:
                rows = found
        if rows is None:
            rows = self._best(self.matched, k, allowed)
        return (np.array([r[0] for r in rows], dtype=np.int64),
                np.array([min(raw / self.ideal, 1.0) for _, raw in rows], dtype=np.float32))

    def _best(self, holding: list[str], k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """The best ``k`` (id, raw BM25) among the chunks holding one of the terms ``holding``."""
        where, params = "k.lexemes @@ %(tsquery)s::tsquery", {"tsquery": " | ".join(_quote(t) for t in holding)}
        if allowed is not None:
            where += " AND k.chunk_id = ANY(%(allowed)s)"
            params["allowed"] = np.asarray(allowed, dtype=np.int64).tolist()
        return [r for r in self._raw(where, params, k) if r[1] > 0]

    def of(self, ids: list[int]) -> np.ndarray:
        """The score of each of ``ids`` (0 where none of the query's terms occurs)."""
        if not self.matched or not ids:
            return np.zeros(len(ids), dtype=np.float32)
        found = dict(self._rows("k.chunk_id = ANY(%(ids)s)", {"ids": [int(i) for i in ids]}, None))
        return np.array([found.get(int(i), 0.0) for i in ids], dtype=np.float32)


def _quote(term: str) -> str:
    """A lexeme as a ``tsquery`` operand, taken as it is (quoted, quotes and backslashes escaped)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
