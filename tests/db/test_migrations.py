"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import hub.db.models  # noqa: F401
from hub.db import migrate
from hub.db.engine import sync_url


def test_models_and_migrations_agree(hub_database_url: str) -> None:
    migrate.upgrade(hub_database_url)
    assert not migrate.pending(hub_database_url)
    engine = sa.create_engine(sync_url(hub_database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == [], "models and migrations differ; run `make migration`:\n" + "\n".join(
        map(str, diff)
    )


def test_upgrade_is_idempotent(hub_database_url: str) -> None:
    migrate.upgrade(hub_database_url)
    migrate.upgrade(hub_database_url)
    assert not migrate.pending(hub_database_url)
