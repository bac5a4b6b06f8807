"""Knowledge indexes on PostgreSQL: pgvector for vectors (HNSW with cosine ops) and full-text search over
jieba-segmented text for keywords, scored as the embedded FAISS + BM25 indexes score (``knowledge.backend``)."""

from knowledge.pg.backend import PostgresBackend, PostgresUnavailable

__all__ = ["PostgresBackend", "PostgresUnavailable"]
