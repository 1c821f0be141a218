"""One run of a rule over the appointments it selected: decide, render, queue, warn.

    plan(...)     decide for each appointment (hub.reminders.eligibility), render the text
                  of each recipient, and list every skip with its reason
    execute(...)  queue the planned messages (one multi-row INSERT per 500, dedupe keys
                  decide what is new), store their answer links, publish ``card.warning``
                  for cards without a usable address

Idempotency lives in the dedupe key, ``<rule>:<appointment>:<appointment's local date>``
(``default:A-1:2026-11-24``): a rerun, a manual run after the automatic one or a second
worker at the same instant finds the key taken — the UNIQUE index decides, not Python —
and reports the appointment as ``already_sent``.  A rescheduled appointment (another
date) gets a new reminder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Message
from hub.messages import links, recipients
from hub.messages import templates as tpl
from hub.messages.queue import Draft, entry, queue_messages
from hub.reminders.eligibility import screen, warnings
from hub.reminders.rules import Rule
from hub.reminders.selection import ADDRESS_REASONS, Decision
from hub.text.phones import CardPhones
from hub.types import Appointment, ClinicInfo

if TYPE_CHECKING:
    from hub.runtime import Runtime

__all__ = ["RunOutcome", "Planned", "execute", "plan", "taken_keys"]

_MESSAGE = Message.__table__  # type: ignore[attr-defined]
PREVIEW_TOKEN = "…"


@dataclass(frozen=True)
class Planned:
    """A message to queue for one appointment."""

    appointment: Appointment
    address: str
    text: str
    dedupe_key: str
    token: str | None
    #: The channel chosen by contact priority, the ones after it, and the journal lines
    #: of the channels passed over (empty: the rule's only channel).
    channel: str | None = None
    rest: tuple[str, ...] = ()
    history: tuple[dict[str, Any], ...] = ()
    #: The e-mail subject and HTML body (rendered) when the message or a channel after it
    #: is ``email``.
    subject: str | None = None
    html: str | None = None
    #: The patient's full name (``Card.full_name``, joined once per message).
    name: str | None = None


#: Reasons a channel is passed over for the next one of the contact priority.
PASSABLE = ADDRESS_REASONS | {"stop_list"}


@dataclass
class Route:
    """How an appointment's patient is reached under contact priority."""

    channel: str
    rest: tuple[str, ...]
    history: list[dict[str, Any]]


async def by_priority(
    session: AsyncSession,
    clinic_id: str,
    decided: list[tuple[Appointment, Decision]],
    *,
    rule: Rule,
    region: str,
    now: dt.datetime,
    phones: Mapping[str, CardPhones] | None = None,
) -> tuple[list[tuple[Appointment, Decision]], dict[str, Route]]:
    """Each appointment the first channel cannot reach, tried on the next ones in order.

    Returns the decisions (the first usable channel's, or the first channel's when none
    can reach the patient, its detail naming every channel's reason) and the route of
    each appointment reached by a later channel."""
    channels = (rule.channel, *rule.more_channels)
    final = {a.id: d for a, d in decided}
    tried: dict[str, list[tuple[str, Decision]]] = {a.id: [(rule.channel, d)] for a, d in decided}
    routes: dict[str, Route] = {}
    for index, channel in enumerate(channels[1:], start=1):
        waiting = [a for a, _ in decided if a.id not in routes and final[a.id].reason in PASSABLE]
        if not waiting:
            break
        again = await screen(
            session,
            clinic_id,
            waiting,
            channel=channel,
            region=region,
            filters=rule.filters,
            phones=phones,
        )
        for appointment, decision in again:
            passed = tried[appointment.id]
            if decision.address is not None:
                lines = [
                    entry(now, "channel_skipped", "queued", channel=c, code=d.reason, text=d.detail)
                    for c, d in passed
                ]
                routes[appointment.id] = Route(channel, channels[index + 1 :], lines)
                final[appointment.id] = decision
            else:
                passed.append((channel, decision))
    out: list[tuple[Appointment, Decision]] = []
    for appointment, _ in decided:
        decision = final[appointment.id]
        passed = tried[appointment.id]
        if decision.address is None and len(passed) > 1:
            detail = "; ".join(f"{c}: {d.detail}" for c, d in passed)
            decision = Decision(None, decision.reason, detail)
        out.append((appointment, decision))
    return out, routes


