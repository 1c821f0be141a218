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


class LastAdmin(Exception):
    """Revoking this token would leave the hub with no working admin token."""


async def revoke(session: AsyncSession, *, token_id: int, now: dt.datetime) -> bool:
    """Revoke a token; ``False`` if there is no such token.

    :raises LastAdmin: it is the last admin token not revoked (the admin tokens are
        locked while counting, so two revocations at once cannot both pass).
    """
    row = await session.get(ApiToken, token_id)
    if row is None:
        return False
    if row.role == "admin" and row.revoked_at is None:
        admins = (
            await session.execute(
                sa.select(col(ApiToken.id))
                .where(col(ApiToken.role) == "admin", col(ApiToken.revoked_at).is_(None))
                .with_for_update()
            )
        ).all()
        if len(admins) <= 1:
            raise LastAdmin
    row.revoked_at = row.revoked_at or now
    return True
