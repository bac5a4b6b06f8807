"""LOOM_KNOWLEDGE_BACKEND: the choice, its clear errors at start, and the knowledge API's chunk management
tests run again with the indexes on PostgreSQL (pgvector + full-text)."""

from __future__ import annotations

import os

import pytest

from knowledge.backend import EmbeddedBackend
from knowledge.pg import PostgresBackend
from server.knowledge_backend import knowledge_backend
from server.settings import SettingsError
from tests.pg import PostgresServer, PostgresUnavailable
from tests.pgvector import knowledge_on_postgres, pgvector_server  # noqa: F401
from tests.server.test_knowledge_chunks import client  # noqa: F401
from tests.server.test_knowledge_chunks import (
    test_browse_edit_disable_add_delete_chunks as test_chunks_over_http_on_postgres,
)
from tests.server.test_knowledge_chunks import test_settings_save_and_rechunk as test_rechunk_over_http_on_postgres

__all__ = ["test_chunks_over_http_on_postgres", "test_rechunk_over_http_on_postgres"]


@pytest.fixture(autouse=True)
def on_postgres(knowledge_on_postgres: str) -> str:  # noqa: F811
    return knowledge_on_postgres


def test_the_backend_is_chosen_by_the_setting(monkeypatch: pytest.MonkeyPatch, on_postgres: str) -> None:
    monkeypatch.delenv("LOOM_KNOWLEDGE_BACKEND", raising=False)
    assert isinstance(knowledge_backend(), EmbeddedBackend)
    monkeypatch.setenv("LOOM_KNOWLEDGE_BACKEND", "postgres")
    monkeypatch.setenv("LOOM_DATABASE_URL", on_postgres)
    assert isinstance(knowledge_backend(), PostgresBackend)
    monkeypatch.setenv("LOOM_KNOWLEDGE_BACKEND", "faiss")
    with pytest.raises(SettingsError, match="LOOM_KNOWLEDGE_BACKEND: 'faiss' is not a knowledge backend"):
        knowledge_backend()


@pytest.mark.parametrize("url", ["", "sqlite:////tmp/loom.db"])
def test_postgres_needs_a_postgres_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LOOM_KNOWLEDGE_BACKEND", "postgres")
    monkeypatch.setenv("LOOM_DATABASE_URL", url)
    with pytest.raises(SettingsError, match="LOOM_KNOWLEDGE_BACKEND=postgres needs LOOM_DATABASE_URL to name a "
                                            "PostgreSQL database with pgvector"):
        knowledge_backend()


def test_postgres_without_pgvector_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    try:
        if server.has_extension("vector"):
            pytest.skip("this PostgreSQL has pgvector")
        monkeypatch.setenv("LOOM_KNOWLEDGE_BACKEND", "postgres")
        monkeypatch.setenv("LOOM_DATABASE_URL", server.url())
        with pytest.raises(SettingsError, match=r"LOOM_KNOWLEDGE_BACKEND=postgres: the database has no pgvector "
                                                r"extension \('vector'\)"):
            knowledge_backend()
    finally:
        server.stop()
