"""Linking cards to ONDOC: the 9-digit code, who is linked, unlinking.

    link        action «Привязать к OnDoc»: checks the card (full name, birth date, a
                phone or an e-mail: 422 naming each missing field), asks the portal for
                a code, answers it for the desk and sends it to the patient through the
                hub's providers in ``contact_priority`` order (``ctx.queue_to_patient``:
                the next contact when one is missing, unusable or fails for good);
                feed ``ondoc.link_code_issued``.  While the code is valid a second
                ``link`` answers the same code and sends nothing unless ``resend``.
    status      linked or not, since when, and the last code sent
    poll_links  part of the poll job: who entered a code (``ondoc.patient_linked``:
                their future appointments are sent then) and who was unlinked in the
                portal (``ondoc.patient_unlinked``)
    unlink_deleted_card   ``on_card_deleted``: unlinks the patient in the portal

Remembered in ``ctx.state``: ``code:<patient>`` (the valid code, expiring with it),
``last_code:<patient>``, ``link:<patient>`` (linked since, ONDOC's id), the links cursor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import phonenumbers
from hub_ondoc import const, mirror
from hub_ondoc.connection import Ctx, portal_of
from hub_ondoc.const import Err, Event
from hub_ondoc.feed import publish
from hub_ondoc.portal import LinkChange, LinkRequest, OndocError, Portal
from pydantic import BaseModel, ConfigDict, Field

from hub import ActionError, Card

#: How long a handled link change is remembered (a re-read page publishes nothing twice).
REMEMBER = dt.timedelta(days=60)


class LinkInput(BaseModel):
    """``link``: the card to link, and whether to send a still valid code again."""

    model_config = ConfigDict(extra="forbid")

    patient_id: str = Field(min_length=1, max_length=100)
    resend: bool = False


class StatusInput(BaseModel):
    """``status``: the card to describe."""

    model_config = ConfigDict(extra="forbid")

    patient_id: str = Field(min_length=1, max_length=100)


def missing_fields(card: Card) -> list[str]:
    """What a card lacks for a code (the seed: ФИО, дата рождения, телефон или e-mail)."""
    missing = [name for name in ("last_name", "first_name") if not getattr(card, name).strip()]
    if card.birth_date is None:
        missing.append("birth_date")
    if not card.phones and not (card.email or "").strip():
        missing.append("phone or email")
    return missing


# --- link -----------------------------------------------------------------------------------


async def link(ctx: Ctx, data: LinkInput) -> dict[str, Any]:
    card = await ctx.get_patient(data.patient_id)
    if card is None or card.deleted:
        raise ActionError(f"no card {data.patient_id} in this clinic", status=404)
    missing = missing_fields(card)
    if missing:
        raise ActionError(
            f"card {card.id} cannot be linked to ONDOC: missing {', '.join(missing)}", status=422
        )
    if _first_contact(ctx, card) is None:
        wanted = " or ".join(
            "a mobile phone" if c == "phone" else "an e-mail" for c in ctx.settings.contact_priority
        )
        raise ActionError(
            f"card {card.id} has no contact the code can go to: it needs {wanted} "
            f"(contact_priority: {', '.join(ctx.settings.contact_priority)})",
            status=422,
        )
    linked = await ctx.state.get(const.key_link(card.id))
    if linked is not None:
        raise ActionError(
            f"card {card.id} is already linked to ONDOC (since {linked['since']})", status=409
        )
    now = ctx.now()
    current = await ctx.state.get(const.key_code(card.id))
    if current is not None and not data.resend:
        return _answer(card.id, current, sent=False)
    if current is None:
        current = await _issue(ctx, card, now)
    sends = int(current.get("sends") or 0) + 1
    current = {**current, "sends": sends, "sent_to": await _send(ctx, card, current, sends)}
    await ctx.state.set(const.key_code(card.id), current, ttl=_ttl(current, now))
    await ctx.state.set(const.key_last_code(card.id), {**current, "at": now.isoformat()})
    await publish(
        ctx, Event.LINK_CODE_ISSUED, {"patient_id": card.id, "sent_to": current["sent_to"]}
    )
    return _answer(card.id, current, sent=True)


async def _issue(ctx: Ctx, card: Card, now: dt.datetime) -> dict[str, Any]:
    """A new code from the portal, stored unless another ``link`` stored one first."""
    request = LinkRequest(
        mis_patient_id=card.id,
        last_name=card.last_name.strip(),
        first_name=card.first_name.strip(),
        middle_name=card.middle_name.strip(),
        birth_date=card.birth_date,  # type: ignore[arg-type]  # checked by missing_fields
        phone=portal_phone(card.phones),
        email=card.email or None,
    )
    try:
        code = await portal_of(ctx).issue_link_code(request)
    except OndocError as exc:
        raise _action_error(card.id, exc) from None
    if code.expires_at <= now:
        raise OndocError("ONDOC issued a code that has already expired", transient=True)
    issued = {"code": code.code, "expires_at": code.expires_at.isoformat(), "sent_to": None}
    if not await ctx.state.add(const.key_code(card.id), issued, ttl=_ttl(issued, now)):
        stored = await ctx.state.get(const.key_code(card.id))
        if stored is not None:
            return dict(stored)
    return issued


async def _send(ctx: Ctx, card: Card, code: dict[str, Any], sends: int) -> str | None:
    """Queue the code to the patient (the ``sends``-th time); the contact it goes to first."""
    text = ctx.settings.code_message(code["code"], ctx.clinic.name)
    try:
        await ctx.queue_to_patient(
            card.id,
            kind=const.MESSAGE_KIND,
            text=text,
            channels=ctx.settings.channels(),
            subject=const.CODE_SUBJECT,
            essential=True,
            dedupe_key=f"code:{card.id}:{code['code']}:{sends}",
        )
    except ValueError as exc:
        raise ActionError(
            f"the code for card {card.id} cannot be sent: {exc}. "
            "Correct the card's phone or e-mail and link again",
            status=422,
        ) from None
    return _first_contact(ctx, card)


def portal_phone(phones: tuple[str, ...], region: str = "RU") -> str | None:
    """The card's first mobile number, in E.164 (``+79181234567``); ``None`` if none."""
    mobile = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    for raw in phones:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in mobile:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _first_contact(ctx: Ctx, card: Card) -> str | None:
    """The first contact of ``contact_priority`` the card has a usable address for (the
    hub's ``queue_to_patient`` passes over the others the same way)."""
    for contact in ctx.settings.contact_priority:
        if (contact == "phone" and portal_phone(card.phones)) or (
            contact == "email" and card.email
        ):
            return contact
    return None


