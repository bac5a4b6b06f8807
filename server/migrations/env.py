"""Alembic environment: migrate the database whose URL ``server.db.migrate`` put into the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from server.db.models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:
    # render_as_batch: SQLite can only ALTER a table by copying it, which batch mode does for us.
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: no sqlalchemy.url in the configuration and no connection passed in")
    with create_engine(url).connect() as conn:
        _run(conn)
