"""Message templates and their previews, as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from hub.schemas.common import HTML_MAX_LENGTH, SUBJECT_MAX_LENGTH, StrictModel
from hub.schemas.messages import Channel, Clean, Ref

Recipient = Literal["patient", "doctor", "chief_doctor"]
Kind = str
KIND_FIELD = Field(
    "reminder",
    min_length=1,
    max_length=40,
    pattern=r"^[a-z][a-z0-9_]*$",
    description="The kind of message it writes: reminder, mailing, custom…",
)


class TemplateBase(StrictModel):
    name: Clean = Field(min_length=1, max_length=255)
    recipient: Recipient = Field("patient", description="Whom it writes to (seed 002: Абонент).")
    kind: str = KIND_FIELD
    channel: Channel = "sms"
    is_default: bool = Field(False, description="Used when a send names no template.")
    body: Clean = Field(min_length=1, max_length=4000)
    subject: Clean | None = Field(
        None,
        max_length=SUBJECT_MAX_LENGTH,
        description="E-mail subject, one line, with the body's placeholders; used when the "
        "message goes by `email` (ignored by other channels).",
    )
    html: Clean | None = Field(
        None,
        max_length=HTML_MAX_LENGTH,
        description="E-mail HTML body with the body's placeholders (values HTML-escaped; "
        "`{{`/`}}` for literal braces, e.g. in CSS); `body` is the plain-text part.",
    )


class TemplateCreate(TemplateBase):
    """``POST /api/v1/clinics/{clinic}/templates``."""


class TemplateUpdate(StrictModel):
    """``PATCH /api/v1/clinics/{clinic}/templates/{id}``: only the fields given change."""

    name: Clean | None = Field(None, min_length=1, max_length=255)
    recipient: Recipient | None = None
    kind: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    channel: Channel | None = None
    is_default: bool | None = None
    body: Clean | None = Field(None, min_length=1, max_length=4000)
    subject: Clean | None = Field(
        None, max_length=SUBJECT_MAX_LENGTH, description='null or "": none.'
    )
    html: Clean | None = Field(None, max_length=HTML_MAX_LENGTH, description='null or "": none.')


class TemplatePublic(TemplateBase):
    id: int
    clinic: str
    placeholders: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class TemplateList(BaseModel):
    items: list[TemplatePublic]


class PlaceholderPublic(BaseModel):
    name: str
    description: str
    aliases: list[str]
    sample: str


class PreviewRequest(StrictModel):
    """Render a body (or a saved template) for an appointment, or for a sample one."""

    body: str | None = Field(
        None,
        min_length=1,
        max_length=4000,
        description="A body to try; a saved template's own when omitted.",
    )
    appointment_id: Ref | None = None
    confirm_link: Clean | None = Field(None, max_length=500)
    subject: Clean | None = Field(
        None,
        max_length=SUBJECT_MAX_LENGTH,
        description="A subject to try; a saved template's own when omitted.",
    )
    html: Clean | None = Field(
        None,
        max_length=HTML_MAX_LENGTH,
        description="An HTML body to try; the template's when omitted.",
    )


class PreviewPublic(BaseModel):
    """The text as it would be sent, its length and SMS parts, and its gaps."""

    text: str
    characters: int = Field(description="In the encoding's units, as the limits count.")
    encoding: Literal["GSM-7", "UCS-2"]
    parts: int = Field(description="SMS parts: GSM-7 160/153, UCS-2 70/67 per part.")
    appointment_id: str
    sample: bool
    missing: list[str] = Field(description="Placeholders with no value: such a text is not sent.")
    sendable: bool
    subject: str | None = Field(None, description="The e-mail subject, when there is one.")
    html: str | None = Field(None, description="The e-mail HTML body, when there is one.")
