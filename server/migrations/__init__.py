"""Alembic migrations of the server database, run programmatically on start (``server.db.migrate``)."""
