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
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import AnswerLink

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
    """Store the links (hashed) in one multi-row INSERT."""
    if not links:
        return
    await session.execute(
        sa.insert(_LINK),
        [
            {
                "token_hash": hash_token(link.token),
                "clinic_id": link.clinic_id,
                "appointment_id": link.appointment_id,
                "created_at": now,
                "expires_at": link.expires_at,
            }
            for link in links
        ],
    )


async def resolve(session: AsyncSession, token: str) -> AnswerLink | None:
    """The link of ``token`` (expired or not), or ``None`` for a token never issued."""
    if not token or len(token) > 100:
        return None
    return await session.get(AnswerLink, hash_token(token))
