"""An action's input may name a field by its alias (``"from"``, a Python keyword), and
only names the model knows pass the unknown-field check."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, Field

from hub import Action, hookimpl
from hub.testing import Harness


class Period(BaseModel):
    from_: dt.date = Field(alias="from")
    to: dt.date


class Periods:
    @hookimpl
    def register_actions(self) -> list[Action]:
        async def days(ctx: Any, data: Period) -> dict[str, int]:
            return {"days": (data.to - data.from_).days}

        return [Action("days", days, Period)]


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"periods": Periods()}


async def test_an_aliased_field_is_accepted_and_others_refused(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.enable("periods")
    url = "/api/v1/clinics/clinic-1/plugins/periods/actions/days"
    answer = await hub.client.post(url, json={"from": "2026-11-01", "to": "2026-11-08"})
    assert (answer.status_code, answer.json()) == (200, {"days": 7})
    extra = await hub.client.post(url, json={"from": "2026-11-01", "to": "2026-11-08", "x": 1})
    assert extra.status_code == 422 and extra.json()["errors"][0]["loc"] == ["body", "x"]
