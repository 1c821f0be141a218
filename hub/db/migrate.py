"""Running the migrations: the hub's own and those shipped by plugins.

Plugins with tables of their own return a folder of revision scripts from
``register_migrations``; they are added to Alembic's version locations and every head
is upgraded.  A database already at every head is recognised without loading Alembic
(:mod:`hub.db.revisions`); everything else goes through Alembic, which is imported only
then.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from hub.db import revisions
from hub.db.engine import sync_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
BASE_REVISION = "hub_base"


def version_locations(extra_locations: Iterable[str] = ()) -> list[str]:
    """The hub's revisions folder, then the plugins'."""
    return [str(MIGRATIONS / "versions"), *extra_locations]


def alembic_config(database_url: str, extra_locations: Iterable[str] = ()) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("version_locations", " ".join(version_locations(extra_locations)))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, extra_locations: Iterable[str] = ()) -> None:
    """Bring the database to the newest schema (every head: hub and plugins).

    Nothing to do, and Alembic not loaded, when the database is already at every head
    (:func:`hub.db.revisions.at_head`, which says so only when it is certain).
    """
    extra_locations = list(extra_locations)
    if revisions.at_head(database_url, version_locations(extra_locations)):
        return
    from alembic import command

    command.upgrade(alembic_config(database_url, extra_locations), "heads")


def pending(database_url: str, extra_locations: Iterable[str] = ()) -> bool:
    """Whether the database is behind the newest schema (asked of Alembic itself)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

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
