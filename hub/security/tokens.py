"""API tokens: random, shown once, stored as a SHA-256 hash.

Tokens carry 256 random bits, so an unsalted SHA-256 is the right hash: it cannot be
brute-forced and it lets the hub find a token by its hash in one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final, Literal

Role = Literal["admin", "webadmin", "clinic"]
ROLES: Final = ("admin", "webadmin", "clinic")
TOKEN_PREFIX: Final = "hub_"


def new_token() -> str:
    """A fresh token: ``hub_`` and 43 url-safe characters (256 bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