def _ttl(code: dict[str, Any], now: dt.datetime) -> dt.timedelta:
    return max(dt.datetime.fromisoformat(code["expires_at"]) - now, dt.timedelta(seconds=1))


def _answer(patient_id: str, code: dict[str, Any], *, sent: bool) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "code": code["code"],
        "expires_at": code["expires_at"],
        "sent_to": code.get("sent_to"),
        "sent": sent,
    }


def _action_error(patient_id: str, exc: OndocError) -> Exception:
    """A refusal about the card as a 4xx; anything else (the portal down, a refused token)
    as itself: the hub answers 502 with its text and shows it among the plugin's errors."""
    if exc.code == Err.ALREADY_LINKED:
        return ActionError(f"ONDOC says card {patient_id} is already linked", status=409)
    if exc.code == Err.INVALID:
        fields = ", ".join(exc.fields) or "unspecified fields"
        return ActionError(f"ONDOC refused the card {patient_id}: invalid {fields}", status=422)
    return exc


# --- status ---------------------------------------------------------------------------------


async def status(ctx: Ctx, data: StatusInput) -> dict[str, Any]:
    linked = await ctx.state.get(const.key_link(data.patient_id))
    last = await ctx.state.get(const.key_last_code(data.patient_id))
    valid = await ctx.state.get(const.key_code(data.patient_id))
    return {
        "patient_id": data.patient_id,
        "linked": linked is not None,
        "since": None if linked is None else linked["since"],
        "ondoc_patient_id": None if linked is None else linked.get("ondoc_patient_id"),
        "last_code": None
        if last is None
        else {
            "code": last["code"],
            "sent_to": last.get("sent_to"),
            "sent_at": last["at"],
            "expires_at": last["expires_at"],
            "valid": valid is not None and valid["code"] == last["code"],
        },
    }


