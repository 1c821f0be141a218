"""HookContext: what a plugin gets with every call, and its ways to act on the hub.

A context is made for one (clinic, plugin) pair.  It carries data (the clinic, the
plugin's validated settings, the shared HTTP client, a bound logger, the idempotency
key of the current delivery) and coroutines that act on the hub on the plugin's
behalf: publish a feed event, keep state, read the mirrored clinic data, queue
messages, report delivery statuses and patient answers.  It never exposes a database
session: the hub's tables are not part of the plugin API.

Each coroutine is a one-line delegation to the context's :class:`hub.ports.HubServices`
(implemented by :mod:`hub.services`): this module holds no logic of the hub.

    http         ctx.http (httpx), post_form (a lean form POST for hot paths)
    feed         publish
    state        ctx.state.get / set / add / compare_and_set / delete / items
    clinic data  get_patient, get_appointment, find_appointments, find_cards,
                 remindable_appointments
    messages     queue_message, queue_to_patient, report_delivery, awaiting_report
    write-back   upsert_appointment (a booking made outside), report_lab_results
    plugin data  reference, store_reference, ctx.mappings, tables (hub.plugin_data)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as AbcMapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from hub.ports import HubServices
from hub.settings import PluginSettings
from hub.types import (
    Appointment,
    Card,
    ClinicInfo,
    DeliveryReport,
    HttpAnswer,
    LabResults,
    Mapping,
    Remindable,
    SyncResult,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

S = TypeVar("S", bound=PluginSettings)


class BoundLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger that prefixes every line with the clinic and plugin, and adds them as
    ``extra`` fields for structured handlers."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra = dict(self.extra or {})
        kwargs["extra"] = {**extra, **kwargs.get("extra", {})}
        return f"[{extra.get('clinic')}/{extra.get('plugin')}] {msg}", kwargs


class PluginState:
    """A plugin's own key/value store for one clinic (JSON values).

    Use it for link codes, cursors of a poll, small per-clinic facts: anything the
    plugin must remember between calls and across restarts.  A value stored with a
    ``ttl`` reads as absent once that time has passed.  ``add`` and
    ``compare_and_set`` are atomic across workers: use ``add`` to claim a unique
    value (a link code), ``compare_and_set`` to move a cursor only if nobody moved it.
    """

    def __init__(self, services: HubServices) -> None:
        self._hub = services

    async def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default`` if it is absent or expired."""
        return await self._hub.state_get(key, default)

    async def set(self, key: str, value: Any, ttl: dt.timedelta | None = None) -> None:
        """Store ``value`` under ``key`` (expiring after ``ttl``, if given)."""
        await self._hub.state_set(key, value, ttl)

    async def add(self, key: str, value: Any, ttl: dt.timedelta | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent or expired; ``False`` if it is taken."""
        return await self._hub.state_add(key, value, ttl)

    async def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: dt.timedelta | None = None
    ) -> bool:
        """Store ``new`` only if the value is ``expected`` now (``None``: absent or
        expired); ``False`` (nothing changed) otherwise."""
        return await self._hub.state_compare_and_set(key, expected, new, ttl)

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` if it was there."""
        return await self._hub.state_delete(key)

    async def items(self, prefix: str = "") -> dict[str, Any]:
        """Every live key starting with ``prefix``, with its value."""
        return await self._hub.state_items(prefix)


class PluginMappings:
    """A plugin's id mappings for one clinic (``ctx.mappings``): (hub id, external id)
    pairs of the mapping kinds it declared (``register_mapping_kinds``), many-to-many.

    Each method raises ``ValueError`` for a kind the plugin did not declare.
    """

    def __init__(self, services: HubServices) -> None:
        self._hub = services

    async def external_ids(self, kind: str, hub_id: str) -> list[str]:
        """The external ids ``hub_id`` maps to (sorted; empty if none)."""
        return [m.external_id for m in await self._hub.mapping_rows(kind, hub_id=hub_id)]

    async def hub_ids(self, kind: str, external_id: str) -> list[str]:
        """The hub ids mapped to ``external_id`` (sorted; empty if none)."""
        return [m.hub_id for m in await self._hub.mapping_rows(kind, external_id=external_id)]

    async def list(self, kind: str) -> list[Mapping]:
        """Every pair of ``kind``, by hub id then external id."""
        return await self._hub.mapping_rows(kind)

    async def put(self, kind: str, pairs: Iterable[tuple[str, str]], replace: bool = False) -> int:
        """Add ``(hub_id, external_id)`` pairs (present ones are kept); with ``replace``
        the pairs become the whole mapping of ``kind``.  Returns how many were new.

        :raises ValueError: an undeclared kind, or a blank or too long id.
        """
        return await self._hub.mapping_put(kind, pairs, replace)

    async def delete(
        self, kind: str, hub_id: str | None = None, external_id: str | None = None
    ) -> int:
        """Delete the pairs of ``hub_id`` and/or ``external_id`` (neither: every pair of
        ``kind``); how many went."""
        return await self._hub.mapping_delete(kind, hub_id, external_id)


class HookContext(Generic[S]):
    """The clinic, the plugin's settings and the hub's services for one hook call.

    :ivar clinic: the clinic the call is for (id, name, IANA time zone, contacts).
    :ivar plugin: this plugin's id (its entry-point name).
    :ivar settings: this plugin's validated settings for the clinic.
    :ivar http: the shared ``httpx.AsyncClient``; do not close it.  For a form POST
        sent once per message, :meth:`post_form` costs much less.
    :ivar log: a logger with the clinic and plugin bound.
    :ivar idempotency_key: stable across retries of the current delivery (``None``
        outside deliveries); pass it to services that honour one.
    :ivar state: the plugin's key/value store for this clinic.
    :ivar mappings: the plugin's id mappings for this clinic.
    """

    def __init__(
        self,
        *,
        services: HubServices,
        clinic: ClinicInfo,
        plugin: str,
        settings: S,
        idempotency_key: str | None = None,
    ) -> None:
        self._hub = services
        self.clinic = clinic
        self.plugin = plugin
        self.settings = settings
        self.http: httpx.AsyncClient = services.http
        self.idempotency_key = idempotency_key
        self.log = BoundLogger(
            logging.getLogger(f"hub.plugin.{plugin}"), {"clinic": clinic.id, "plugin": plugin}
        )
        self.state = PluginState(services)
        self.mappings = PluginMappings(services)

    def with_key(self, idempotency_key: str | None) -> HookContext[S]:
        """The same context for another delivery."""
        # a copy, not a new context: the worker asks for one per message, and the bound
        # logger, state and mappings depend only on the clinic and plugin
        ctx: HookContext[S] = object.__new__(type(self))
        ctx.__dict__.update(self.__dict__)
        ctx.idempotency_key = idempotency_key
        return ctx

    @property
    def public_url(self) -> str | None:
        """The hub's public base URL (``HUB_PUBLIC_URL``), for callback URLs; or ``None``."""
        return self._hub.public_url

    def now(self) -> dt.datetime:
        """The hub's current time (aware, UTC); tests control it."""
        return self._hub.now()

    async def post_form(
        self, url: str, form: AbcMapping[str, str], *, timeout: float | None = None
    ) -> HttpAnswer:
        """POST ``form`` (``application/x-www-form-urlencoded``) to ``url``; the whole answer.

        The same request as ``await ctx.http.post(url, data=form)``, for a plugin's hot
        path (one request per message): with the hub's aiohttp transport it goes straight
        to the shared aiohttp session, without httpx's request and response models, which
        cost more CPU than the request itself.  Where ``ctx.http`` has another transport
        (a test's ``httpx.MockTransport`` or ASGI app, ``HUB_HTTP_TRANSPORT=httpx``) it
        goes through ``ctx.http``, so a test's fake answers it as it answers ``ctx.http``.
        Redirects are not followed; the ``User-Agent`` is ``ctx.http``'s.

        :param url: the whole URL, query string included.
        :param form: the form fields; put secrets here rather than in ``url``.
        :param timeout: seconds for the whole request; ``None``: ``HUB_HTTP_TIMEOUT``.
        :returns: the status, body and headers, whatever the status (an HTTP 500 is an
            answer, not an exception).
        :raises httpx.TimeoutException: no answer in time.
        :raises httpx.TransportError: the request could not be made or the answer not
            read (``httpx.ConnectError`` when the connection was refused), as
            ``ctx.http`` raises them; the error's text never holds the form.
        """
        return await self._hub.post_form(url, form, timeout=timeout)

    async def publish(self, type: str, data: dict[str, Any]) -> str:
        """Publish an event in the clinic's feed for the clinic system to apply.

        Name it ``<plugin>.<what>`` (``ondoc.link_code_issued``) unless it is one of
        the feed's common types (``appointment.confirmed``...).  Returns its cursor.
        """
        return await self._hub.publish(type, data)

    # --- messages -----------------------------------------------------------------

    async def queue_message(
        self,
        *,
        kind: str,
        channel: str,
        address: str,
        text: str,
        patient_id: str | None = None,
        appointment_id: str | None = None,
        recipient_name: str | None = None,
        essential: bool = False,
        dedupe_key: str | None = None,
        not_before: dt.datetime | None = None,
        subject: str | None = None,
        html: str | None = None,
    ) -> int | None:
        """Queue a message to be sent through the clinic's providers for ``channel``.

        The message is journaled at once and delivered by the worker (quiet hours,
        rate limits, retries and fallback included), like the hub's own messages.

        :param kind: what it is (``link_code``, ``reminder``, ``custom``...), shown in
            the journal.
        :param channel: ``sms``, ``voice``, ``messenger`` or ``email``.
        :param address: a phone number (any spelling; local numbers are read in the
            clinic's region) or an e-mail address.
        :param essential: the patient asked for it (a link code): sent even if the
            patient opted out of informational messages.  The stop list blocks all.
        :param dedupe_key: at most one message per (clinic, plugin, key): pass
            ``ctx.idempotency_key`` from a retried hook so a retry queues nothing new.
        :param not_before: do not send before this (aware) time.
        :param subject: ``email`` only: the subject line.
        :param html: ``email`` only: an HTML body (``text`` is the plain-text one).
        :returns: the message id, or ``None`` if ``dedupe_key`` was already used.
        :raises ValueError: empty text, unknown channel, ``subject``/``html`` on another
            channel than ``email``, or an address the channel cannot use
            (``hub.messages.addresses.InvalidAddress`` with ``reason``).
        """
        return await self._hub.queue_message(
            kind=kind,
            channel=channel,
            address=address,
            text=text,
            patient_id=patient_id,
            appointment_id=appointment_id,
            recipient_name=recipient_name,
            essential=essential,
            dedupe_key=dedupe_key,
            not_before=not_before,
            subject=subject,
            html=html,
        )

    async def report_delivery(self, report: DeliveryReport) -> bool:
        """Record a delivery status learned from the provider (callback or poll).

        Moves this plugin's message of this clinic whose provider id is
        ``report.provider_message_id`` to ``delivered`` or ``failed`` (with the code
        and text), keeping its history.  Repeated reports are harmless.  A ``failed``
        report on a message queued by :meth:`queue_to_patient` queues it on the next
        channel.

        :returns: ``True`` if such a message exists.
        """
        return await self._hub.report_delivery(report)

    async def awaiting_report(self, older_than: dt.timedelta, limit: int = 100) -> list[str]:
        """Provider ids of this plugin's messages here still ``sent`` (no report yet)
        and sent longer ago than ``older_than``: what a status poll should ask about.

        Least recently polled first; each id returned is marked as polled now, so
        successive calls go round all of them.  Messages sent more than three days
        ago are no longer listed.
        """
        return await self._hub.awaiting_report(older_than, limit)

    # --- the clinic's data, as mirrored from its clinic system ---------------------------

    async def get_patient(self, patient_id: str) -> Card | None:
        """The patient's card, or ``None`` if the clinic never sent it.  A card the clinic
        deleted is returned with ``deleted=True``."""
        return await self._hub.get_patient(patient_id)

    async def get_appointment(self, appointment_id: str) -> Appointment | None:
        """The appointment (cancelled ones too) with its patient, doctor, specialty and
        services resolved, or ``None`` if unknown.  An id the clinic system adopted under
        its own (a booking made outside) finds the adopted appointment."""
        return await self._hub.get_appointment(appointment_id)

    async def find_appointments(
        self, start_from: dt.datetime, start_to: dt.datetime, include_cancelled: bool = False
    ) -> list[Appointment]:
        """Appointments starting in ``[start_from, start_to)`` (aware times; a naive one is
        the clinic's local time), ordered by start."""
        return await self._hub.find_appointments(start_from, start_to, include_cancelled)

    async def find_cards(self, phone: str) -> list[Card]:
        """The clinic's cards (not deleted) with ``phone`` among their phones: who is
        calling.  Any spelling (``+7 918 123-45-67``, ``89181234567``, ``79181234567``;
        local numbers read in the clinic's ``phone_region``); an indexed lookup of the
        E.164 forms written at intake.  A value that is no phone number finds nothing.
        """
        return await self._hub.find_cards(phone)

    async def remindable_appointments(self, day: dt.date, *, channel: str = "sms") -> Remindable:
        """The clinic's appointments still to come on local date ``day`` that a reminder
        over ``channel`` reaches (``eligible``), and the others with the reason
        (``skipped``): the rules of the hub's own reminders (cancelled, opt-out,
        inpatient, the default reminder's excluded services and price-list sections, no
        usable address, the stop list).  A card without a usable address also gets a
        ``card.warning`` in the feed, as a reminder run publishes it.  ``channel="voice"``
        accepts a landline.
        """
        return await self._hub.remindable_appointments(day, channel)

    async def queue_to_patient(
        self,
        patient_id: str,
        *,
        kind: str,
        text: str,
        channels: Sequence[str],
        subject: str | None = None,
        html: str | None = None,
        appointment_id: str | None = None,
        essential: bool = False,
        dedupe_key: str | None = None,
    ) -> int | None:
        """Queue a message to a patient on the first of ``channels`` that can reach them.

        ``sms``, ``voice`` and ``messenger`` use the card's phones, ``email`` its e-mail
        address.  A channel without a usable address (or whose address is on the stop
        list) is passed over; once queued, a permanent failure on a channel (the
        recipient refused, every provider failed, a ``failed`` delivery report) queues
        the message on the next channel.  The journal shows each attempt (lines
        ``channel_skipped`` and ``channel_fallback``).  ``subject`` and ``html`` are used
        when the message goes by ``email``.

        :returns: the first message's id, or ``None`` if ``dedupe_key`` was already used.
        :raises ValueError: an unknown channel or patient, or no channel with a usable
            address (the message names each channel's reason).
        """
        return await self._hub.queue_to_patient(
            patient_id,
            kind=kind,
            text=text,
            channels=channels,
            subject=subject,
            html=html,
            appointment_id=appointment_id,
            essential=essential,
            dedupe_key=dedupe_key,
        )

    # --- writing back ------------------------------------------------------------------

    async def upsert_appointment(self, external_id: str, data: dict[str, Any]) -> Appointment:
        """Create or change an appointment made outside the clinic system (a portal booking).

        ``data`` is what ``PUT /api/v1/clinics/{clinic}/appointments/{id}`` takes and is
        validated the same way.  The other enabled plugins get the usual event
        (``on_appointment_created``...; never this plugin itself), and the clinic system
        learns of it from its feed: ``appointment.booked`` for a new appointment,
        ``appointment.changed`` for a change, ``appointment.cancelled`` for a cancellation
        (``data`` holds the appointment; ``source`` is this plugin).  Once the clinic
        system adopted it under its own id (``"adopts"`` in its ``PUT``), a call with the
        same ``external_id`` changes that appointment, and the feed names its new id.

        :raises ValueError: naming each problem (unknown patient or doctor, end before
            start...); nothing is written then.
        """
        return await self._hub.upsert_appointment(external_id, data)

    async def report_answer(
        self, appointment_id: str, answer: str, reason: str | None = None
    ) -> bool:
        """Record the patient's answer this plugin learned (a voice robot's «1», a portal).

        Stored like an answer on the ``/r/`` page: published in the clinic's feed
        (``appointment.confirmed`` / ``appointment.cancelled_by_patient`` /
        ``appointment.callback_requested`` / ``appointment.restored_by_patient``, source:
        this plugin), passed to the other plugins through ``on_patient_answered`` and shown
        on the appointment in the API.

        :param answer: ``confirmed``, ``cancelled``, ``callback`` or ``restored`` (takes
            back the patient's own cancel).
        :param reason: why, for ``cancelled``.
        :returns: ``True`` if the answer was stored; ``False`` if it changed nothing (the
            same answer again) or could not be taken (the appointment started, was
            cancelled by the clinic, or the change came after the clinic's cut-off).
        :raises ValueError: an unknown appointment or answer.
        """
        return await self._hub.report_answer(appointment_id, answer, reason)

    async def set_communication_status(self, appointment_id: str, status: str) -> bool:
        """Show ``status`` as the appointment's communication status («статус
        коммуникации»: a voice robot's «Запись подтверждена»), as a sent message does.

        A change is stored on the appointment and published in the clinic's feed as
        ``appointment.communication_status`` (``message_id`` null); the value it already
        has publishes nothing.

        :returns: ``True`` if it changed; ``False`` if it was already so or the
            appointment is unknown.
        :raises ValueError: an empty status or one over 255 characters.
        """
        return await self._hub.set_communication_status(appointment_id, status)

    async def report_lab_results(self, results: LabResults) -> None:
        """Report laboratory results that came in: the other plugins get
        ``on_lab_results_ready`` and the clinic system a ``labs.results_ready`` feed event.

        :raises ValueError: if the patient (or the given appointment) is unknown.
        """
        await self._hub.report_lab_results(results)

    # --- plugin data: reference kinds, tables (hub.plugin_data) ------------------------

    async def reference(self, kind: str) -> list[dict[str, Any]]:
        """The clinic's current reference data of ``kind``: the hub's kinds (``doctors``,
        ``specialties``, ``services``, ``price_list_sections``) or one a plugin declared
        (``lab_tests``).  Each item as sent, with ``id``, plus the ``dative`` forms in
        use for doctors and specialties.

        :raises ValueError: for an unknown kind.
        """
        return await self._hub.reference(kind)

    async def store_reference(self, kind: str, items: list[dict[str, Any]]) -> SyncResult:
        """Replace this clinic's items of ``kind``, a kind this plugin declared
        (``register_reference_kinds``).  Each item is a dict with a string ``id``; the
        other fields are kept as given (JSON).  Items left out are marked removed.

        :returns: the counts (``created``, ``updated``, ``unchanged``, ``removed``), a
            :class:`hub.SyncResult` that ``sync_reference_data`` may return as is.
        :raises ValueError: an undeclared kind, an item without a string ``id``,
            duplicate ids.
        """
        return await self._hub.store_reference(kind, items)

    def tables(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """``async with ctx.tables() as conn:`` a SQLAlchemy ``AsyncConnection`` in a
        transaction (committed at the end of the block, rolled back if it raises) for
        Core statements on the plugin's own tables, those its migrations create
        (``register_migrations``).  Filter by ``ctx.clinic.id`` yourself; never touch
        the hub's tables."""
        return self._hub.tables()
