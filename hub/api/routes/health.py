"""Liveness and metrics: ``GET /healthz``, ``GET /metrics`` (no token needed)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from hub.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(runtime: RuntimeDep) -> JSONResponse:
    """200 when the database answers; 503 otherwise."""
    try:
        async with runtime.db.session() as session:
            await session.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return JSONResponse({"status": "error", "database": type(exc).__name__}, 503)
    broken = sorted(n for n, p in runtime.host.plugins.items() if not p.loaded)
    return JSONResponse(
        {
            "status": "ok",
            "database": runtime.db.backend,
            "plugins": runtime.host.loaded_names(),
            "broken_plugins": broken,
        }
    )


@router.get("/metrics")
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus metrics: requests, hook calls and failures per plugin, deliveries."""
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
