"""The operations pages over HTTP: the task log, dead deliveries re-queued, the feed,
the stop list, and tokens (admin only)."""

from __future__ import annotations

import re
from contextlib import aclosing
from typing import Any

import pytest
from adminkit import csrf_of, seed_clinic, sign_in
from gateway_plugin import GatewayPlugin

from hub import HookContext
from hub.testing import Harness, RecordingPlugin


class Broken(RecordingPlugin):
    """Fails every delivery until ``fixed``."""

    fixed = False

    async def react(self, ctx: HookContext[Any], hook: str, **args: Any) -> None:
        if not self.fixed:
            raise RuntimeError("the portal rejects our token")


@pytest.fixture
def broken() -> Broken:
    return Broken()


@pytest.fixture
def hub_extra_plugins(gateway: GatewayPlugin, broken: Broken) -> dict[str, object]:
    return {"gateway": gateway, "broken": broken}


async def test_the_task_log_lists_runs_and_filters(hub: Harness) -> None:
    await seed_clinic(hub)
    run = await hub.client.post("/api/v1/clinics/clinic-1/plugins/gateway/jobs/refresh_balance/run")
    assert run.status_code == 200, run.text
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/c/clinic-1/jobs")
        failed_only = await client.get("/admin/c/clinic-1/jobs?status=failed")
    assert "refresh_balance" in page.text and "Баланс 1234.56 руб." in page.text
    assert "data-run=" in page.text and "data-run=" not in failed_only.text


async def test_dead_deliveries_are_requeued(hub: Harness, broken: Broken) -> None:
    hub.runtime.settings = hub.runtime.settings.model_copy(update={"retry_max_attempts": 1})
    await seed_clinic(hub)
    await hub.enable("broken")
    await hub.put_patient("P-9", last_name="Петров")
    await hub.drain()
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/deliveries")
        (delivery,) = re.findall(r'data-delivery="(\d+)"', page.text)
        assert "the portal rejects our token" in page.text
        broken.fixed = True
        done = await client.post(
            f"/admin/deliveries/{delivery}/requeue", data={"csrf": csrf_of(page.text)}
        )
        assert done.status_code == 303
        await hub.drain()
        after = await client.get("/admin/deliveries")
    assert 'data-delivery="' not in after.text
    assert broken.hooks() == ["on_card_updated"]


async def test_the_feed_and_the_stop_list(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/c/clinic-1/stoplist")
        blocked = await client.post(
            "/admin/c/clinic-1/stoplist",
            data={"csrf": csrf_of(page.text), "phone": "8 918 777-66-55", "note": "просил"},
        )
        bad = await client.post(
            "/admin/c/clinic-1/stoplist", data={"csrf": csrf_of(page.text), "phone": "abc"}
        )
        listing = await client.get("/admin/c/clinic-1/stoplist")
        unblocked = await client.post(
            "/admin/c/clinic-1/stoplist",
            data={"csrf": csrf_of(page.text), "phone": "+79187776655", "action": "unblock"},
        )
        # a send to a card without a phone publishes card.warning to the feed
        await hub.put_patient("P-2", phones=[])
        await hub.client.post(
            "/api/v1/clinics/clinic-1/messages", json={"patient_id": "P-2", "text": "x"}
        )
        await hub.settle_feed()
        feed = await client.get("/admin/c/clinic-1/feed")
    assert blocked.status_code == unblocked.status_code == 303
    assert 'data-phone="+79187776655"' in listing.text and "просил" in listing.text
    assert bad.status_code == 422
    assert (await hub.client.get("/api/v1/clinics/clinic-1/stoplist")).json()["items"] == []
    assert 'data-event="card.warning"' in feed.text and "P-2" in feed.text


async def test_tokens_are_for_admins_only(hub: Harness) -> None:
    await seed_clinic(hub)
    webadmin = await hub.token("webadmin")
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/tokens")
        created = await client.post(
            "/admin/tokens",
            data={"csrf": csrf_of(page.text), "name": "регистратура", "role": "webadmin"},
        )
        new_token = re.findall(r"data-new-token>([^<]+)<", created.text)[0]
        listing = await client.get("/admin/tokens")
    assert new_token not in listing.text  # shown once
    async with aclosing(await sign_in(hub, new_token)) as client:
        journal = await client.get("/admin/journal")
        assert ">Токены</a>" not in journal.text
        refused = await client.get("/admin/tokens")
    assert refused.status_code == 403
    async with aclosing(await sign_in(hub, webadmin)) as client:
        page = await client.get("/admin/journal")
        forced = await client.post(
            "/admin/tokens", data={"csrf": csrf_of(page.text), "name": "x", "role": "admin"}
        )
    assert forced.status_code == 403
