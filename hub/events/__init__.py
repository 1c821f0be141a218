"""Durable clinic events: the transactional outbox and its dispatcher.

    hub.events.emit(session, clinic_id=, hook=, subject=, payload=, now=, runtime=)
        write an event and its deliveries in the caller's transaction  (outbox)
    payloads      hook arguments <-> JSON, from the hookspecs' annotations
    dispatch      the worker step: claim due deliveries, call the plugins, record results
    retry         the back-off schedule
    history       reading the clinic's past events (schedules react to them)

Every ``on_*`` hook of :mod:`hub.hookspecs` goes through here; nothing else calls them.
"""

from hub.events.outbox import NewEvent, emit, emit_many, idempotency_key, subscribers
from hub.events.payloads import PayloadError

__all__ = ["NewEvent", "PayloadError", "emit", "emit_many", "idempotency_key", "subscribers"]
