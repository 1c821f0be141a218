"""Answer-page links: ``{HUB_PUBLIC_URL}/r/{token}``, one per reminder sent.

A token is ``secrets.token_urlsafe(16)``: 22 characters carrying 128 random bits,
short enough for an SMS and far beyond guessing (the issue asks for at least 96).
Only its SHA-256 is stored (``answer_link.token_hash``), so neither a database dump
nor a log of queries can answer for a patient; the token lives only in the message.
A link is valid until the appointment starts (``expires_at``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import AnswerLink
from hub.db.types import UTCDateTime, pg_time, sqlite_time

__all__ = [
    "DEV_PUBLIC_URL",
    "NewLink",
    "PublicUrlMissing",
    "TOKEN_BYTES",
    "base_url",
    "hash_token",
    "new_token",
    "new_tokens",
    "resolve",
    "save",
    "url",
]

#: 16 bytes = 128 bits of randomness per token.
TOKEN_BYTES: Final = 16
_LINK = AnswerLink.__table__  # type: ignore[attr-defined]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_tokens(count: int) -> Iterator[str]:
    """``count`` tokens like :func:`new_token`'s, from one read of the system's random
    source (a reminder run needs one per message: one read per token was a twentieth
    of its time)."""
    pool = secrets.token_bytes(count * TOKEN_BYTES)
    for i in range(0, len(pool), TOKEN_BYTES):
        yield base64.urlsafe_b64encode(pool[i : i + TOKEN_BYTES]).rstrip(b"=").decode("ascii")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: Where ``make run`` (dev mode) serves the hub.
DEV_PUBLIC_URL: Final = "http://127.0.0.1:8000"


class PublicUrlMissing(ValueError):
    """A text needs ``{confirm_link}`` but the hub does not know its public address."""


def base_url(public_url: str | None, dev: bool) -> str:
    """The base of patient links: ``HUB_PUBLIC_URL``, or in dev mode ``DEV_PUBLIC_URL``."""
    if public_url:
        return public_url
    if dev:
        return DEV_PUBLIC_URL
    raise PublicUrlMissing(
        "the text has {confirm_link} but HUB_PUBLIC_URL is not set: set it to the "
        "address patients reach the hub at (https://hub.example.org)"
    )


def url(public_url: str | None, token: str) -> str:
    """The link put in a message (a relative ``/r/...`` if ``HUB_PUBLIC_URL`` is unset)."""
    return f"{(public_url or '').rstrip('/')}/r/{token}"


@dataclass(frozen=True)
class NewLink:
    """A link to store: its token (kept only until the message is written)."""

    token: str
    clinic_id: str
    appointment_id: str
    expires_at: dt.datetime


async def save(session: AsyncSession, links: Sequence[NewLink], *, now: dt.datetime) -> None:
    """Store the links (hashed): on PostgreSQL one ``INSERT ... SELECT`` from a JSON
    text of 5,000, on SQLite one multi-row INSERT per 1,000 with the values in their stored form
    (a reminder run stores one link per message: SQLAlchemy's bind processors per value
    were a twentieth of its time)."""
    if not links:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        times: dict[dt.datetime, str] = {}
        for i in range(0, len(links), _PG_CHUNK):
            rows = [
                [
                    hash_token(link.token),
                    link.clinic_id,
                    link.appointment_id,
                    pg_time(link.expires_at, times),
                ]
                for link in links[i : i + _PG_CHUNK]
            ]
            await connection.execute(_PG_INSERT, {"rows": json.dumps(rows), "created_at": now})
        return
    times = {}
    created = sqlite_time(now, times)
    for i in range(0, len(links), _SQLITE_CHUNK):
        part = links[i : i + _SQLITE_CHUNK]
        params: list[Any] = []
        for link in part:
            params += (
                hash_token(link.token),
                link.clinic_id,
                link.appointment_id,
                created,
                sqlite_time(link.expires_at, times),
            )
        await connection.exec_driver_sql(
            _SQLITE_INSERT + ", ".join(["(?, ?, ?, ?, ?)"] * len(part)), tuple(params)
        )


_PG_CHUNK: Final = 5000
_PG_INSERT: Final = sa.text(
    "INSERT INTO answer_link (token_hash, clinic_id, appointment_id, created_at, expires_at) "
    "SELECT r->>0, r->>1, r->>2, :created_at, CAST(r->>3 AS timestamptz) "
    "FROM json_array_elements(CAST(:rows AS json)) AS r"
).bindparams(sa.bindparam("created_at", type_=UTCDateTime()))
#: 5 parameters a row: well under SQLite's 32,766.
_SQLITE_CHUNK: Final = 1000
_SQLITE_INSERT: Final = (
    "INSERT INTO answer_link (token_hash, clinic_id, appointment_id, created_at, expires_at) "
    "VALUES "
)


async def resolve(session: AsyncSession, token: str) -> AnswerLink | None:
    """The link of ``token`` (expired or not), or ``None`` for a token never issued."""
    if not token or len(token) > 100:
        return None
    return await session.get(AnswerLink, hash_token(token))
