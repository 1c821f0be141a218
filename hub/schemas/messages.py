"""The journal, one message, a one-off send and the balance, as the API shows them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, field_serializer, model_validator

from hub.schemas.common import HTML_MAX_LENGTH, SUBJECT_MAX_LENGTH, ExternalId, StrictModel

Channel = Literal["sms", "voice", "messenger", "email"]

#: The largest row id the databases hold (64-bit); bigger ids are a 422, not a 500.
MAX_ID = 2**63 - 1
#: A row id in a body (template_id...).
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def no_nul(value: str) -> str:
    """Refuse the NUL character: PostgreSQL cannot store it in text."""
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\u0000)")
    return value


#: Text from a request, stored as is (NUL refused: a 422, not a database error).
Clean = Annotated[str, AfterValidator(no_nul)]
#: An id of the clinic system's own, NUL refused.
Ref = Annotated[ExternalId, AfterValidator(no_nul)]

#: Titles of message kinds as the clinics' journals name them (seed 001).
KIND_TITLES: dict[str, str] = {
    "reminder": "Напоминание",
    "link_code": "Прикрепление",
    "reminder_day_hospital": "Напоминание ДС",
    "vaccination": "Вакцинация COVID-19",
    "mailing": "Рассылка",
    "custom": "Сообщение",
}
STATUS_TITLES: dict[str, str] = {
    "queued": "Ожидает отправки",
    "sending": "Ожидает отправки",
    "sent": "Отправлено",
    "delivered": "Доставлено",
    "failed": "Ошибка отправки",
}
#: The journal's status filter: each word and the statuses it selects.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "queued": ("queued",),
    "sending": ("sending",),
    "sent": ("sent", "delivered"),
    "delivered": ("delivered",),
    "failed": ("failed",),
    "waiting": ("queued", "sending"),
    "error": ("failed",),
}


def money(value: Decimal | None) -> str | None:
    """``Decimal('0.5000')`` → ``"0.50"``; more precise amounts keep their digits."""
    if value is None:
        return None
    cents = value.quantize(Decimal("0.01"))
    return str(cents) if cents == value else str(value.normalize())


class BalancePublic(BaseModel):
    """The provider account's balance; ``amount`` is null when it could not be read."""

    provider: str | None
    amount: Decimal | None
    currency: str = "RUB"
    error: str | None = None

    @field_serializer("amount")
    def _amount(self, value: Decimal | None) -> str | None:
        return money(value)


class MessageRow(BaseModel):
    """One row of the journal."""

    id: int
    clinic: str
    clinic_name: str = Field("", description="«Наименование МО» of the journal.")
    kind: str
    kind_title: str
    recipient: str | None
    phone: str | None = Field(description="The address when the channel is a phone one.")
    address: str
    appointment_id: str | None
    appointment_at: dt.datetime | None
    channel: str
    provider: str | None
    status: str
    status_title: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    cost: Decimal | None
    error_code: str | None
    error: str | None

    @field_serializer("cost")
    def _cost(self, value: Decimal | None) -> str | None:
        return money(value)


class HistoryLine(BaseModel):
    """A status change or a provider attempt."""

    model_config = {"extra": "allow"}

    at: dt.datetime
    event: str
    status: str


class MessageDetail(MessageRow):
    """One message with its text, provider answer and full history."""

    text: str
    subject: str | None = Field(None, description="E-mail only: the subject line.")
    html: str | None = Field(None, description="E-mail only: the HTML body, if it had one.")
    patient_id: str | None
    mailing_id: int | None
    essential: bool
    provider_message_id: str | None
    attempts: int
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    history: list[HistoryLine]
    raw: Any = Field(description="The provider's last answer, secrets redacted.")


class Journal(BaseModel):
    """A page of the journal with the totals of the whole filtered set."""

    items: list[MessageRow]
    total: int
    total_cost: Decimal
    page: int
    per_page: int
    sent_from: dt.datetime | None
    sent_to: dt.datetime | None
    balance: BalancePublic | None = Field(
        None, description="The provider's balance when the journal shows one clinic."
    )

    @field_serializer("total_cost")
    def _total(self, value: Decimal) -> str:
        return money(value) or "0.00"


class SendRequest(StrictModel):
    """``POST /api/v1/clinics/{clinic}/messages``: a phone and a text, or an appointment
    (its patient) with a template (or the default template of ``kind``), or a patient
    with a text."""

    phone: Clean | None = Field(None, max_length=64, description="Any spelling; E.164 stored.")
    patient_id: Ref | None = None
    appointment_id: Ref | None = None
    template_id: RowId | None = None
    text: Clean | None = Field(None, max_length=4000)
    kind: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    channel: Channel = "sms"
    recipient_name: Clean | None = Field(None, max_length=255)
    essential: bool = False
    subject: Clean | None = Field(
        None,
        max_length=SUBJECT_MAX_LENGTH,
        description="The e-mail's subject (channel `email` only; empty: the provider's "
        "default subject).",
    )
    html: Clean | None = Field(
        None,
        max_length=HTML_MAX_LENGTH,
        description="An HTML body sent alongside `text` (channel `email` only).",
    )

    @model_validator(mode="after")
    def _email_parts(self) -> SendRequest:
        if self.channel != "email" and (self.subject is not None or self.html is not None):
            raise ValueError("subject and html are for the email channel only")
        if self.subject is not None and ("\n" in self.subject or "\r" in self.subject):
            raise ValueError("subject must be one line")
        return self

    @model_validator(mode="after")
    def _one_target(self) -> SendRequest:
        if self.phone is None and self.patient_id is None and self.appointment_id is None:
            raise ValueError("give phone, patient_id or appointment_id: whom to send to")
        if self.text is not None and self.template_id is not None:
            raise ValueError("give text or template_id, not both")
        if self.text is not None and not self.text.strip():
            raise ValueError("text is empty")
        if self.text is None and self.appointment_id is None:
            raise ValueError("text is required unless an appointment's template renders it")
        return self


class SendResult(BaseModel):
    """The queued message and the provider's balance (when it reports one)."""

    message: MessageDetail
    balance: BalancePublic | None
