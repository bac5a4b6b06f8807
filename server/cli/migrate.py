"""``loom migrate``: bring the database to the newest schema and exit, before servers and workers start."""

from __future__ import annotations

from server.cli.common import DataDir, out
from server.services import data_dir_from


def migrate(data_dir: DataDir = None) -> None:
    """Apply the database migrations (``LOOM_DATABASE_URL``, else the data directory's SQLite file) and exit.

    Every ``loom serve`` migrates on start as well; this is the step a deployment runs once before starting
    several processes. On an up-to-date database it changes nothing. With ``LOOM_KNOWLEDGE_BACKEND=postgres`` it
    also creates the pgvector extension and the knowledge indexes' table, so that processes started together
    afterwards find them."""
    from alembic.runtime.migration import MigrationContext

    from server import datadir
    from server.db.store import Store
    from server.knowledge_backend import knowledge_backend
    from server.settings import load_settings

    settings = load_settings(data_dir=data_dir_from(data_dir))
    if settings.embedded_database:
        datadir.prepare(settings.data_dir)
    store = Store(settings.database_url)
    try:
        store.migrate()
        with store.engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    finally:
        store.close()
    out.print(f"database at {revision} ({store.engine.url.render_as_string(hide_password=True)})")
    backend = knowledge_backend()  # checks the choice; the PostgreSQL one creates its extension and table
    out.print(f"knowledge indexes: {backend.name}")