# --- what happened in the portal --------------------------------------------------------------


async def poll_links(ctx: Ctx, portal: Portal) -> dict[str, int]:
    """Apply the links feed since the stored cursor; counts of linked and unlinked."""
    counts = {"linked": 0, "unlinked": 0}
    cursor = await ctx.state.get(const.LINKS_CURSOR)
    for _ in range(const.MAX_POLL_PAGES):
        page = await portal.link_changes(cursor)
        for rejected in page.rejected:
            ctx.log.warning("ONDOC sent a link change that cannot be read: %s", rejected.problem)
        for change in page.items:
            counts[change.state] += await _apply_link(ctx, portal, change)
        if page.next is None or page.next == cursor or not (page.items or page.rejected):
            if page.next is not None:
                await ctx.state.set(const.LINKS_CURSOR, page.next)
            break
        cursor = page.next
        await ctx.state.set(const.LINKS_CURSOR, cursor)
    return counts


async def _apply_link(ctx: Ctx, portal: Portal, change: LinkChange) -> int:
    """Remember a link or an unlink; 1 if it is new (a re-read page publishes nothing)."""
    pid = change.mis_patient_id
    key = const.key_link(pid)
    at = change.at.astimezone(dt.UTC).isoformat()
    first = await ctx.state.add(f"linkchange:{pid}:{change.state}:{at}", True, ttl=REMEMBER)
    if change.state == "unlinked":
        current = await ctx.state.get(key)
        if not first or current is None or current["since"] > at:
            return 0
        await ctx.state.delete(key)
        await publish(ctx, Event.PATIENT_UNLINKED, {"patient_id": pid, "at": at, "by": "portal"})
        return 1
    if first:
        record = {"since": at, "ondoc_patient_id": change.ondoc_patient_id, "sent_future": False}
        await ctx.state.set(key, record)
        await ctx.state.delete(const.key_code(pid))
        await publish(
            ctx,
            Event.PATIENT_LINKED,
            {"patient_id": pid, "ondoc_patient_id": change.ondoc_patient_id, "at": at},
        )
    current = await ctx.state.get(key)
    if current is not None and current["since"] == at and not current.get("sent_future"):
        await mirror.send_future(ctx, portal, pid)
        await ctx.state.set(key, {**current, "sent_future": True})
    return 1 if first else 0


# --- card deleted -----------------------------------------------------------------------------


async def unlink_deleted_card(ctx: Ctx, card: Card) -> None:
    """Unlink a deleted card in the portal (failures raise: the outbox retries)."""
    known = any(
        [
            await ctx.state.get(const.key_link(card.id)) is not None,
            await ctx.state.get(const.key_last_code(card.id)) is not None,
        ]
    )
    if not known:
        return
    try:
        await portal_of(ctx).unlink(card.id)
    except OndocError as exc:
        if exc.code != Err.NOT_LINKED:
            raise
    await ctx.state.delete(const.key_code(card.id))
    if await ctx.state.delete(const.key_link(card.id)):
        await publish(
            ctx,
            Event.PATIENT_UNLINKED,
            {"patient_id": card.id, "at": ctx.now().isoformat(), "by": "card_deleted"},
        )
