"""API tokens: ``POST/GET /api/v1/tokens``, ``DELETE /api/v1/tokens/{id}`` (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from hub.api.deps import AdminDep, RuntimeDep
from hub.db.crud import clinics as clinics_crud
from hub.db.crud import tokens as crud
from hub.db.models import ApiToken
from hub.runtime import ClinicNotFound
from hub.schemas.tokens import TokenCreate, TokenCreated, TokenList, TokenPublic

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


def _public(row: ApiToken) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "clinic": row.clinic_id,
        "created_at": row.created_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


@router.post("", status_code=201, response_model=TokenCreated)
async def create_token(data: TokenCreate, runtime: RuntimeDep, _: AdminDep) -> TokenCreated:
    """Create a token; the answer is the only time the token itself is shown."""
    async with runtime.db.session() as session:
        if data.clinic and await clinics_crud.get(session, clinic_id=data.clinic) is None:
            raise ClinicNotFound(data.clinic)
        row, token = await crud.create(
            session, name=data.name, role=data.role, clinic_id=data.clinic, now=runtime.clock.now()
        )
        return TokenCreated(**_public(row), token=token)


@router.get("", response_model=TokenList)
async def list_tokens(runtime: RuntimeDep, _: AdminDep) -> TokenList:
    async with runtime.db.session() as session:
        rows = await crud.list_all(session)
    return TokenList(items=[TokenPublic(**_public(r)) for r in rows])


@router.delete(
    "/{token_id}",
    status_code=204,
    responses={409: {"description": "The last admin token cannot be revoked."}},
)
async def revoke_token(token_id: int, runtime: RuntimeDep, _: AdminDep) -> Response:
    """Revoke a token: it answers 401 from now on.  The last admin token cannot be
    revoked (409): create another admin token first, so nobody is locked out."""
    async with runtime.db.session() as session:
        try:
            revoked = await crud.revoke(session, token_id=token_id, now=runtime.clock.now())
        except crud.LastAdmin:
            raise HTTPException(
                409,
                f"Token {token_id} is the last admin token: revoking it would lock every "
                "admin out. Create another admin token first (POST /api/v1/tokens).",
            ) from None
        if not revoked:
            raise HTTPException(404, f"Unknown token {token_id}")
    runtime.principals.clear()
    return Response(status_code=204)
