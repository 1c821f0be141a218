"""Calling the probe plugin over HTTP, as the clinic system or an admin would."""

from __future__ import annotations

from typing import Any

import httpx

from hub.testing import Harness


async def act(
    hub: Harness, action: str, body: dict[str, Any] | None = None, clinic: str = "clinic-1"
) -> httpx.Response:
    """``POST /api/v1/clinics/{clinic}/plugins/probe/actions/{action}``."""
    return await hub.client.post(
        f"/api/v1/clinics/{clinic}/plugins/probe/actions/{action}", json=body or {}
    )


async def job_log(hub: Harness, clinic: str = "clinic-1") -> list[dict[str, Any]]:
    response = await hub.client.get(f"/api/v1/clinics/{clinic}/jobs", params={"plugin": "probe"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
