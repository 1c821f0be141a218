"""API tokens: create (the plain token is returned once), list, revoke."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.db.models import ApiToken
from hub.security.tokens import hash_token, new_token


async def create(
    session: AsyncSession, *, name: str, role: str, clinic_id: str | None, now: dt.datetime
) -> tuple[ApiToken, str]:
    token = new_token()
    row = ApiToken(
        name=name, role=role, clinic_id=clinic_id, token_hash=hash_token(token), created_at=now
    )
    session.add(row)
    await session.flush()
    return row, token


async def list_all(session: AsyncSession) -> Sequence[ApiToken]:
    return list((await session.execute(sa.select(ApiToken).order_by(col(ApiToken.id)))).scalars())


async def revoke(session: AsyncSession, *, token_id: int, now: dt.datetime) -> bool:
    row = await session.get(ApiToken, token_id)
    if row is None:
        return False
    row.revoked_at = row.revoked_at or now
    return True
