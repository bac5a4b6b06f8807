"""Run the Alembic migrations programmatically (on every server start; a no-op when up to date)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# On PostgreSQL every upgrade holds this transaction-level advisory lock, so that processes started together
# (API replicas, workers, `loom migrate`) migrate one after the other: the later ones find the schema up to date.
LOCK_ID = 0x4C4F4F4D  # "LOOM"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest one unless told; tests build older schemas with it)."""
    config = alembic_config(str(engine.url))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
