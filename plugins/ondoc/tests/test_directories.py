"""Reference data (issue §6): uploaded through the platform's sync route and by the jobs,
the portal's manual mapping read back into the platform's mappings."""

from __future__ import annotations

from hub.testing import Harness

from .fake_ondoc import FakeOndoc
from .support import CLINIC, PLUGIN


async def sync(hub: Harness, kind: str) -> dict[str, object]:
    response = await hub.client.post(f"{PLUGIN}/sync/{kind}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_doctors_services_and_specialties_are_uploaded_and_the_mapping_read_back(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await hub.put_reference(
        "services",
        [
            {"id": "SRV-1", "name": "Приём терапевта", "price_list_section": "PL-A"},
            {"id": "SRV-2", "name": "УЗИ", "price_list_section": "PL-A"},
        ],
        CLINIC,
    )
    result = await sync(hub, "doctors")
    assert result["counts"] == {"uploaded": 1, "received": 1, "mapped": 0, "unmapped": 1}
    assert fake.directories["doctors"] == [
        {
            "id": "D-7",
            "name": "Петрова Анна Сергеевна",
            "last_name": "Петрова",
            "first_name": "Анна",
            "middle_name": "Сергеевна",
            "specialty_id": "S-3",
        }
    ]
    [upload] = fake.calls("PUT", "/directories/doctors")
    assert upload.token == "Bearer " + fake.company_token

    await sync(hub, "services")
    await sync(hub, "specialties")
    assert [i["id"] for i in fake.directories["services"]] == ["SRV-1", "SRV-2"]
    assert fake.directories["specialties"] == [{"id": "S-3", "name": "врач-терапевт"}]

    fake.map("services", "SRV-1", "ondoc-srv-1")  # someone maps it by hand in the portal
    result = await sync(hub, "services")
    assert result["counts"]["mapped"] == 1 and result["counts"]["unmapped"] == 1
    response = await hub.client.get(f"{PLUGIN}/mappings/services")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(m["hub_id"], m["external_id"]) for m in body["items"]] == [("SRV-1", "ondoc-srv-1")]
    assert [u["id"] if isinstance(u, dict) else u for u in body["unmapped"]] == ["SRV-2"]


async def test_the_sync_jobs_upload_on_a_schedule(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    for kind in ("doctors", "services", "specialties"):
        response = await hub.client.post(f"{PLUGIN}/jobs/sync_{kind}/run")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ok", response.json()
    assert set(fake.directories) == {"doctors", "services", "specialties"}


async def test_a_wrong_company_token_fails_the_sync_in_plain_words(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    fake.company_token = "another-company-token"
    response = await hub.client.post(f"{PLUGIN}/sync/doctors")
    assert 400 <= response.status_code < 600 and response.status_code != 500, response.text
    assert "company_token" in response.text and "Access token (старое API)" in response.text
    assert "company-0f3c9a7e51d2" not in response.text
