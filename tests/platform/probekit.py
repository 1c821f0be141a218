"""Helpers of the messaging and booking tests of the platform: a clinic whose channels
go to the probe plugin, and the probe's actions over HTTP."""

from __future__ import annotations

from typing import Any

from hub.testing import Harness

CLINIC = "clinic-1"


async def probe_clinic(
    hub: Harness, clinic: str = CLINIC, settings: dict[str, Any] | None = None, **options: Any
) -> None:
    """A clinic whose sms, voice and email go to the probe."""
    await hub.create_clinic(
        clinic, channels={"sms": ["probe"], "voice": ["probe"], "email": ["probe"]}, **options
    )
    await hub.enable("probe", clinic, settings=settings or {})


async def action(
    hub: Harness, name: str, body: dict[str, Any] | None = None, clinic: str = CLINIC
) -> Any:
    """Run a probe action; its JSON answer (any status is returned as ``(status, body)``
    when ``expect`` is not 200, see :func:`action_status`)."""
    response = await hub.client.post(
        f"/api/v1/clinics/{clinic}/plugins/probe/actions/{name}", json=body or {}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def action_status(
    hub: Harness, name: str, body: dict[str, Any], clinic: str = CLINIC
) -> tuple[int, Any]:
    response = await hub.client.post(
        f"/api/v1/clinics/{clinic}/plugins/probe/actions/{name}", json=body
    )
    return response.status_code, response.json()
