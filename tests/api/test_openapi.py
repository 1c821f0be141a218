"""The API reference at /docs works offline and tells the truth about auth and errors."""

from __future__ import annotations

import re

from hub.testing import Harness


async def test_docs_load_their_scripts_from_the_hub_not_a_cdn(hub: Harness) -> None:
    page = await hub.client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assert assets, page.text
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    for asset in assets:
        fetched = await hub.client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 1000, asset
    redoc = await hub.client.get("/redoc")
    assert "https://" not in "".join(re.findall(r"""src=['"]([^'"]+)['"]""", redoc.text))


async def test_the_bearer_scheme_is_declared_so_authorize_works(hub: Harness) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["token"]["description"],
    }
    clinics = document["paths"]["/api/v1/clinics"]["get"]
    assert clinics["security"] == [{"token": []}]
    assert "security" not in document["paths"]["/healthz"]["get"]


async def test_each_route_declares_the_errors_it_can_give(hub: Harness) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    patient = document["paths"]["/api/v1/clinics/{clinic}/patients/{patient_id}"]["put"]
    assert {"401", "403", "404", "413", "415", "422"} <= set(patient["responses"])
    assert patient["responses"]["404"]["content"]["application/json"]["schema"]["required"] == [
        "detail"
    ]
    revoke = document["paths"]["/api/v1/tokens/{token_id}"]["delete"]
    assert "409" in revoke["responses"]
    assert "409" not in document["paths"]["/api/v1/clinics/{clinic}"]["get"]["responses"]


async def test_every_tag_is_described(hub: Harness) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    described = {t["name"] for t in document["tags"] if t.get("description")}
    used = {
        tag
        for ops in document["paths"].values()
        for op in ops.values()
        for tag in op.get("tags", [])
    }
    assert used <= described, used - described
