"""A plugin that needs tables of its own ships Alembic revisions on its own branch;
``hub db upgrade`` (and the test kit) apply them after the hub's."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from hub import hookimpl
from hub.db import migrate
from hub.testing import Harness

REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "notes_0001"
down_revision = None
branch_labels = ("notes",)
depends_on = "hub_base"


def upgrade() -> None:
    op.create_table(
        "notes_note",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.String(63), sa.ForeignKey("clinic.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notes_note")
"""


class Notes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def register_migrations(self) -> Path:
        return self.folder


@pytest.fixture
def hub_extra_plugins(tmp_path: Path) -> dict[str, object]:
    folder = tmp_path / "notes_migrations"
    folder.mkdir()
    (folder / "notes_0001.py").write_text(REVISION)
    return {"notes": Notes(folder)}


async def test_plugin_tables_are_created_beside_the_hubs(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    async with hub.runtime.db.session() as session:
        await session.execute(
            sa.text("INSERT INTO notes_note (clinic_id, text) VALUES ('clinic-1', 'x')")
        )
        versions = set(
            (await session.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars()
        )
    assert versions == {"notes_0001"}  # its branch depends on hub_base, which is applied too
    folders = hub.runtime.host.migration_folders().values()
    assert not migrate.pending(hub.runtime.settings.database_url, folders)
