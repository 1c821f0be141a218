"""hub.db.revisions: a database at every head is recognised without Alembic; anything
else still goes through Alembic, with the same upgrade or the same error as before."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from hub.db import migrate, revisions
from hub.db.engine import sync_url
from hub.db.revisions import Header
from hub.plugins import PluginHost

NOTES_0001 = """
import sqlalchemy as sa
from alembic import op

revision = "notes_0001"
down_revision = None
branch_labels = ("notes",)
depends_on = "hub_base"


def upgrade() -> None:
    op.create_table("notes_note", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("notes_note")
"""

NOTES_0002 = """
import sqlalchemy as sa
from alembic import op

revision: str = "notes_0002"
down_revision: str | None = "notes_0001"


def upgrade() -> None:
    op.add_column("notes_note", sa.Column("text", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("notes_note", "text")
"""


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes_migrations"
    folder.mkdir()
    (folder / "notes_0001.py").write_text(NOTES_0001)
    return folder


@pytest.fixture
def alembic_upgrades(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The upgrades handed to Alembic (and still run)."""
    calls: list[str] = []
    real = command.upgrade

    def upgrade(config, revision, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(revision)
        return real(config, revision, **kwargs)

    monkeypatch.setattr(command, "upgrade", upgrade)
    yield calls


def _columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return {c["name"] for c in sa.inspect(connection).get_columns(table)}
    finally:
        engine.dispose()


def _bundled_folders() -> list[str]:
    host = PluginHost()
    try:
        host.load_entry_points()
        return list(host.migration_folders().values())
    finally:
        host.close()


def test_headers_are_alembics_graph() -> None:
    """The headers read as text give the graph Alembic builds by running the scripts
    (the hub's revisions and every bundled plugin's)."""
    folders = _bundled_folders()
    assert folders, "no bundled plugin ships migrations: this test compares nothing"
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://", folders))

    def names(value: str | tuple[str, ...] | None) -> set[str]:
        return set() if value is None else {value} if isinstance(value, str) else set(value)

    expected = {
        rev.revision: names(rev.down_revision) | names(rev.dependencies)
        for rev in script.walk_revisions()
    }
    headers = revisions.read_headers(migrate.version_locations(folders))
    assert {h.revision: set(h.requires) for h in headers.values()} == expected


def test_fresh_database_is_upgraded_by_alembic(
    hub_database_url: str, notes: Path, alembic_upgrades: list[str]
) -> None:
    assert not revisions.at_head(hub_database_url, migrate.version_locations([str(notes)]))
    migrate.upgrade(hub_database_url, [str(notes)])
    assert alembic_upgrades == ["heads"]
    assert "id" in _columns(hub_database_url, "notes_note")
    assert revisions.at_head(hub_database_url, migrate.version_locations([str(notes)]))


def test_database_at_head_is_not_handed_to_alembic(
    hub_database_url: str, notes: Path, alembic_upgrades: list[str]
) -> None:
    migrate.upgrade(hub_database_url, [str(notes)])
    migrate.upgrade(hub_database_url, [str(notes)])
    assert alembic_upgrades == ["heads"]  # the first only
    assert not migrate.pending(hub_database_url, [str(notes)])


def test_database_behind_a_new_revision_is_upgraded(
    hub_database_url: str, notes: Path, alembic_upgrades: list[str]
) -> None:
    migrate.upgrade(hub_database_url, [str(notes)])
    (notes / "notes_0002.py").write_text(NOTES_0002)
    assert migrate.pending(hub_database_url, [str(notes)])
    assert not revisions.at_head(hub_database_url, migrate.version_locations([str(notes)]))
    migrate.upgrade(hub_database_url, [str(notes)])
    assert alembic_upgrades == ["heads", "heads"]
    assert "text" in _columns(hub_database_url, "notes_note")
    assert not migrate.pending(hub_database_url, [str(notes)])


def test_database_behind_a_new_plugin_branch_is_upgraded(
    hub_database_url: str, notes: Path, alembic_upgrades: list[str]
) -> None:
    migrate.upgrade(hub_database_url)
    migrate.upgrade(hub_database_url, [str(notes)])
    assert alembic_upgrades == ["heads", "heads"]
    assert "id" in _columns(hub_database_url, "notes_note")


def test_revision_no_script_knows_gets_alembics_error(
    hub_database_url: str, notes: Path, alembic_upgrades: list[str]
) -> None:
    """A plugin removed after its tables were made: Alembic's error, as before."""
    migrate.upgrade(hub_database_url, [str(notes)])
    with pytest.raises(CommandError, match="notes_0001"):
        migrate.upgrade(hub_database_url)
    assert alembic_upgrades == ["heads", "heads"]


def test_header_that_is_not_a_literal_goes_to_alembic(
    hub_database_url: str, notes: Path, alembic_upgrades: list[str]
) -> None:
    migrate.upgrade(hub_database_url, [str(notes)])
    path = notes / "notes_0001.py"
    path.write_text(
        path.read_text().replace('revision = "notes_0001"', 'revision = "notes_" + "0001"')
    )
    assert not revisions.at_head(hub_database_url, migrate.version_locations([str(notes)]))
    migrate.upgrade(hub_database_url, [str(notes)])
    assert alembic_upgrades == ["heads", "heads"]  # Alembic reads it, and has nothing to do
    assert not migrate.pending(hub_database_url, [str(notes)])


def test_dependency_by_branch_label_goes_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\ndepends_on = "hub"\n')
    with pytest.raises(revisions.Unreadable, match="not a revision id"):
        revisions.read_headers([tmp_path])


def test_files_alembic_skips_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "__init__.py").write_text('revision = "init"\n')
    (tmp_path / ".#a.py").write_text('revision = "lock"\n')
    (tmp_path / "notes.txt").write_text('revision = "txt"\n')
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "b.py").write_text('revision = "cached"\n')
    assert list(revisions.read_headers([tmp_path])) == ["a"]


GRAPH = {
    "hub_base": Header("hub_base", ()),
    "labs_0001": Header("labs_0001", ("hub_base",)),
    "mango_0001": Header("mango_0001", ("hub_base",)),
}


@pytest.mark.parametrize(
    ("rows", "current"),
    [
        ({"labs_0001", "mango_0001"}, True),  # hub_base applied through depends_on
        ({"hub_base"}, False),  # the plugins' branches not applied
        ({"labs_0001"}, False),
        ({"labs_0001", "mango_0001", "hub_base"}, False),  # a row below another
        ({"labs_0001", "mango_0001", "ghost"}, False),  # a revision no script knows
        (set(), False),
    ],
)
def test_is_current(rows: set[str], current: bool) -> None:
    assert revisions.is_current(GRAPH, rows) is current


def test_importing_the_migrations_module_does_not_load_alembic() -> None:
    code = "import sys, hub.db.migrate, hub.cli; print('alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