@dataclass
class RunOutcome:
    """What a run did (or, dry, would do)."""

    recipients: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    queued: int = 0
    planned: list[Planned] = field(default_factory=list)
    warnings: dict[str, tuple[str, str]] = field(default_factory=dict)

    def skip(self, appointment: Appointment, reason: str, detail: str) -> None:
        self.skipped.append(
            {
                "appointment_id": appointment.id,
                "patient_id": appointment.patient_id,
                "reason": reason,
                "detail": detail,
            }
        )


async def taken_keys(session: AsyncSession, clinic_id: str, keys: Sequence[str]) -> set[str]:
    """Which of these dedupe keys already have a message in the clinic."""
    out: set[str] = set()
    for i in range(0, len(keys), 1000):
        rows = await session.execute(
            sa.select(_MESSAGE.c.dedupe_key).where(
                _MESSAGE.c.clinic_id == clinic_id, _MESSAGE.c.dedupe_key.in_(keys[i : i + 1000])
            )
        )
        out.update(rows.scalars())
    return out


def _render(rule: Rule, appointment: Appointment, clinic: ClinicInfo, link: str | None) -> str:
    context = tpl.TemplateContext.build(appointment, clinic, confirm_link=link)
    try:
        return tpl.render(rule.body, context)
    except tpl.EmptyPlaceholder:
        if rule.fallback is None:
            raise
        return tpl.render(rule.fallback, context)


def _render_email(
    rule: Rule, appointment: Appointment, clinic: ClinicInfo, link: str | None
) -> tuple[str | None, str | None]:
    """The rule's subject and HTML body for this appointment.

    :raises tpl.EmptyPlaceholder: one of them uses a placeholder without a value.
    """
    if rule.subject is None and rule.html is None:
        return None, None
    context = tpl.TemplateContext.build(appointment, clinic, confirm_link=link)
    subject = tpl.render_subject(rule.subject, context) if rule.subject else None
    html = tpl.render_html(rule.html, context) if rule.html else None
    return subject, html


