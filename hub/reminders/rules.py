"""A *rule*: what one reminder or mailing sends, to whom, over which channel.

The clinic's default reminder (clinic options ``reminders``) and each mailing schedule
become a :class:`Rule`; the planner and the ticks work on rules only.

    rule key         from
    default          ClinicOptions.reminders (seed 000: daily, N days ahead)
    schedule:<id>    a MailingSchedule (seed 003: seven kinds)

The text is the schedule's own ``text``, or its ``template_id``; the default reminder
uses ``reminders.template_id``, else the clinic's default ``reminder`` template for the
channel, else the built-in text below (with the doctor when the appointment has one).

A message that goes by e-mail takes its subject from the schedule's own ``subject``, else
the template's, else (appointment reminders only) the clinic's ``reminders.subject``,
else none (the e-mail provider's ``default_subject``); its HTML body is the template's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.crud import templates as templates_crud
from hub.db.models import MailingSchedule, MessageTemplate
from hub.reminders.selection import Filters
from hub.schemas.clinics import ClinicOptions

__all__ = [
    "DEFAULT_BODY",
    "DEFAULT_BODY_NO_DOCTOR",
    "Rule",
    "RuleError",
    "default_rule",
    "schedule_rule",
]

DEFAULT_BODY: Final = (
    "{patient_name_patronymic}, напоминаем: {date} ({weekday}) в {time} вы записаны к "
    "{doctor_dative_short}, {clinic_address}. Подтвердите или отмените: {confirm_link}"
)
DEFAULT_BODY_NO_DOCTOR: Final = (
    "{patient_name_patronymic}, напоминаем: {date} ({weekday}) в {time} вы записаны на приём, "
    "{clinic_address}. Подтвердите или отмените: {confirm_link}"
)
#: Message kinds in the journal: appointment reminders are ``reminder``; the other
#: schedule kinds are journaled under their own name.
REMINDER_KINDS: Final = frozenset({"default", "days_before", "minutes_before"})


class RuleError(LookupError):
    """The rule cannot run as configured (its template is gone, say)."""


@dataclass(frozen=True)
class Rule:
    """Everything a run needs besides the appointments."""

    key: str
    kind: str
    channel: str
    body: str
    fallback: str | None = None
    filters: Filters = field(default_factory=Filters)
    communication_status: str | None = None
    schedule: MailingSchedule | None = None
    #: Contact priority: the channels after ``channel`` to try, in order.
    more_channels: tuple[str, ...] = ()
    #: The subject of the messages that go by e-mail (a template, like ``body``).
    subject: str | None = None
    #: The HTML body of the messages that go by e-mail (a template, like ``body``).
    html: str | None = None


async def _template(
    session: AsyncSession, clinic_id: str, template_id: int | None
) -> MessageTemplate | None:
    if template_id is None:
        return None
    template = await templates_crud.get(session, clinic_id=clinic_id, template_id=template_id)
    if template is None:
        raise RuleError(f"template {template_id} no longer exists in clinic {clinic_id!r}")
    return template


def _literal(text: str) -> str:
    """A plain text (the clinic option ``reminders.subject``) as a template of itself."""
    return text.replace("{", "{{").replace("}", "}}")


async def default_rule(session: AsyncSession, clinic_id: str, options: ClinicOptions) -> Rule:
    """The clinic's daily reminder as a rule."""
    reminders = options.reminders
    template = await _template(session, clinic_id, reminders.template_id)
    fallback = None
    if template is None:
        template = await templates_crud.default(
            session, clinic_id=clinic_id, kind="reminder", channel=reminders.priority[0]
        )
    body = template.body if template is not None else None
    if body is None:
        body, fallback = DEFAULT_BODY, DEFAULT_BODY_NO_DOCTOR
    return Rule(
        key="default",
        kind="reminder",
        channel=reminders.priority[0],
        more_channels=reminders.priority[1:],
        subject=(template.subject if template is not None else None) or _literal(reminders.subject),
        html=template.html if template is not None else None,
        body=body,
        fallback=fallback,
        filters=Filters(
            frozenset(reminders.excluded_services),
            frozenset(reminders.excluded_price_list_sections),
        ),
    )


async def schedule_rule(
    session: AsyncSession, schedule: MailingSchedule, options: ClinicOptions
) -> Rule:
    """A mailing schedule as a rule; appointment reminders honour the clinic's exclusions."""
    template = None
    if not schedule.text:
        template = await _template(session, schedule.clinic_id, schedule.template_id)
    body = schedule.text or (template.body if template is not None else None)
    if body is None:
        raise RuleError(f"schedule {schedule.id} has neither a text nor a template")
    reminders = options.reminders
    is_reminder = schedule.kind in REMINDER_KINDS
    subject = (
        schedule.subject
        or (template.subject if template is not None else None)
        or (_literal(reminders.subject) if is_reminder else None)
    )
    filters = (
        Filters(
            frozenset(reminders.excluded_services),
            frozenset(reminders.excluded_price_list_sections),
        )
        if is_reminder
        else Filters()
    )
    return Rule(
        key=f"schedule:{schedule.id}",
        kind="reminder" if is_reminder else schedule.kind,
        channel=schedule.channel,
        body=body,
        filters=filters,
        communication_status=schedule.communication_status,
        schedule=schedule,
        subject=subject,
        html=template.html if template is not None else None,
    )
