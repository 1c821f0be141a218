"""The connection check and the plugin's status: both tokens, each named when refused."""

from __future__ import annotations

from hub.testing import Harness

from .fake_ondoc import COMPANY_TOKEN, FakeOndoc
from .support import CLINIC, PLUGIN, SETTINGS, poll


async def check(hub: Harness) -> dict[str, object]:
    response = await hub.client.post(f"{PLUGIN}/check")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_check_calls_the_portal_with_both_tokens(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    result = await check(hub)
    assert result["ok"] is True
    assert result["details"] == {"company": fake.company, "branch": fake.branch}
    assert {r.token for r in fake.calls("GET", "/ping")} == {
        f"Bearer {fake.company_token}",
        f"Bearer {fake.branch_token}",
    }


async def test_the_check_names_the_wrong_token(hub: Harness, fake: FakeOndoc, clinic: str) -> None:
    fake.branch_token = "rotated-in-the-portal"
    result = await check(hub)
    assert result["ok"] is False
    [problem] = result["problems"]  # type: ignore[misc]
    assert "branch_token" in problem and "Access token (новое API)" in problem
    assert "company_token" not in problem
    fake.company_token = "rotated-too"
    result = await check(hub)
    assert len(result["problems"]) == 2  # type: ignore[arg-type]


async def test_saving_settings_with_check_refuses_a_wrong_token_and_saves_nothing(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    response = await hub.client.put(
        f"{PLUGIN}?check=true", json={"settings": {"company_token": "typo-in-the-token"}}
    )
    assert response.status_code >= 400 and response.status_code != 500
    assert "company_token" in response.text and "typo-in-the-token" not in response.text
    assert (await check(hub))["ok"] is True


async def test_an_unreachable_portal_is_one_plain_sentence(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    fake.time_out_next("/ping")
    result = await check(hub)
    assert result["ok"] is False
    assert result["problems"] == ["GET /ping: ONDOC did not answer in time"]


async def test_a_wrong_branch_token_shows_in_the_job_log(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    fake.branch_token = "rotated-in-the-portal"
    run = await poll(hub)
    assert run["status"] == "error" and "branch_token" in run["summary"]
    assert SETTINGS["branch_token"] not in run["summary"]
    log = await hub.client.get(f"/api/v1/clinics/{CLINIC}/jobs", params={"plugin": "ondoc"})
    [logged] = log.json()["items"]
    assert logged["job"] == "poll" and logged["status"] == "error"
    assert "Access token (новое API)" in logged["summary"]


async def test_the_status_counts_linked_patients(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    response = await hub.client.get(f"{PLUGIN}/status")
    assert response.json()["status"]["linked_patients"] == 0
    assert COMPANY_TOKEN not in response.text
