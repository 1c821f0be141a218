"""Dependencies of the route handlers, as ``Annotated`` aliases.

    RuntimeDep      the process's Runtime
    PrincipalDep    the caller, from ``Authorization: Bearer <token>`` (401 otherwise)
    AdminDep        an admin (403 otherwise)
    StaffDep        an admin or webadmin
    ClinicAdmin     /clinics/{clinic}/...: admin only
    ClinicStaff     admin or webadmin
    ClinicSystem    admin or that clinic's own token (the МИС connector)
    ClinicReader    admin, webadmin or that clinic's own token

The clinic dependencies check the role first (403), then that the clinic exists (404),
so a clinic token cannot probe which other clinics exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import col

from hub.db.models import ApiToken
from hub.runtime import ClinicSnapshot, Runtime
from hub.security.tokens import hash_token

TOUCH_EVERY = dt.timedelta(minutes=1)


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop
    # (and anyio's bookkeeping) on every request for one attribute read.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name, role and (for ``clinic``) clinic."""

    token_id: int
    name: str
    role: str
    clinic_id: str | None

    @property
    def actor(self) -> str:
        """How audit logs name the caller."""
        return f"{self.name} (token {self.token_id}, {self.role})"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


#: Declares the bearer scheme in the OpenAPI document (so «Authorize» works in /docs);
#: the header itself is read below, with errors that say what to send.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A hub token: `hub token create --role admin`, or `.hub-admin-token` after "
    "`make run`. Sent as `Authorization: Bearer <token>`.",
)


async def get_principal(
    request: Request,
    runtime: RuntimeDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Principal:
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("Missing Authorization header: send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Authorization must be 'Bearer <token>'")
    digest = hash_token(token.strip())
    cached: Principal | None = runtime.principals.get(digest)
    if cached is not None:
        return cached
    async with runtime.db.session() as session:
        row = (
            await session.execute(sa.select(ApiToken).where(col(ApiToken.token_hash) == digest))
        ).scalar_one_or_none()
        if row is None or row.revoked_at is not None or row.id is None:
            raise _unauthorized("Invalid or revoked token")
        now = runtime.clock.now()
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            row.last_used_at = now
        principal = Principal(
            token_id=row.id, name=row.name, role=row.role, clinic_id=row.clinic_id
        )
    runtime.principals.put(digest, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise HTTPException(
                403, f"This needs the {' or '.join(roles)} role; this token is {principal.role}"
            )
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require("admin"))]
StaffDep = Annotated[Principal, Depends(require("admin", "webadmin"))]


@dataclass(frozen=True)
class ClinicAccess:
    """A caller allowed to act on a clinic that exists."""

    principal: Principal
    clinic: ClinicSnapshot

    @property
    def clinic_id(self) -> str:
        return self.clinic.info.id


def clinic_scope(*roles: str) -> Callable[..., Awaitable[ClinicAccess]]:
    async def check(
        principal: PrincipalDep,
        runtime: RuntimeDep,
        clinic: Annotated[str, Path(description="The clinic's id (slug).")],
    ) -> ClinicAccess:
        if principal.role not in roles:
            raise HTTPException(
                403, f"This needs the {' or '.join(roles)} role; this token is {principal.role}"
            )
        if principal.role == "clinic" and principal.clinic_id != clinic:
            raise HTTPException(403, "This token belongs to another clinic")
        snapshot = await runtime.snapshot(clinic)  # ClinicNotFound: 404
        return ClinicAccess(principal=principal, clinic=snapshot)

    return check


ClinicAdmin = Annotated[ClinicAccess, Depends(clinic_scope("admin"))]
ClinicStaff = Annotated[ClinicAccess, Depends(clinic_scope("admin", "webadmin"))]
ClinicSystem = Annotated[ClinicAccess, Depends(clinic_scope("admin", "clinic"))]
ClinicReader = Annotated[ClinicAccess, Depends(clinic_scope("admin", "webadmin", "clinic"))]
