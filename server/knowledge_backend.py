"""``LOOM_KNOWLEDGE_BACKEND``: where the knowledge bases keep their vector and keyword indexes.

``embedded`` (the default): FAISS and BM25 in the process, files beside each KB. ``postgres``: pgvector and
PostgreSQL full-text search in the database of ``LOOM_DATABASE_URL``, which must then be PostgreSQL with the
pgvector extension (docs/deploy.md, "Knowledge backend"). A wrong choice stops the start with a
``SettingsError`` naming the setting.
"""

from __future__ import annotations

import os

from knowledge.backend import EmbeddedBackend, IndexBackend
from server.settings import SettingsError, check_database_url

CHOICES = ("embedded", "postgres")


def knowledge_backend() -> IndexBackend:
    """The index backend the environment chooses."""
    choice = os.environ.get("LOOM_KNOWLEDGE_BACKEND", "").strip().lower() or "embedded"
    if choice not in CHOICES:
        raise SettingsError(f"invalid setting: LOOM_KNOWLEDGE_BACKEND: '{choice}' is not a knowledge backend "
                            "(embedded or postgres)")
    if choice == "embedded":
        return EmbeddedBackend()
    url = os.environ.get("LOOM_DATABASE_URL", "").strip()
    try:
        url = check_database_url(url) if url else url
    except ValueError as exc:
        raise SettingsError(f"invalid setting: LOOM_DATABASE_URL: {exc}") from None
    if not url.startswith("postgresql"):
        raise SettingsError("invalid setting: LOOM_KNOWLEDGE_BACKEND=postgres needs LOOM_DATABASE_URL to name a "
                            "PostgreSQL database with pgvector (postgresql+psycopg://user:password@host:5432/loom); "
                            f"it is {'a SQLite database' if url else 'unset (the embedded SQLite file)'}")
    from knowledge.pg import PostgresBackend, PostgresUnavailable

    try:
        return PostgresBackend(url)
    except PostgresUnavailable as exc:
        raise SettingsError(f"invalid setting: LOOM_KNOWLEDGE_BACKEND=postgres: {exc}") from None
