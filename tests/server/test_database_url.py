"""``LOOM_DATABASE_URL``: SQLite in the data directory unless it names a PostgreSQL server; anything else is
refused naming the variable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from server import datadir
from server.db.store import open_engine
from server.settings import SettingsError, load_settings


def test_the_default_is_the_sqlite_file_in_the_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LOOM_DATABASE_URL", raising=False)
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{(tmp_path / 'loom.db').resolve()}"
    assert settings.embedded_database


@pytest.mark.parametrize("given", ["postgresql://loom:pw@db:5432/loom", "postgres://loom:pw@db:5432/loom",
                                   "postgresql+psycopg://loom:pw@db:5432/loom"])
def test_a_postgres_url_uses_psycopg(given: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOOM_DATABASE_URL", given)
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url == "postgresql+psycopg://loom:pw@db:5432/loom"
    assert not settings.embedded_database


@pytest.mark.parametrize(("given", "says"), [("mysql://root@db/loom", "unsupported database 'mysql'"),
                                             ("loom.db", "is not a database URL")])
def test_other_urls_are_refused_naming_the_variable(given: str, says: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOOM_DATABASE_URL", given)
    with pytest.raises(SettingsError, match="LOOM_DATABASE_URL") as caught:
        load_settings()
    assert says in str(caught.value)


def test_the_sqlite_file_is_created_by_its_engine_private_and_never_beside_a_database_server(tmp_path):
    datadir.prepare(tmp_path)  # what a server with LOOM_DATABASE_URL=postgresql+psycopg://… does to its data dir
    assert not (tmp_path / "loom.db").exists()
    engine = open_engine(f"sqlite:///{tmp_path / 'loom.db'}")
    try:
        assert stat.S_IMODE((tmp_path / "loom.db").stat().st_mode) == 0o600
    finally:
        engine.dispose()
