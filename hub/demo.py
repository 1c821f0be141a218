"""The demo clinic that ``hub demo`` (and ``make run``) sets up, once.

A clinic ``demo`` in Europe/Moscow whose every channel goes to the built-in console
provider, so the whole flow works without any gateway account; and an admin token
kept in a local file (mode 0600), printed at each start.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from hub.db.crud import clinics as clinics_crud
from hub.db.crud import tokens as tokens_crud
from hub.db.models import ApiToken, PluginConfig
from hub.runtime import Runtime
from hub.schemas.clinics import ClinicCreate
from hub.security.tokens import hash_token

DEMO_CLINIC = ClinicCreate(
    id="demo",
    name="Демо-клиника на Ленина",
    timezone="Europe/Moscow",
    address="ул. Ленина, 1",
    phone="+74951234567",
    channels={"sms": ["console"], "voice": ["console"], "messenger": ["console"], "email": ["console"]},
    communication_status="Отправили SMS",
)


async def ensure(runtime: Runtime, token_file: Path) -> str:
    """Create what is missing of the demo; return the demo admin token."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        if await clinics_crud.get(session, clinic_id=DEMO_CLINIC.id) is None:
            await clinics_crud.create(session, data=DEMO_CLINIC, now=now)
        if await session.get(PluginConfig, (DEMO_CLINIC.id, "console")) is None:
            session.add(PluginConfig(clinic_id=DEMO_CLINIC.id, plugin="console", enabled=True,
                                     settings={}, updated_at=now))
        token = token_file.read_text().strip() if token_file.exists() else None
        if token:
            row = (await session.execute(
                sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token))  # type: ignore[arg-type]
            )).scalar_one_or_none()
            if row is None or row.revoked_at is not None:
                token = None
        if not token:
            _, token = await tokens_crud.create(
                session, name="demo admin", role="admin", clinic_id=None, now=now
            )
            fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(token + "\n")
    await sample_data(runtime)
    return token


async def sample_data(runtime: Runtime) -> None:
    """Sample reference data, patients and appointments (added as features land)."""
