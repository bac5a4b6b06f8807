"""The data directory holds other apps' run inputs, keys and model settings: private to Loom's user.

Defence in depth, not the sandbox boundary (code nodes never see this directory at all): the directory is
0700, and the database (with its WAL and shared-memory files, which SQLite creates with the database's own
mode) and ``loom.toml`` are 0600.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_FILES = ("loom.db", "loom.db-wal", "loom.db-shm", "loom.db-journal", "loom.toml")


def prepare(data_dir: Path) -> Path:
    """Create ``data_dir`` if needed and make it and its secret files private to this user."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    for name in PRIVATE_FILES:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(data_dir / name, 0o600)
    return data_dir


def create_private(database: Path) -> None:
    """Create the SQLite file ``database`` readable by this user only, unless it exists: SQLite takes an empty
    file as a new database and keeps its mode for the WAL and shared-memory files. With a database server
    configured, no ``loom.db`` is created at all."""
    if not database.exists():
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
