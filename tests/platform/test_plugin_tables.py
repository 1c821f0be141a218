"""Plugin tables: a plugin ships an Alembic migration of its own table and reaches it with
``async with ctx.tables() as conn:`` (SQLAlchemy Core, one transaction)."""

from __future__ import annotations

import sqlalchemy as sa
from probe_client import act

from hub.testing import Harness


async def test_the_migration_of_the_plugin_is_applied(probe: Harness) -> None:
    async with probe.runtime.db.session() as session:
        versions = set(
            (await session.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars()
        )
    assert "probe_0001" in versions


async def test_rows_written_in_one_call_are_read_in_the_next(probe: Harness) -> None:
    added = await act(probe, "note_add", {"texts": ["первая", "вторая"]})
    assert added.status_code == 200, added.text
    await act(probe, "note_add", {"texts": ["третья"]})
    listed = await act(probe, "note_list")
    assert listed.json() == {"texts": ["первая", "вторая", "третья"]}


async def test_a_block_that_raises_keeps_nothing(probe: Harness) -> None:
    await act(probe, "note_add", {"texts": ["kept"]})
    failed = await act(probe, "note_add", {"texts": ["lost", "lost too"], "fail_after": True})
    assert failed.status_code == 502
    assert "failed after inserting" in failed.json()["detail"]
    assert (await act(probe, "note_list")).json() == {"texts": ["kept"]}


async def test_each_clinic_sees_its_own_rows(probe: Harness) -> None:
    await probe.create_clinic("clinic-2")
    await probe.enable("probe", "clinic-2")
    await act(probe, "note_add", {"texts": ["clinic one"]})
    await act(probe, "note_add", {"texts": ["clinic two"]}, clinic="clinic-2")
    assert (await act(probe, "note_list", clinic="clinic-2")).json() == {"texts": ["clinic two"]}
