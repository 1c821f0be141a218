"""Plugin actions: the status a plugin answers on purpose with ``hub.ActionError``.

A 4xx passes through; so do 502, 503 and 504, for an outside system that failed, is
unavailable or never answered (a scanner at the desk); anything else, a 500 above all,
becomes 400 so that a plugin cannot make the hub look broken.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from hub import Action, ActionError, HookContext, hookimpl
from hub.testing import Harness

URL = "/api/v1/clinics/clinic-1/plugins/refuser/actions/refuse"


class RefuseInput(BaseModel):
    status: int


async def refuse(ctx: HookContext, data: RefuseInput) -> None:
    raise ActionError(f"refused with {data.status}", status=data.status)


class Refuser:
    @hookimpl
    def register_actions(self) -> list[Action]:
        return [Action("refuse", refuse, RefuseInput)]


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"refuser": Refuser()}


@pytest.fixture
async def ready(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    await hub.enable("refuser", "clinic-1")
    return hub


async def test_an_action_answers_the_status_it_chose(ready: Harness) -> None:
    for status in (400, 404, 409, 422, 429, 502, 503, 504):
        response = await ready.client.post(URL, json={"status": status})
        assert response.status_code == status
        assert response.json()["detail"] == f"refused with {status}"


async def test_any_other_status_becomes_400(ready: Harness) -> None:
    for status in (200, 302, 500, 501, 599):
        response = await ready.client.post(URL, json={"status": status})
        assert response.status_code == 400, status
        assert response.json()["detail"] == f"refused with {status}"
