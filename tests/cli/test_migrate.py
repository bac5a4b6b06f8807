"""``loom migrate``: the schema at the newest revision on SQLite, and processes migrating one PostgreSQL database
at the same moment take turns (an advisory lock) instead of failing on each other's tables (without the lock one
fails: `relation "runs" does not exist`)."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from server.db import migrate
from server.db.store import open_engine
from tests.cli.test_serve import LOOM

HEAD = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "server/migrations/versions").glob("0*.py"))[-1]
HEAD = HEAD.removesuffix(".py")


def test_loom_migrate_brings_the_embedded_database_to_the_newest_revision(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "LOOM_DATABASE_URL"}
    done = subprocess.run([LOOM, "migrate", "--data-dir", str(tmp_path / "data")], env=environment, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"database at {HEAD}" in done.stdout
    assert (tmp_path / "data" / "loom.db").stat().st_mode & 0o077 == 0


def test_two_migrations_of_one_postgres_database_at_once_both_succeed() -> None:
    from tests.pg import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL for this test: {exc}")
        pytest.skip(str(exc))
    try:
        url = server.create_database("fresh")
        engines = [open_engine(url) for _ in range(2)]
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(engines))

        def upgrade(engine: Engine) -> None:
            barrier.wait()
            try:
                migrate.upgrade(engine)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=upgrade, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        with engines[0].connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == HEAD
        for engine in engines:
            engine.dispose()
    finally:
        server.stop()
