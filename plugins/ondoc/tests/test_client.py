"""OndocClient against the fake portal: the assumed protocol, both tokens, every error."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from hub_ondoc.client import OndocClient
from hub_ondoc.const import Token
from hub_ondoc.portal import LinkRequest, OndocError, PortalAppointment

from .fake_ondoc import BRANCH_TOKEN, COMPANY_TOKEN, FakeOndoc

SERVER = "http://ondoc.test"
MSK = dt.timezone(dt.timedelta(hours=3))
START = dt.datetime(2026, 11, 24, 10, 30, tzinfo=MSK)


@pytest.fixture
def fake() -> FakeOndoc:
    return FakeOndoc()


def client_of(
    fake: FakeOndoc, company: str = COMPANY_TOKEN, branch: str = BRANCH_TOKEN
) -> OndocClient:
    http = httpx.AsyncClient(transport=fake.transport())
    return OndocClient(http, SERVER + "/", company, branch, timeout=2)


def patient(**fields: object) -> LinkRequest:
    base: dict[str, object] = {
        "mis_patient_id": "P-1",
        "last_name": "Иванов",
        "first_name": "Иван",
        "middle_name": "Иванович",
        "birth_date": dt.date(1980, 5, 17),
        "phone": "+79181234567",
    }
    return LinkRequest(**{**base, **fields})  # type: ignore[arg-type]


def visit(**fields: object) -> PortalAppointment:
    base: dict[str, object] = {
        "mis_patient_id": "P-1",
        "doctor_id": "D-7",
        "specialty_id": "S-3",
        "service_ids": ("SRV-1",),
        "start": START,
        "end": START + dt.timedelta(minutes=30),
        "cabinet": "214",
    }
    return PortalAppointment.model_validate({**base, **fields})


async def linked(fake: FakeOndoc, client: OndocClient, patient_id: str = "P-1") -> None:
    code = await client.issue_link_code(patient(mis_patient_id=patient_id))
    fake.enter_code(code.code)


class TestTokens:
    async def test_ping_answers_company_and_branch_with_either_token(self, fake: FakeOndoc) -> None:
        client = client_of(fake)
        for token in Token:
            ping = await client.ping(token)
            assert (ping.company, ping.branch) == (fake.company, fake.branch)
        assert [r.token for r in fake.requests] == [
            f"Bearer {COMPANY_TOKEN}",
            f"Bearer {BRANCH_TOKEN}",
        ]

    async def test_directories_go_with_the_company_token_the_rest_with_the_branch_token(
        self, fake: FakeOndoc
    ) -> None:
        client = client_of(fake)
        await client.put_directory("doctors", [{"id": "D-7", "name": "Петрова А. С."}])
        await client.directory_mapping("doctors")
        await client.link_changes(None)
        tokens = {r.path: r.token for r in fake.requests}
        assert tokens["/directories/doctors"] == f"Bearer {COMPANY_TOKEN}"
        assert tokens["/directories/doctors/mapping"] == f"Bearer {COMPANY_TOKEN}"
        assert tokens["/patients/links"] == f"Bearer {BRANCH_TOKEN}"

    async def test_a_wrong_branch_token_is_named_and_never_shown(self, fake: FakeOndoc) -> None:
        client = client_of(fake, branch="branch-wrong-123456")
        with pytest.raises(OndocError) as caught:
            await client.ping(Token.BRANCH)
        error = caught.value
        assert error.status == 401 and error.token is Token.BRANCH and not error.transient
        assert "branch_token" in str(error) and "Access token (новое API)" in str(error)
        assert "branch-wrong-123456" not in str(error)
        await client.ping(Token.COMPANY)  # the other one is fine

    async def test_a_wrong_company_token_fails_the_directories_only(self, fake: FakeOndoc) -> None:
        client = client_of(fake, company="company-wrong-1234")
        with pytest.raises(OndocError) as caught:
            await client.put_directory("services", [{"id": "SRV-1", "name": "Приём"}])
        assert caught.value.token is Token.COMPANY
        assert "Access token (старое API)" in str(caught.value)
        assert (await client.link_changes(None)).items == []


class TestLinking:
    async def test_a_code_is_nine_digits_and_the_patient_entering_it_shows_in_the_links_feed(
        self, fake: FakeOndoc
    ) -> None:
        client = client_of(fake)
        code = await client.issue_link_code(patient())
        assert len(code.code) == 9 and code.code.isdigit()
        assert code.expires_at.tzinfo is not None
        sent = fake.calls("POST", "/patients/link-codes")[0].body
        assert sent == {
            "mis_patient_id": "P-1",
            "last_name": "Иванов",
            "first_name": "Иван",
            "middle_name": "Иванович",
            "birth_date": "1980-05-17",
            "phone": "+79181234567",
        }
        fake.enter_code(code.code)
        page = await client.link_changes(None)
        assert [(i.mis_patient_id, i.state) for i in page.items] == [("P-1", "linked")]
        assert (await client.link_changes(page.next)).items == []
        fake.unlink("P-1")
        later = await client.link_changes(page.next)
        assert [(i.mis_patient_id, i.state) for i in later.items] == [("P-1", "unlinked")]

    async def test_an_already_linked_patient_is_a_permanent_409(self, fake: FakeOndoc) -> None:
        client = client_of(fake)
        await linked(fake, client)
        with pytest.raises(OndocError) as caught:
            await client.issue_link_code(patient())
        assert (caught.value.status, caught.value.code) == (409, "already_linked")
        assert not caught.value.transient

    async def test_missing_data_is_refused_naming_the_fields(self, fake: FakeOndoc) -> None:
        client = client_of(fake)
        with pytest.raises(OndocError) as caught:
            await client.issue_link_code(patient(phone=None, first_name=""))
        assert caught.value.status == 422 and caught.value.code == "invalid"
        assert set(caught.value.fields) == {"first_name", "phone"}
        assert "first_name" in str(caught.value)

    async def test_unlinking_a_patient_who_is_not_linked_is_not_linked(
        self, fake: FakeOndoc
    ) -> None:
        client = client_of(fake)
        await linked(fake, client)
        await client.unlink("P-1")
        assert fake.links == {}
        with pytest.raises(OndocError) as caught:
            await client.unlink("P-1")
        assert caught.value.code == "not_linked" and not caught.value.transient


class TestAppointments:
    async def test_put_sends_the_clinic_ids_and_times_with_their_offset(
        self, fake: FakeOndoc
    ) -> None:
        client = client_of(fake)
        await linked(fake, client)
        ondoc_id = await client.put_appointment("A-1", visit(comment="натощак"))
        assert ondoc_id and fake.appointment("A-1") is not None
        body = fake.calls("PUT", "/appointments/A-1")[0].body
        assert body == {
            "mis_patient_id": "P-1",
            "doctor_id": "D-7",
            "specialty_id": "S-3",
            "service_ids": ["SRV-1"],
            "start": "2026-11-24T10:30:00+03:00",
            "end": "2026-11-24T11:00:00+03:00",
            "cabinet": "214",
            "comment": "натощак",
        }

    async def test_an_unlinked_patient_is_refused_with_not_linked(self, fake: FakeOndoc) -> None:
        with pytest.raises(OndocError) as caught:
            await client_of(fake).put_appointment("A-1", visit())
        assert caught.value.code == "not_linked" and not caught.value.transient

    async def test_a_cancel_carries_its_reason(self, fake: FakeOndoc) -> None:
        client = client_of(fake)
        await linked(fake, client)
        await client.put_appointment("A-1", visit())
        await client.cancel_appointment("A-1", "Пациент заболел")
        appt = fake.appointment("A-1")
        assert appt is not None and (appt.status, appt.reason) == ("cancelled", "Пациент заболел")

    async def test_ids_with_slashes_stay_one_path_segment(self, fake: FakeOndoc) -> None:
        client = client_of(fake)
        await linked(fake, client, "P/1")
        await client.put_appointment("A/1", visit(mis_patient_id="P/1"))
        assert fake.appointment("A/1") is not None

    async def test_portal_bookings_come_through_the_changes_feed_and_are_acknowledged(
        self, fake: FakeOndoc
    ) -> None:
        client = client_of(fake)
        await linked(fake, client)
        booking = fake.book("P-1", doctor_id="D-7", start=START, service_ids=("SRV-1",))
        page = await client.booking_changes(None)
        [change] = page.items
        assert (change.id, change.type, change.mis_appointment_id) == (booking, "created", None)
        assert change.appointment.start == START and change.appointment.service_ids == ("SRV-1",)
        await client.ack_booking(booking, "A-77")
        assert fake.acks == {booking: "A-77"}
        fake.cancel(booking, "Передумал")
        [cancel] = (await client.booking_changes(page.next)).items
        assert (cancel.type, cancel.mis_appointment_id, cancel.reason) == (
            "cancelled",
            "A-77",
            "Передумал",
        )

    async def test_unreadable_items_are_set_aside_with_why_not_dropped(
        self, fake: FakeOndoc
    ) -> None:
        fake.answer_next["/appointments/changes"] = {
            "items": [
                {"id": "b-1", "type": "exploded", "appointment": {}, "at": "yesterday"},
                {
                    "id": "b-2",
                    "type": "created",
                    "mis_appointment_id": None,
                    "appointment": {"mis_patient_id": "P-1", "start": START.isoformat()},
                    "at": START.isoformat(),
                },
            ],
            "next": "2",
        }
        page = await client_of(fake).booking_changes(None)
        assert [c.id for c in page.items] == ["b-2"]
        [rejected] = page.rejected
        assert rejected.raw["id"] == "b-1" and "type" in rejected.problem
        assert page.next == "2"


class TestDirectories:
    async def test_upload_and_mapping_read_back(self, fake: FakeOndoc) -> None:
        client = client_of(fake)
        items = [{"id": "SRV-1", "name": "Приём", "price": 1500}, {"id": "SRV-2", "name": "УЗИ"}]
        assert await client.put_directory("services", items) == 2
        fake.map("services", "SRV-1", "ondoc-42")
        rows = await client.directory_mapping("services")
        assert {(r.mis_id, r.ondoc_id) for r in rows} == {("SRV-1", "ondoc-42"), ("SRV-2", None)}


class TestTransientAndPermanent:
    @pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
    async def test_server_errors_and_throttling_are_transient(
        self, fake: FakeOndoc, status: int
    ) -> None:
        fake.fail_next("/appointments", status)
        with pytest.raises(OndocError) as caught:
            await client_of(fake).booking_changes(None)
        assert caught.value.transient and caught.value.status == status
        assert f"HTTP {status}" in str(caught.value)

    async def test_a_time_out_is_transient(self, fake: FakeOndoc) -> None:
        fake.time_out_next("/patients/links")
        with pytest.raises(OndocError) as caught:
            await client_of(fake).link_changes(None)
        assert caught.value.transient and "did not answer in time" in str(caught.value)

    async def test_an_unreachable_portal_is_transient_and_names_the_server(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
        client = OndocClient(http, SERVER, COMPANY_TOKEN, BRANCH_TOKEN)
        with pytest.raises(OndocError) as caught:
            await client.ping(Token.BRANCH)
        assert caught.value.transient and SERVER in str(caught.value)

    async def test_a_wrong_server_path_is_permanent_and_says_to_check_the_server(
        self, fake: FakeOndoc
    ) -> None:
        http = httpx.AsyncClient(transport=fake.transport())
        client = OndocClient(http, SERVER + "/api/v9", COMPANY_TOKEN, BRANCH_TOKEN)
        with pytest.raises(OndocError) as caught:
            await client.ping(Token.BRANCH)
        assert not caught.value.transient and "check the server setting" in str(caught.value)

    async def test_an_answer_that_is_not_json_is_transient(self, fake: FakeOndoc) -> None:
        fake.answer_next["/patients/links"] = "<html>maintenance</html>"
        with pytest.raises(OndocError) as caught:
            await client_of(fake).link_changes(None)
        assert caught.value.transient and "not JSON" in str(caught.value)

    async def test_a_page_without_items_is_a_clear_error(self, fake: FakeOndoc) -> None:
        fake.answer_next["/patients/links"] = {"rows": []}
        with pytest.raises(OndocError) as caught:
            await client_of(fake).link_changes(None)
        assert "without a list of items" in str(caught.value)

    def test_both_tokens_are_required(self) -> None:
        with pytest.raises(ValueError, match="both tokens"):
            OndocClient(httpx.AsyncClient(), SERVER, COMPANY_TOKEN, "")
