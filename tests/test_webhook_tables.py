"""A plugin route that learns its clinic from an opaque reference in the body reads the
plugin's own tables through ``hub.tables()`` (``PluginHub``), then takes that clinic's
context."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import APIRouter, HTTPException

from hub import PluginHubDep, PluginRouter, hookimpl
from hub.testing import Harness

REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "tokens_0001"
down_revision = None
branch_labels = ("tokens",)
depends_on = "hub_base"


def upgrade() -> None:
    op.create_table(
        "tokens_token",
        sa.Column("token", sa.String(40), primary_key=True),
        sa.Column("clinic_id", sa.String(63), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tokens_token")
"""
TOKENS = sa.table("tokens_token", sa.column("token"), sa.column("clinic_id"))


class Tokens:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def register_migrations(self) -> Path:
        return self.folder

    @hookimpl
    def register_routes(self) -> list[PluginRouter]:
        router = APIRouter()

        @router.post("/Tokens/Answer/{token}")
        async def answer(token: str, hub: PluginHubDep) -> dict[str, str]:
            async with hub.tables() as conn:
                clinic = (
                    await conn.execute(sa.select(TOKENS.c.clinic_id).where(TOKENS.c.token == token))
                ).scalar_one_or_none()
            if clinic is None:
                raise HTTPException(404, "unknown token")
            ctx = await hub.context(clinic)
            return {"clinic": ctx.clinic.id}

        return [PluginRouter(router, at_root=True)]


@pytest.fixture
def hub_extra_plugins(tmp_path: Path) -> dict[str, object]:
    folder = tmp_path / "tokens_migrations"
    folder.mkdir()
    (folder / "tokens_0001.py").write_text(REVISION)
    return {"tokens": Tokens(folder)}


async def test_a_root_route_finds_its_clinic_through_the_plugin_tables(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.create_clinic("clinic-2")
    await hub.enable("tokens", "clinic-2")
    async with hub.runtime.db.engine.begin() as conn:
        await conn.execute(sa.insert(TOKENS).values(token="t-42", clinic_id="clinic-2"))
    outsider = hub.client_for(None)
    try:
        found = await outsider.post("/Tokens/Answer/t-42")
        assert (found.status_code, found.json()) == (200, {"clinic": "clinic-2"})
        assert (await outsider.post("/Tokens/Answer/t-0")).status_code == 404
    finally:
        await outsider.aclose()
