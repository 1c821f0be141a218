"""Running the migrations: the hub's own and those shipped by plugins.

Plugins with tables of their own return a folder of revision scripts from
``register_migrations``; they are added to Alembic's version locations and every head
is upgraded.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from hub.db.engine import sync_url

MIGRATIONS = Path(__file__).parent / "migrations"
BASE_REVISION = "hub_base"


def alembic_config(database_url: str, extra_locations: Iterable[str] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    locations = [str(MIGRATIONS / "versions"), *extra_locations]
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, extra_locations: Iterable[str] = ()) -> None:
    """Bring the database to the newest schema (every head: hub and plugins)."""
    command.upgrade(alembic_config(database_url, extra_locations), "heads")


def pending(database_url: str, extra_locations: Iterable[str] = ()) -> bool:
    """Whether the database is behind the newest schema."""
    config = alembic_config(database_url, extra_locations)
    script = ScriptDirectory.from_config(config)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    applied = {
        rev.revision
        for rev in script.revision_map.iterate_revisions(
            current, "base", implicit_base=True, select_for_downgrade=True
        )
        if rev is not None
    }
    return not set(script.get_heads()) <= applied
