"""Persistence: SQLAlchemy models, Alembic migrations and the store that every router goes through."""
