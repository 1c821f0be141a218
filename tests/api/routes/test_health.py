"""Liveness and metrics need no token."""

from __future__ import annotations

from hub.testing import Harness


async def test_healthz_reports_database_and_plugins(hub: Harness) -> None:
    response = await hub.client_for(None).get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}
    assert body["plugins"] == ["console"]


async def test_metrics_count_requests_by_route_template(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.client.get("/api/v1/clinics/clinic-1")
    await hub.client.get("/api/v1/clinics/nosuch")
    text = (await hub.client_for(None).get("/metrics")).text
    assert (
        'hub_http_requests_total{method="GET",route="/api/v1/clinics/{clinic}",status="200"} 1.0'
        in text
    )
    assert (
        'hub_http_requests_total{method="GET",route="/api/v1/clinics/{clinic}",status="404"} 1.0'
        in text
    )
