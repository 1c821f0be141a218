"""Linking a card (issue §1, §2, §4): the code, where it goes, who is linked, unlinking."""

from __future__ import annotations

import datetime as dt

from hub_ondoc.linking import missing_fields

from hub import Card
from hub.testing import Harness

from .fake_ondoc import FakeOndoc
from .support import CLINIC, PLUGIN, action, events, link, linked_patient, poll


async def journal(hub: Harness) -> list[dict[str, object]]:
    return list((await hub.journal(CLINIC))["items"])


class TestTheCode:
    async def test_link_answers_a_nine_digit_code_and_sends_it_by_sms_first(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        answer = await link(hub)
        code = answer["code"]
        assert len(code) == 9 and code.isdigit() and answer["sent_to"] == "phone"
        sent = fake.calls("POST", "/patients/link-codes")[0].body
        assert sent["mis_patient_id"] == "P-1001" and sent["birth_date"] == "1980-05-17"
        assert sent["last_name"] == "Иванов" and sent["phone"] == "+79181234567"
        await hub.drain()
        [message] = await journal(hub)
        assert message["channel"] == "sms" and message["address"] == "+79181234567"
        assert message["kind"] == "ondoc_link_code" and message["status"] == "sent"
        detail = await hub.message(int(message["id"]))  # type: ignore[arg-type]
        assert code in detail["text"] and "Клиника clinic-1" in detail["text"]
        assert [(e["type"], e["data"]) for e in await events(hub)] == [
            ("ondoc.link_code_issued", {"patient_id": "P-1001", "sent_to": "phone"})
        ]

    async def test_a_code_goes_by_email_when_the_card_has_no_phone(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        await hub.put_patient("P-2", CLINIC, phones=[], birth_date="1990-01-02", email="a@b.ru")
        answer = await link(hub, "P-2")
        assert answer["sent_to"] == "email"
        await hub.drain()
        [message] = await journal(hub)
        assert message["channel"] == "email" and message["address"] == "a@b.ru"
        assert message["status"] == "sent"
        detail = await hub.message(int(message["id"]))  # type: ignore[arg-type]
        assert answer["code"] in detail["text"]
        [event] = await events(hub)
        assert event["data"] == {"patient_id": "P-2", "sent_to": "email"}

    async def test_a_code_goes_by_email_when_the_phone_is_not_a_mobile_number(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        await hub.put_patient(
            "P-4", CLINIC, phones=["12-34"], birth_date="1990-01-02", email="c@d.ru"
        )
        answer = await link(hub, "P-4")
        assert answer["sent_to"] == "email"
        assert "phone" not in fake.calls("POST", "/patients/link-codes")[0].body
        await hub.drain()
        [message] = await journal(hub)
        assert message["channel"] == "email" and message["status"] == "sent"

    async def test_email_first_when_the_clinic_puts_email_first(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        response = await hub.client.put(
            PLUGIN, json={"settings": {"contact_priority": ["email", "phone"]}}
        )
        assert response.status_code == 200, response.text
        assert (await link(hub))["sent_to"] == "email"
        await hub.drain()
        assert [m["channel"] for m in await journal(hub)] == ["email"]

    async def test_a_card_without_name_birth_date_or_contact_is_refused_naming_each(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        await hub.put_patient("P-3", CLINIC, phones=[], email=None)  # no birth date either
        response = await action(hub, "link", patient_id="P-3")
        assert response.status_code == 422
        detail = response.json()["detail"]
        for field in ("birth_date", "phone or email"):
            assert field in detail
        assert "last_name" not in detail and "first_name" not in detail
        assert fake.calls("POST", "/patients/link-codes") == []
        assert await journal(hub) == [] and await events(hub) == []

    async def test_a_card_whose_only_contact_is_not_in_the_priority_is_refused(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        response = await hub.client.put(PLUGIN, json={"settings": {"contact_priority": ["phone"]}})
        assert response.status_code == 200, response.text
        await hub.put_patient(
            "P-5", CLINIC, phones=["12-34"], birth_date="1990-01-02", email="e@f.ru"
        )
        response = await action(hub, "link", patient_id="P-5")
        assert response.status_code == 422
        assert "a mobile phone" in response.json()["detail"]
        assert fake.calls("POST", "/patients/link-codes") == []

    async def test_an_unknown_card_is_404_and_bad_input_422(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        assert (await action(hub, "link", patient_id="P-404")).status_code == 404
        assert (await action(hub, "link")).status_code == 422
        assert (await action(hub, "link", patient_id="P-1001", when="now")).status_code == 422

    async def test_while_valid_the_same_code_is_answered_and_sent_again_only_when_asked(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        first = await link(hub)
        again = await link(hub)
        assert again["code"] == first["code"] and again["sent"] is False
        assert len(fake.calls("POST", "/patients/link-codes")) == 1
        resent = await link(hub, resend=True)
        assert resent["code"] == first["code"] and resent["sent"] is True
        await hub.drain()
        assert len(await journal(hub)) == 2
        assert len(await events(hub)) == 2
        hub.clock.advance(dt.timedelta(hours=25).total_seconds())  # the fake's codes: 24 h
        later = await link(hub)
        assert later["code"] != first["code"] and later["sent"] is True

    async def test_a_code_the_portal_refuses_is_a_clear_error(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        fake.links["P-1001"] = "op-elsewhere"  # linked in the portal before the hub knew
        response = await action(hub, "link", patient_id="P-1001")
        assert response.status_code == 409 and "already linked" in response.json()["detail"]
        fake.links.clear()
        fake.fail_next("/patients/link-codes", 503)
        response = await action(hub, "link", patient_id="P-1001")
        assert response.status_code == 502 and "HTTP 503" in response.json()["detail"]
        assert await journal(hub) == [] and await events(hub) == []


def test_a_blank_name_is_named_too() -> None:
    """The hub refuses cards without a name; the plugin still names a blank one."""
    card = Card(id="P-9", last_name=" ", first_name="", birth_date=dt.date(1990, 1, 1))
    assert missing_fields(card) == ["last_name", "first_name", "phone or email"]


class TestLinkedAndUnlinked:
    async def test_the_poll_learns_who_entered_the_code_and_who_was_unlinked(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        answer = await link(hub)
        status = (await action(hub, "status", patient_id="P-1001")).json()
        assert status["linked"] is False and status["last_code"]["code"] == answer["code"]
        assert status["last_code"]["valid"] is True

        ondoc_id = fake.enter_code(answer["code"])
        run = await poll(hub)
        assert run["status"] == "ok" and "linked 1" in run["summary"]
        status = (await action(hub, "status", patient_id="P-1001")).json()
        assert status["linked"] is True and status["ondoc_patient_id"] == ondoc_id
        assert status["since"].startswith("2026-11-23T07:00")
        assert status["last_code"]["valid"] is False
        assert (await action(hub, "link", patient_id="P-1001")).status_code == 409

        await poll(hub)  # nothing new: nothing published twice
        fake.unlink("P-1001")
        await poll(hub)
        assert [e["type"] for e in await events(hub)] == [
            "ondoc.link_code_issued",
            "ondoc.patient_linked",
            "ondoc.patient_unlinked",
        ]
        status = (await action(hub, "status", patient_id="P-1001")).json()
        assert status["linked"] is False

    async def test_a_card_deleted_in_the_clinic_system_is_unlinked_in_the_portal(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        await linked_patient(hub, fake)
        response = await hub.client.delete(f"/api/v1/clinics/{CLINIC}/patients/P-1001")
        assert response.status_code in (200, 204), response.text
        await hub.drain()
        assert fake.links == {}
        [unlinked] = [e for e in await events(hub) if e["type"] == "ondoc.patient_unlinked"]
        assert unlinked["data"]["by"] == "card_deleted"

    async def test_a_card_never_linked_is_deleted_without_asking_the_portal(
        self, hub: Harness, fake: FakeOndoc, clinic: str
    ) -> None:
        await hub.client.delete(f"/api/v1/clinics/{CLINIC}/patients/P-1001")
        await hub.drain()
        assert fake.calls("DELETE", "/patients") == []
