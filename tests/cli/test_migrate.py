"""``loom migrate``: the schema at the newest revision on SQLite, and processes migrating one PostgreSQL database
at the same moment take turns (an advisory lock) instead of failing on each other's tables."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_serve import LOOM

HEAD = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "server/migrations/versions").glob("0*.py"))[-1]


def migrate(data_dir: Path, **env: str) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if k != "LOOM_DATABASE_URL"} | env
    return subprocess.Popen([LOOM, "migrate", "--data-dir", str(data_dir)], env=environment, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_loom_migrate_brings_the_embedded_database_to_the_newest_revision(tmp_path: Path) -> None:
    output, _ = migrate(tmp_path / "data").communicate(timeout=120)
    assert f"database at {HEAD.removesuffix('.py')}" in output
    assert (tmp_path / "data" / "loom.db").stat().st_mode & 0o077 == 0


def test_two_processes_migrating_one_postgres_database_at_once_both_succeed(tmp_path: Path) -> None:
    from tests.pg import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL for this test: {exc}")
        pytest.skip(str(exc))
    try:
        url = server.create_database("fresh")
        processes = [migrate(tmp_path / f"data{i}", LOOM_DATABASE_URL=url) for i in range(2)]
        outputs = [p.communicate(timeout=180) for p in processes]
        assert [p.returncode for p in processes] == [0, 0], [o for o, _ in outputs]
        assert all(f"database at {HEAD.removesuffix('.py')}" in o for o, _ in outputs)
        assert not any((tmp_path / f"data{i}" / "loom.db").exists() for i in range(2))
    finally:
        server.stop()
