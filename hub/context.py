"""HookContext: what a plugin gets with every call, and its ways to act on the hub.

A context is made for one (clinic, plugin) pair.  It carries data (the clinic, the
plugin's validated settings, the shared HTTP client, a bound logger, the idempotency
key of the current delivery) and coroutines that act on the hub on the plugin's
behalf: publish a feed event, keep state, read the mirrored clinic data, queue
messages, report delivery statuses and patient answers.  It never exposes a database
session: the hub's tables are not part of the plugin API.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from hub import feed, state
from hub.settings import PluginSettings
from hub.types import ClinicInfo, DeliveryReport

if TYPE_CHECKING:
    from hub.runtime import Runtime

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

    Use it for external-id mappings, link codes, cursors of a poll: anything the
    plugin must remember between calls and across restarts.
    """

    def __init__(self, runtime: Runtime, clinic_id: str, plugin: str) -> None:
        self._runtime, self._clinic_id, self._plugin = runtime, clinic_id, plugin

    async def get(self, key: str, default: Any = None) -> Any:
        return await state.get(self._runtime.db, self._clinic_id, self._plugin, key, default)

    async def set(self, key: str, value: Any) -> None:
        await state.put(
            self._runtime.db, self._clinic_id, self._plugin, key, value, self._runtime.clock.now()
        )

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` if it was there."""
        return await state.delete(self._runtime.db, self._clinic_id, self._plugin, key)

    async def items(self, prefix: str = "") -> dict[str, Any]:
        """Every key starting with ``prefix``, with its value."""
        return await state.items(self._runtime.db, self._clinic_id, self._plugin, prefix)


class HookContext(Generic[S]):
    """The clinic, the plugin's settings and the hub's services for one hook call.

    :ivar clinic: the clinic the call is for (id, name, IANA time zone, contacts).
    :ivar plugin: this plugin's id (its entry-point name).
    :ivar settings: this plugin's validated settings for the clinic.
    :ivar http: the shared ``httpx.AsyncClient``; do not close it.
    :ivar log: a logger with the clinic and plugin bound.
    :ivar idempotency_key: stable across retries of the current delivery (``None``
        outside deliveries); pass it to services that honour one.
    :ivar state: the plugin's key/value store for this clinic.
    """

    def __init__(
        self,
        *,
        runtime: Runtime,
        clinic: ClinicInfo,
        plugin: str,
        settings: S,
        idempotency_key: str | None = None,
    ) -> None:
        self._runtime = runtime
        self.clinic = clinic
        self.plugin = plugin
        self.settings = settings
        self.http: httpx.AsyncClient = runtime.http
        self.idempotency_key = idempotency_key
        self.log = BoundLogger(
            logging.getLogger(f"hub.plugin.{plugin}"), {"clinic": clinic.id, "plugin": plugin}
        )
        self.state = PluginState(runtime, clinic.id, plugin)

    def with_key(self, idempotency_key: str | None) -> HookContext[S]:
        """The same context for another delivery."""
        return HookContext(
            runtime=self._runtime, clinic=self.clinic, plugin=self.plugin,
            settings=self.settings, idempotency_key=idempotency_key,
        )

    @property
    def public_url(self) -> str | None:
        """The hub's public base URL (``HUB_PUBLIC_URL``), for callback URLs; or ``None``."""
        return self._runtime.settings.public_url

    def now(self) -> Any:
        """The hub's current time (aware, UTC); tests control it."""
        return self._runtime.clock.now()

    async def publish(self, type: str, data: dict[str, Any]) -> str:
        """Publish an event in the clinic's feed for the clinic system to apply.

        Name it ``<plugin>.<what>`` (``ondoc.link_code_issued``) unless it is one of
        the feed's common types (``appointment.confirmed``...).  Returns its cursor.
        """
        async with self._runtime.db.session() as session:
            return await feed.publish(
                session, clinic_id=self.clinic.id, type=type, data=data,
                source=self.plugin, at=self._runtime.clock.now(),
            )

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
        :returns: the message id, or ``None`` if ``dedupe_key`` was already used.
        :raises ValueError: empty text, unknown channel, or an address the channel
            cannot use (``hub.messages.addresses.InvalidAddress`` with ``reason``).
        """
        from hub.messages.queue import queue_message

        async with self._runtime.db.session() as session:
            message = await queue_message(
                session, self._runtime, clinic_id=self.clinic.id, kind=kind, channel=channel,
                address=address, text=text, recipient_name=recipient_name,
                patient_id=patient_id, appointment_id=appointment_id, essential=essential,
                dedupe_key=f"{self.plugin}:{dedupe_key}" if dedupe_key else None,
                not_before=not_before,
            )
            return message.id if message is not None else None

    async def report_delivery(self, report: DeliveryReport) -> bool:
        """Record a delivery status learned from the provider (callback or poll).

        Moves this plugin's message of this clinic whose provider id is
        ``report.provider_message_id`` to ``delivered`` or ``failed`` (with the code
        and text), keeping its history.  Repeated reports are harmless.

        :returns: ``True`` if such a message exists.
        """
        from hub.messages.reports import report_delivery

        async with self._runtime.db.session() as session:
            return await report_delivery(
                session, clinic_id=self.clinic.id, plugin=self.plugin, report=report,
                now=self._runtime.clock.now(),
            )

    async def awaiting_report(self, older_than: dt.timedelta, limit: int = 100) -> list[str]:
        """Provider ids of this plugin's messages here still ``sent`` (no report yet)
        and sent longer ago than ``older_than``: what a status poll should ask about.

        Least recently polled first; each id returned is marked as polled now, so
        successive calls go round all of them.  Messages sent more than three days
        ago are no longer listed.
        """
        from hub.messages.reports import awaiting_report

        async with self._runtime.db.session() as session:
            return await awaiting_report(
                session, clinic_id=self.clinic.id, plugin=self.plugin, older_than=older_than,
                limit=limit, now=self._runtime.clock.now(),
            )
