"""The admin's session: a hub token kept in an encrypted, HTTP-only cookie, and CSRF.

Signing in checks the token exactly as the API does (``hub.api.deps.get_principal``:
unknown or revoked tokens are refused) and accepts the roles ``admin`` and
``webadmin``.  The cookie holds the token, a random CSRF key and the time of issue,
sealed with the hub's key (Fernet: a browser can neither read nor forge it); it is
``HttpOnly``, ``SameSite=Strict``, ``Path=/admin`` and ``Secure`` unless the page was
served over plain HTTP to a loopback address (a developer's own machine).  A session
lasts :data:`LIFETIME`; every request re-checks the token, so revoking it signs out.

Every POST under ``/admin`` must carry the session's CSRF key (the form field ``csrf``
or the header ``X-CSRF-Token``, which htmx sends); otherwise it is refused with 403
and nothing is done.  The sign-in form, which has no session yet, carries an HMAC
nonce of the time instead (like the patient's answer page).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from typing import Final

from fastapi import HTTPException, Request, Response
from starlette.requests import Request as RawRequest

from hub.api.deps import Principal, get_principal
from hub.runtime import Runtime
from hub.security.secrets import SecretKeyMissing

COOKIE: Final = "hub_admin"
LIFETIME: Final = dt.timedelta(hours=12)
ROLES: Final = ("admin", "webadmin")
NONCE_TTL: Final = dt.timedelta(hours=2)
_LOOPBACK: Final = ("127.0.0.1", "localhost", "::1", "[::1]")


class SignInRequired(Exception):
    """No valid session: the page answers with the sign-in form."""


class CsrfRefused(Exception):
    """A POST without the session's CSRF key."""


@dataclass(frozen=True)
class AdminSession:
    """The signed-in user: their token (never shown), CSRF key and who they are."""

    token: str
    csrf: str
    principal: Principal

    @property
    def is_admin(self) -> bool:
        return self.principal.role == "admin"


async def principal_of(runtime: Runtime, token: str) -> Principal | None:
    """Who ``token`` is, checked by the API's own dependency; None when refused."""
    scope = {
        "type": "http",
        "headers": [(b"authorization", f"Bearer {token}".encode("latin-1", "replace"))],
    }
    try:
        return await get_principal(RawRequest(scope), runtime)
    except HTTPException:
        return None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or (request.url.hostname or "") not in _LOOPBACK


def start(request: Request, response: Response, runtime: Runtime, token: str) -> None:
    """Set the session cookie for ``token`` on ``response``."""
    sealed = runtime.box.seal(
        {
            "token": token,
            "csrf": secrets.token_urlsafe(24),
            "at": int(runtime.clock.now().timestamp()),
        }
    )
    response.set_cookie(
        COOKIE,
        sealed or "",
        max_age=int(LIFETIME.total_seconds()),
        path="/admin",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="strict")


async def load(request: Request, runtime: Runtime) -> AdminSession | None:
    """The session of this request, or None (no cookie, forged, expired, token revoked
    or no longer an admin role)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = runtime.box.open(raw)
    except (SecretKeyMissing, ValueError, TypeError):
        return None
    token, csrf, at = data.get("token"), data.get("csrf"), data.get("at")
    if not (isinstance(token, str) and isinstance(csrf, str) and isinstance(at, int)):
        return None
    issued = dt.datetime.fromtimestamp(at, dt.UTC)
    if runtime.clock.now() - issued > LIFETIME:
        return None
    principal = await principal_of(runtime, token)
    if principal is None or principal.role not in ROLES:
        return None
    return AdminSession(token=token, csrf=csrf, principal=principal)


def csrf_ok(session: AdminSession, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf, given or "")


# --- the sign-in form's nonce ------------------------------------------------------------


def login_nonce(runtime: Runtime) -> str:
    stamp = str(int(runtime.clock.now().timestamp()))
    return f"{stamp}.{runtime.box.mac(f'admin-login:{stamp}')}"


def login_nonce_ok(runtime: Runtime, nonce: str) -> bool:
    stamp, _, mac = nonce.partition(".")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12) or not mac:
        return False
    if not hmac.compare_digest(mac, runtime.box.mac(f"admin-login:{stamp}")):
        return False
    issued = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    now = runtime.clock.now()
    return now - NONCE_TTL <= issued <= now + dt.timedelta(minutes=5)