async def plan(
    session: AsyncSession,
    runtime: Runtime,
    *,
    clinic: ClinicInfo,
    region: str,
    rule: Rule,
    appointments: Sequence[Appointment],
    day_key: Callable[[Appointment], str],
    dry_run: bool,
    phones: Mapping[str, CardPhones] | None = None,
) -> RunOutcome:
    """Who gets what, who is skipped and why; nothing is written.  ``phones``: the
    verdicts stored with the cards, by patient id (the others are checked here)."""
    outcome = RunOutcome()
    keys = {a.id: f"{rule.key}:{a.id}:{day_key(a)}" for a in appointments}
    taken = await taken_keys(session, clinic.id, list(keys.values()))
    uses_link = tpl.uses("confirm_link", rule.body, rule.subject, rule.html)
    public_url: str | None = None
    if uses_link:
        try:
            public_url = links.base_url(runtime.settings.public_url, runtime.settings.dev)
        except links.PublicUrlMissing:
            if not dry_run:
                raise
    decided = await screen(
        session,
        clinic.id,
        appointments,
        channel=rule.channel,
        region=region,
        filters=rule.filters,
        already_sent=lambda a: keys[a.id] in taken,
        phones=phones,
    )
    routes: dict[str, Route] = {}
    if rule.more_channels:
        decided, routes = await by_priority(
            session,
            clinic.id,
            decided,
            rule=rule,
            region=region,
            now=runtime.clock.now(),
            phones=phones,
        )
    outcome.warnings.update(warnings(decided))
    tokens = links.new_tokens(len(decided)) if uses_link and not dry_run else None
    for appointment, decision in decided:
        if decision.address is None:
            outcome.skip(appointment, decision.reason or "skipped", decision.detail)
            continue
        token = next(tokens) if tokens is not None else None
        link = links.url(public_url, token or PREVIEW_TOKEN) if uses_link else None
        try:
            text = _render(rule, appointment, clinic, link)
        except tpl.EmptyPlaceholder as exc:
            outcome.skip(appointment, "empty_placeholder", str(exc))
            continue
        card = appointment.patient
        name = card.full_name if card else None
        route = routes.get(appointment.id)
        channel = route.channel if route else rule.channel
        rest = route.rest if route else rule.more_channels
        subject = html = None
        if channel == "email":
            try:
                subject, html = _render_email(rule, appointment, clinic, link)
            except tpl.EmptyPlaceholder as exc:
                outcome.skip(appointment, "empty_placeholder", f"e-mail subject or html: {exc}")
                continue
        elif "email" in rest:
            try:  # for the fallback; a gap there leaves the e-mail text-only, untitled
                subject, html = _render_email(rule, appointment, clinic, link)
            except tpl.EmptyPlaceholder:
                subject = html = None
        outcome.planned.append(
            Planned(
                appointment,
                decision.address,
                text,
                keys[appointment.id],
                token,
                channel=channel,
                rest=rest,
                history=tuple(route.history) if route else (),
                subject=subject,
                html=html,
                name=name,
            )
        )
        outcome.recipients.append(
            {
                "appointment_id": appointment.id,
                "patient_id": appointment.patient_id,
                "name": name,
                "channel": channel,
                "address": decision.address,
                "start": appointment.start.isoformat(),
                "text": text,
            }
        )
    return outcome


async def execute(
    session: AsyncSession,
    runtime: Runtime,
    *,
    clinic_id: str,
    rule: Rule,
    outcome: RunOutcome,
    now: dt.datetime,
) -> RunOutcome:
    """Queue what :func:`plan` planned, in the caller's transaction."""
    drafts = [
        Draft(
            kind=rule.kind,
            channel=p.channel or rule.channel,
            address=p.address,
            text=p.text,
            dedupe_key=p.dedupe_key,
            recipient_name=p.name,
            patient_id=p.appointment.patient_id,
            appointment_id=p.appointment.id,
            appointment_at=p.appointment.start,
            communication_status=rule.communication_status,
            normalized=True,
            subject=p.subject if (p.channel or rule.channel) == "email" else None,
            html=p.html if (p.channel or rule.channel) == "email" else None,
            fallback=(
                {"channels": list(p.rest), "subject": p.subject, "html": p.html} if p.rest else None
            ),
            history=p.history,
        )
        for p in outcome.planned
    ]
    queued = await queue_messages(session, runtime, clinic_id=clinic_id, drafts=drafts)
    await links.save(
        session,
        [
            links.NewLink(p.token, clinic_id, p.appointment.id, p.appointment.start)
            for p in outcome.planned
            if p.token is not None and p.dedupe_key in queued
        ],
        now=now,
    )
    lost = {p.appointment.id for p in outcome.planned if p.dedupe_key not in queued}
    if lost:  # another run queued them between our read and our insert
        outcome.recipients = [r for r in outcome.recipients if r["appointment_id"] not in lost]
        for p in outcome.planned:
            if p.appointment.id in lost:
                outcome.skip(
                    p.appointment, "already_sent", "a reminder about it was already queued"
                )
    key_of = {p.appointment.id: p.dedupe_key for p in outcome.planned}
    for recipient in outcome.recipients:
        recipient["message_id"] = queued[key_of[recipient["appointment_id"]]]
    outcome.queued = len(queued)
    for patient_id, (reason, detail) in outcome.warnings.items():
        await recipients.warn(
            session,
            clinic_id=clinic_id,
            patient_id=patient_id,
            reason=reason,
            detail=detail,
            now=now,
        )
    return outcome
