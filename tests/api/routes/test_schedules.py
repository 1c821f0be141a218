"""Mailing schedules through the API: the seven kinds, validation per kind, roles."""

from __future__ import annotations

from typing import Any

import pytest

from hub.testing import Harness

KINDS: list[tuple[str, dict[str, Any]]] = [
    ("days_before", {"days": 2, "send_time": "13:00"}),
    ("minutes_before", {"minutes": 90, "only_created_today": True}),
    ("birthday", {"days_before": 0, "send_time": "12:00"}),
    ("after_services", {"days_after": 14, "send_time": "13:00", "services": ["SRV-1", "SRV-2"]}),
    ("after_status_change", {"minutes": 180, "status": "completed"}),
    ("lab_results_ready", {"minutes": 10, "only_when_complete": True}),
    ("discount_card_issued", {"minutes": 5}),
]

URL = "/api/v1/clinics/clinic-1/schedules"


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic("clinic-1")
    return "clinic-1"


@pytest.mark.parametrize(("kind", "params"), KINDS)
async def test_each_kind_round_trips(
    hub: Harness, clinic: str, kind: str, params: dict[str, Any]
) -> None:
    body = {
        "kind": kind,
        "params": params,
        "text": "{patient_first_name}, ждём вас {date}",
        "name": kind,
    }
    if kind == "discount_card_issued":
        body["text"] = "{patient_first_name}, ваша карта {discount_card_number}"
    created = await hub.client.post(URL, json=body)
    assert created.status_code == 201, created.text
    schedule = created.json()
    expected = {k: (f"{v}:00" if k == "send_time" else v) for k, v in params.items()}
    assert {k: schedule["params"][k] for k in params} == expected
    assert (schedule["kind"], schedule["channel"], schedule["enabled"]) == (kind, "sms", True)
    fetched = await hub.client.get(f"{URL}/{schedule['id']}")
    assert fetched.json() == schedule


async def test_several_schedules_of_one_kind_may_be_enabled(hub: Harness, clinic: str) -> None:
    for days in (1, 2):
        body = {"kind": "days_before", "params": {"days": days, "send_time": "12:00"}, "text": "x"}
        assert (await hub.client.post(URL, json=body)).status_code == 201
    listed = (await hub.client.get(URL, params={"kind": "days_before", "enabled": True})).json()
    assert [s["params"]["days"] for s in listed["items"]] == [1, 2]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (
            {"kind": "days_before", "params": {"days": -1, "send_time": "12:00"}, "text": "x"},
            ["params", "days"],
        ),
        ({"kind": "days_before", "params": {"days": 1}, "text": "x"}, ["params", "send_time"]),
        (
            {"kind": "days_before", "params": {"days": 1, "send_time": "25:00"}, "text": "x"},
            ["params", "send_time"],
        ),
        ({"kind": "minutes_before", "params": {"minutes": 0}, "text": "x"}, ["params", "minutes"]),
        (
            {
                "kind": "after_services",
                "params": {"days_after": 1, "send_time": "12:00", "services": []},
                "text": "x",
            },
            ["params", "services"],
        ),
        (
            {"kind": "after_status_change", "params": {"minutes": 5}, "text": "x"},
            ["params", "status"],
        ),
        (
            {
                "kind": "birthday",
                "params": {"days_before": 1, "send_time": "12:00", "days": 3},
                "text": "x",
            },
            ["params", "days"],
        ),
        ({"kind": "weekly", "params": {}, "text": "x"}, ["kind"]),
        (
            {
                "kind": "discount_card_issued",
                "params": {"minutes": 5},
                "text": "x",
                "channel": "fax",
            },
            ["channel"],
        ),
    ],
)
async def test_bad_parameters_are_named(
    hub: Harness, clinic: str, body: dict[str, Any], where: list[str]
) -> None:
    response = await hub.client.post(URL, json=body)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    named = [e for e in errors if e["loc"][-len(where) :] == where or f"'{where[-1]}'" in e["msg"]]
    assert named, errors


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "exactly one of template_id or text"),
        ({"text": "x", "template_id": 1}, "exactly one of template_id or text"),
        ({"text": "Ждём вас {when}"}, "unknown placeholder {when}"),
        ({"text": "Ждём вас {date:%d}"}, "may not have a format"),
        ({"template_id": 999}, "no template 999 in this clinic"),
    ],
)
async def test_text_problems_are_explained(
    hub: Harness, clinic: str, extra: dict[str, Any], message: str
) -> None:
    body = {"kind": "discount_card_issued", "params": {"minutes": 5}, **extra}
    response = await hub.client.post(URL, json=body)
    assert response.status_code == 422
    assert message in response.text


async def test_patch_merges_params_and_validates_them_for_the_kind(
    hub: Harness, clinic: str
) -> None:
    body = {
        "kind": "after_services",
        "params": {"days_after": 14, "send_time": "13:00", "services": ["SRV-1"]},
        "text": "x",
    }
    schedule = (await hub.client.post(URL, json=body)).json()
    patched = await hub.client.patch(
        f"{URL}/{schedule['id']}", json={"params": {"days_after": 7}, "enabled": False}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["params"] == {
        "days_after": 7,
        "send_time": "13:00:00",
        "services": ["SRV-1"],
    }
    assert patched.json()["enabled"] is False
    bad = await hub.client.patch(f"{URL}/{schedule['id']}", json={"params": {"minutes": 5}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "params", "minutes"]
    nulls = await hub.client.patch(f"{URL}/{schedule['id']}", json={"enabled": None, "name": None})
    assert nulls.status_code == 200 and nulls.json()["enabled"] is False


async def test_put_replaces_and_may_change_the_kind(hub: Harness, clinic: str) -> None:
    schedule = (
        await hub.client.post(
            URL,
            json={
                "kind": "birthday",
                "params": {"days_before": 0, "send_time": "12:00"},
                "text": "С днём рождения!",
            },
        )
    ).json()
    replaced = await hub.client.put(
        f"{URL}/{schedule['id']}",
        json={
            "kind": "discount_card_issued",
            "params": {"minutes": 1},
            "text": "Ваша карта готова",
            "communication_status": "Отправили SMS",
        },
    )
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["kind"], replaced.json()["communication_status"]) == (
        "discount_card_issued",
        "Отправили SMS",
    )


async def test_delete_and_unknown_ids(hub: Harness, clinic: str) -> None:
    schedule = (
        await hub.client.post(
            URL, json={"kind": "discount_card_issued", "params": {"minutes": 1}, "text": "x"}
        )
    ).json()
    assert (await hub.client.delete(f"{URL}/{schedule['id']}")).status_code == 204
    for method in ("get", "delete"):
        response = await getattr(hub.client, method)(f"{URL}/{schedule['id']}")
        assert response.status_code == 404 and "Unknown schedule" in response.json()["detail"]


async def test_schedules_belong_to_one_clinic(hub: Harness, clinic: str) -> None:
    await hub.create_clinic("clinic-2")
    schedule = (
        await hub.client.post(
            URL, json={"kind": "discount_card_issued", "params": {"minutes": 1}, "text": "x"}
        )
    ).json()
    assert (
        await hub.client.get(f"/api/v1/clinics/clinic-2/schedules/{schedule['id']}")
    ).status_code == 404
    other = hub.client_for(await hub.token("clinic", "clinic-2"))
    assert (await other.get(URL)).status_code == 403
    own = hub.client_for(await hub.token("clinic", "clinic-1"))
    assert (await own.get(URL)).json()["items"][0]["id"] == schedule["id"]
    assert (await hub.client_for(None).get(URL)).status_code == 401
