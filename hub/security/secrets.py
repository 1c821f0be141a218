"""Secrets at rest: Fernet encryption with the key from ``HUB_SECRET_KEY``.

Without a key the hub refuses to start, except in dev/demo mode (``HUB_DEV=1``), where
a key is generated once into ``HUB_SECRET_KEY_FILE`` with mode 0600 and reused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from hub.settings import HubSettings


class SecretKeyMissing(RuntimeError):
    """No ``HUB_SECRET_KEY`` outside dev mode."""


MASK = "••••"


def load_key(settings: HubSettings) -> bytes:
    """The Fernet key: ``HUB_SECRET_KEY``, or in dev mode the key file (created once)."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode()
        try:
            Fernet(key)
        except ValueError as exc:
            raise SecretKeyMissing(
                "HUB_SECRET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes); "
                "create one with: hub keygen"
            ) from exc
        return key
    if not settings.dev:
        raise SecretKeyMissing(
            "HUB_SECRET_KEY is not set. The hub encrypts plugin secrets with it and will not "
            "start without one. Create a key with `hub keygen` and set HUB_SECRET_KEY, or set "
            "HUB_DEV=1 for a development key kept in " + str(settings.secret_key_file)
        )
    path = settings.secret_key_file
    if path.exists():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


class SecretBox:
    """Encrypts and decrypts a JSON object of secret values."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        # A separate key for MACs, derived so that a MAC never reveals the Fernet key.
        self._mac_key = hashlib.sha256(b"clinic-hub mac\0" + key).digest()

    def mac(self, message: str) -> str:
        """An HMAC-SHA256 of ``message`` under the hub's key (hex): for values the hub
        hands out and must recognise later (the answer page's form nonce)."""
        return hmac.new(self._mac_key, message.encode(), hashlib.sha256).hexdigest()

    def seal(self, values: dict[str, Any]) -> str | None:
        if not values:
            return None
        return self._fernet.encrypt(json.dumps(values).encode()).decode()

    def open(self, token: str | None) -> dict[str, Any]:
        if not token:
            return {}
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise SecretKeyMissing(
                "stored secrets cannot be decrypted with this HUB_SECRET_KEY: was the key changed?"
            ) from exc
        return data


def mask(value: str) -> str:
    """``••••1170``: enough to recognise a secret, never enough to use it."""
    return MASK + value[-4:] if len(value) >= 12 else MASK
