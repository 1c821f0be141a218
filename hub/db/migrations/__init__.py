"""Alembic migrations of the hub's tables (``hub db upgrade``)."""
