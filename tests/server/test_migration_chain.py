"""Every migration upgrades from an empty database and downgrades back to nothing, on the backend under test
(SQLite, or PostgreSQL in the Postgres pass)."""

from __future__ import annotations

from pathlib import Path

from server.db import migrate
from server.db.models import Base
from server.db.store import open_engine
from server.settings import Settings
from tests.server.migrations import downgrade, emptied, tables


def test_the_whole_chain_upgrades_from_empty_downgrades_to_base_and_upgrades_again(data_dir: Path):
    url = Settings(data_dir=data_dir).database_url
    engine = emptied(open_engine(url))
    try:
        migrate.upgrade(engine)
        assert set(Base.metadata.tables) <= tables(url)
        downgrade(url, "base")
        assert tables(url) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert set(Base.metadata.tables) <= tables(url)
    finally:
        engine.dispose()
