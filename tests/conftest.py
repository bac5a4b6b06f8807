"""Shared fixtures: each test gets its own data directory; the scripted model server is a test double."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.database import test_database, test_databases
from tests.doubles.openai_server import ScriptedOpenAI

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


__all__ = ["test_database", "test_databases"]  # the database backend's fixtures (tests/database.py)


@pytest.fixture
def data_dir(tmp_path: Path, test_database: str | None) -> Path:
    path = tmp_path / "loom-data"
    path.mkdir()
    return path


@pytest.fixture
def openai_server() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI() as server:
        yield server
