# mypy: disable-error-code="empty-body,type-arg"
"""The hooks a clinic-hub plugin can implement: the plugin author's reference.

A plugin is a module (or any object) exposed through the ``clinic_hub`` entry-point
group of its distribution; the entry-point name is the plugin id everywhere (URLs,
settings, logs, journal).  It implements some of the hooks below with ``@hookimpl``::

    from hub import HookContext, DeliveryResult, OutgoingMessage, hookimpl

    @hookimpl
    async def send_message(ctx: HookContext, message: OutgoingMessage) -> DeliveryResult:
        ...

How the hub calls hooks
-----------------------
* **Per clinic.**  Every call except registration is made for one clinic and reaches
  only the plugins an admin enabled for that clinic (``PUT /api/v1/clinics/{clinic}/
  plugins/{plugin}``).  ``ctx`` carries the clinic, the plugin's validated settings
  for it, the shared ``httpx.AsyncClient`` (``ctx.http``; ``ctx.post_form`` for a
  form POST sent once per message, without httpx's cost), a logger with the clinic and
  plugin bound, and the ways to act on the hub (feed events, messages, plugin state,
  mirrored data).
* **Sync or async.**  Implementations may be ``def`` or ``async def``.  A plain ``def``
  runs in a worker thread, so blocking code (a SOAP client, a file) cannot stall the
  hub; use ``async def`` when you call ``ctx`` methods, which are coroutines.
* **Keyword arguments.**  Hooks are called by argument name; an implementation may
  accept fewer arguments than the spec names (pluggy's rule), never more.
* **Isolated.**  Each implementation is called on its own, under a time limit
  (``HUB_PLUGIN_TIMEOUT``, 30 s by default).  An exception or a time-out is logged
  with the clinic, plugin and hook, counted in ``/metrics``, shown as the plugin's
  last error in ``GET /api/v1/plugins``, and never reaches the other plugins, the
  caller or the hub.  Each hook's ``Failure:`` line says what happens next.
* **Durable notifications.**  The ``on_*`` hooks are delivered from a transactional
  outbox: each (event, plugin) pair is a delivery with its own attempts, retried with
  exponential back-off and jitter, parked as *dead* after ``HUB_RETRY_MAX_ATTEMPTS``
  (visible and re-queueable through ``/api/v1/deliveries``).  Deliveries about one
  appointment or card reach a plugin in the order they happened, one at a time.
  Delivery is at-least-once: ``ctx.idempotency_key`` is stable across retries of the
  same delivery; pass it to services that honour one.

Hooks are grouped below in lifecycle order: registration (once, at start), settings,
clinic data events, patient answers, delivery, reference data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.context import HookContext
    from hub.registration import Action, Job, PluginRouter
    from hub.settings import PluginSettings
    from hub.types import (
        Appointment,
        Balance,
        Card,
        ChannelSpec,
        CheckResult,
        CostEstimate,
        DeliveryResult,
        FieldChange,
        LabResults,
        MappingKind,
        OutgoingMessage,
        PatientAnswer,
        ReferenceKind,
        Service,
        SyncResult,
    )

PROJECT_NAME = "clinic_hub"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


# --- registration ---------------------------------------------------------------------
# Called once per plugin when the hub starts, without a clinic and without ctx.


@hookspec(firstresult=True)
def register_settings_model() -> type[PluginSettings] | None:
    """Declare the model of this plugin's per-clinic settings.

    Called once at start for each plugin.  The model's JSON schema is published in
    ``GET /api/v1/plugins``; every ``PUT`` of the plugin's settings is validated
    against it (422 naming each bad field) and ``ctx.settings`` is an instance of it.
    Fields typed ``SecretStr`` are encrypted at rest, masked on every read and never
    logged; so is a ``SecretStr`` inside a nested model or a list item (``labs:
    list[Lab]`` with a ``token`` each), whose stored value is kept when an update
    leaves it out or sends it back masked (items are matched by ``id``, ``name``,
    ``code`` or ``key``, else by position).  Subclass :class:`hub.PluginSettings`,
    or :class:`hub.ChannelSettings` for a plugin that delivers messages (it adds
    ``rate_limit_per_second``).

    :returns: a subclass of :class:`hub.PluginSettings`, or ``None`` for a plugin
        without settings.

    Stops at first non-None result.
    Failure: the plugin is listed as broken with the error and is not loaded.

    .. versionadded:: 0.1
    """


@hookspec
def register_channels() -> list[str | ChannelSpec]:
    """Declare the message channels this plugin can deliver over.

    Called once at start.  A clinic routes each channel (``sms``, ``voice``,
    ``messenger``, ``email``) to an ordered list of provider plugins; only plugins that
    declared the channel may be listed, and :func:`send_message` is called only for
    messages of these channels.  A :class:`hub.ChannelSpec` also states the provider's
    own limits: ``ChannelSpec(name="sms", max_parts=8)`` makes a one-off send of a
    longer text answer 422 instead of failing at the provider.

    :returns: channel names, e.g. ``["sms"]``, or :class:`hub.ChannelSpec` objects.

    All results are collected.
    Failure: the plugin is listed as broken with the error and is not loaded.

    .. versionadded:: 0.1
    """


@hookspec
def register_routes() -> list[PluginRouter | APIRouter]:
    """Serve HTTP routes: provider callbacks and other webhooks.

    Called once at start.  A bare ``fastapi.APIRouter`` is mounted under
    ``/plugins/{plugin}``; wrap it in :class:`hub.PluginRouter` with ``at_root=True``
    to claim a legacy path a vendor is already configured to call (paths of the hub
    itself cannot be claimed).  Routes are public: authenticate the sender yourself
    (a signature over the account secret, a per-clinic secret in the path).  A handler
    gets a :class:`hub.HookContext` for a clinic through the ``hub.PluginHubDep``
    dependency: ``await hub.context(clinic_id)``, or ``hub.contexts()`` to find the
    clinic whose settings match a signature.

    :returns: routers to mount.

    All results are collected.
    Failure: the plugin is listed as broken with the error and is not loaded.

    .. versionadded:: 0.1
    """


@hookspec
def register_jobs() -> list[Job]:
    """Declare periodic jobs, run for every clinic the plugin is enabled for.

    Called once at start.  Each :class:`hub.Job` runs every ``every`` or daily ``at``
    a local time of the clinic (either may name a settings field, so each clinic
    chooses).  The scheduler never runs two copies of the same (clinic, plugin, job)
    at once, even across several ``hub worker`` processes, and logs each run with its
    duration and outcome (``GET /api/v1/clinics/{clinic}/jobs``).

    A job runs under its own time limit: ``Job(..., timeout=<seconds>)``, 600 s when
    not given; a run past it is stopped and logged as an error.  Due jobs of
    different clinics run concurrently (at most ``HUB_JOB_CONCURRENCY`` clinics at
    once), so one clinic's slow poll does not delay the others; one clinic's jobs
    run one after the other.  ``Job(name, sync_kind="lab_tests", every=...)`` is a
    scheduled reference-data sync: each run calls this plugin's
    :func:`sync_reference_data` for that kind and logs the counts it answered.

    :returns: the jobs.

    All results are collected.
    Failure: the plugin is listed as broken with the error and is not loaded.  A
        failing *run* is logged in the job log and recorded as the plugin's last
        error; the next run happens as scheduled.

    .. versionadded:: 0.1
    """


@hookspec
def register_actions() -> list[Action]:
    """Declare actions an admin or the clinic system can ask this plugin to perform.

    Called once at start.  Each :class:`hub.Action` is served as ``POST /api/v1/
    clinics/{clinic}/plugins/{plugin}/actions/{name}``: the body is validated by the
    action's ``input_model`` (422 otherwise) and the action's return value is the
    response.  Examples: send an appointment to a voice robot, link a card to a
    patient portal (returns the code), scan a document, print a label.

    An action may answer a file: return ``hub.FileAnswer(content, media_type,
    filename)`` (bytes or text) and the route answers exactly those bytes with that
    ``Content-Type`` and ``Content-Disposition: attachment; filename=...`` (a ZPL
    label, a PDF of results).  Anything else is answered as JSON.  An action runs
    under ``HUB_PLUGIN_TIMEOUT`` (30 s) unless it declares its own time limit,
    ``Action(..., timeout=<seconds>)`` (a document scan, a lab order).

    :returns: the actions.

    All results are collected.
    Failure: the plugin is listed as broken with the error and is not loaded.  A
        failing *run* answers 502 with the plugin's error, or the status and message
        of a :class:`hub.ActionError` the action raised on purpose.

    .. versionadded:: 0.1
    """


@hookspec
def register_reference_kinds() -> list[ReferenceKind]:
    """Declare the kinds of reference data this plugin brings (Labs: ``lab_tests``).

    Called once at start.  Each :class:`hub.ReferenceKind` becomes a kind like the
    hub's own (``doctors``, ``specialties``, ``services``, ``price_list_sections``):
    stored per clinic, served by ``GET /api/v1/clinics/{clinic}/reference/{name}``,
    replaceable by ``PUT`` on the same path (items are objects with a string ``id``;
    other fields are kept as sent), readable by every plugin with
    ``await ctx.reference(name)`` and usable as the ``hub_kind`` of a mapping kind.
    This plugin fills it with ``await ctx.store_reference(name, items)``, typically
    from :func:`sync_reference_data`.

    Names are lowercase letters, digits and ``_`` (at most 40), unique across the
    hub: the hub's own kinds and another loaded plugin's are refused.

    :returns: the kinds.

    All results are collected.
    Failure: the plugin is listed as broken with the error and is not loaded (an
        invalid or taken name included).

    .. versionadded:: 0.2
    """


@hookspec
def register_mapping_kinds() -> list[MappingKind]:
    """Declare the kinds of id mapping this plugin keeps between hub and outside ids.

    Called once at start.  A :class:`hub.MappingKind` (``MappingKind("services",
    hub_kind="services")``: the clinic's services to the portal's) is a set of
    (hub id, external id) pairs per clinic, many-to-many: one hub id may map to
    several external ids and one external id to several hub ids (Labs maps services
    to lab tests both ways).  The plugin reads and writes them through
    ``ctx.mappings`` (``external_ids``, ``hub_ids``, ``list``, ``put``,
    ``delete``); an admin through ``GET/PUT/DELETE /api/v1/clinics/{clinic}/
    plugins/{plugin}/mappings/{name}``, whose ``GET`` also lists the items of
    ``hub_kind`` not mapped yet.  Kinds belong to the plugin: two plugins may both
    have a ``services`` mapping.

    :returns: the kinds.

    All results are collected.
    Failure: the plugin is listed as broken with the error and is not loaded.

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def register_migrations() -> Path | str | None:
    """Ship Alembic migrations for tables of this plugin's own.

    Called by ``hub db upgrade`` (and ``hub serve`` at start).  Most plugins need no
    tables: ``ctx.state`` keeps per-clinic key/value data.  A plugin that does returns
    a folder of Alembic revision scripts on a branch of its own (``branch_labels =
    ("<plugin>",)``, first ``down_revision = None``, ``depends_on = "hub_base"``);
    the hub adds it to its version locations and upgrades every head.

    The plugin reaches its tables with ``async with ctx.tables() as conn:``, a
    SQLAlchemy ``AsyncConnection`` in a transaction (committed when the block ends,
    rolled back on an exception), for SQLAlchemy Core statements on ``sa.Table``
    objects the plugin defines itself.  Prefix table names with the plugin id and put
    a ``clinic_id`` column in each: the connection is not limited to this clinic's
    rows or this plugin's tables, filtering is the plugin's duty.  Never touch the
    hub's own tables: they are not part of the plugin API.

    :returns: the folder of revision scripts, or ``None``.

    Stops at first non-None result.
    Failure: the upgrade stops with the error; the hub does not start on a schema it
        could not migrate.

    .. versionadded:: 0.1
    """


# --- settings --------------------------------------------------------------------------


@hookspec(firstresult=True)
def check_settings(ctx: HookContext) -> CheckResult | None:
    """Test the connection: check that the settings are valid and the service reachable.

    Called when an admin saves settings with ``PUT .../plugins/{plugin}?check=true``
    (before saving them: a failed check saves nothing) and on demand by ``POST
    .../plugins/{plugin}/check``.  Try the credentials for real, cheaply (a balance or
    "who am I" call); do not send anything to patients.

    :param ctx: the clinic and the settings *to be checked* (not yet saved).
    :returns: :meth:`hub.CheckResult.passed` or :meth:`hub.CheckResult.failed` with
        sentences an admin understands ("sms.ru rejected the api_id: check it in the
        sms.ru account, section Программистам"), or ``None`` if there is nothing to
        check.

    Stops at first non-None result.
    Failure: an exception or a time-out is reported as a failed check naming it.

    .. versionadded:: 0.1
    """


# --- clinic data events ------------------------------------------------------------------
# Durable notifications: see "Durable notifications" above.  Results are ignored;
# raising means "try again later".


@hookspec
def on_appointment_created(ctx: HookContext, appointment: Appointment) -> None:
    """React to a new appointment reported by the clinic system.

    Called by the event worker after ``PUT /api/v1/clinics/{clinic}/appointments/
    {id}`` created an appointment the hub had not seen (also for an appointment
    written back by a plugin, e.g. a portal booking).

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param appointment: the appointment as it was when created.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead; later events
        of the same appointment wait for it.

    .. versionadded:: 0.1
    """


@hookspec
def on_appointment_updated(
    ctx: HookContext, appointment: Appointment, changes: tuple[FieldChange, ...]
) -> None:
    """React to a change of time, doctor, service, cabinet, status or comment.

    Called by the event worker after a ``PUT`` changed an existing, not cancelled
    appointment.  A ``PUT`` with nothing new produces no event.

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param appointment: the appointment after the change.
    :param changes: each changed field with its old and new value.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead; later events
        of the same appointment wait for it.

    .. versionadded:: 0.1
    """


@hookspec
def on_appointment_cancelled(ctx: HookContext, appointment: Appointment, reason: str) -> None:
    """React to an appointment cancelled in the clinic system.

    Called by the event worker after ``DELETE .../appointments/{id}`` (with a reason)
    or a ``PUT`` whose status is ``cancelled``.  A cancellation by the patient on the
    answer page is reported by :func:`on_patient_answered` instead.

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param appointment: the appointment as cancelled.
    :param reason: the reason given, or ``""``.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead; later events
        of the same appointment wait for it.

    .. versionadded:: 0.1
    """


@hookspec
def on_appointment_restored(ctx: HookContext, appointment: Appointment) -> None:
    """React to a cancelled appointment that came back.

    Called by the event worker after a ``PUT`` of a cancelled appointment with an
    active status.

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param appointment: the appointment as restored.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead; later events
        of the same appointment wait for it.

    .. versionadded:: 0.1
    """


@hookspec
def on_card_updated(ctx: HookContext, card: Card) -> None:
    """React to a patient card that was created or changed.

    Called by the event worker after ``PUT /api/v1/clinics/{clinic}/patients/{id}``
    changed anything.

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param card: the card after the change.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead; later events
        of the same card wait for it.

    .. versionadded:: 0.1
    """


@hookspec
def on_card_deleted(ctx: HookContext, card: Card) -> None:
    """React to a patient card deleted in the clinic system (e.g. unlink it from a portal).

    Called by the event worker after ``DELETE /api/v1/clinics/{clinic}/patients/{id}``.

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param card: the card as it was before deletion.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead.

    .. versionadded:: 0.1
    """


@hookspec
def on_service_charged(ctx: HookContext, appointment: Appointment, service: Service) -> None:
    """React to a service of an appointment being charged (e.g. order the lab tests).

    Called by the event worker after the clinic system posts a ``service.charged``
    event (``POST /api/v1/clinics/{clinic}/events``).

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param appointment: the appointment the service belongs to.
    :param service: the service charged.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead.

    .. versionadded:: 0.1
    """


@hookspec
def on_lab_results_ready(ctx: HookContext, card: Card, results: LabResults) -> None:
    """React to laboratory results that came in for a patient.

    Called by the event worker after a ``lab_results.ready`` event, posted by the
    clinic system or published by a laboratory plugin (``ctx.report_lab_results``).

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param card: the patient.
    :param results: which results, of which visit, and whether the visit is complete.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead.

    .. versionadded:: 0.1
    """


@hookspec
def on_discount_card_issued(ctx: HookContext, card: Card, number: str) -> None:
    """React to a discount card issued to a patient.

    Called by the event worker after a ``discount_card.issued`` event.

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param card: the patient.
    :param number: the discount card's number.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead.

    .. versionadded:: 0.1
    """


# --- patient answers ---------------------------------------------------------------------


@hookspec
def on_patient_answered(ctx: HookContext, appointment: Appointment, answer: PatientAnswer) -> None:
    """React to a patient's answer to a reminder: confirmed, cancelled, call me back.

    Called by the event worker after the patient answered on the ``/r/{token}`` page
    (or a plugin reported an answer, e.g. from a voice robot).  The answer is already
    stored on the appointment and published in the clinic's feed.

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param appointment: the appointment answered about.
    :param answer: the answer, its optional reason, when and through what.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead.

    .. versionadded:: 0.1
    """


# --- delivery ----------------------------------------------------------------------------


@hookspec
def on_stoplist_changed(ctx: HookContext, phone: str, blocked: bool, note: str) -> None:
    """Mirror the clinic's stop list to the provider (numbers that must get nothing).

    Called by the event worker after ``PUT`` or ``DELETE /api/v1/clinics/{clinic}/
    stoplist/{phone}``.

    :param ctx: the clinic, this plugin's settings, ``ctx.idempotency_key``.
    :param phone: the number, E.164.
    :param blocked: ``True`` when added to the stop list, ``False`` when removed.
    :param note: why, as the admin wrote it.
    :returns: nothing.

    Result is ignored.
    Failure: the delivery is retried with back-off, then parked as dead.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def send_message(ctx: HookContext, message: OutgoingMessage) -> DeliveryResult | None:
    """Send one message over a channel this plugin serves.

    Called by the delivery worker for each message it claims from the outbox, for the
    provider plugin the clinic routes the message's channel to (first of its list, or
    the next after a provider-side failure), within the provider's rate limit and
    outside the clinic's quiet hours.

    :param ctx: the clinic, this plugin's validated settings, the shared HTTP client
        (``ctx.post_form`` is the cheap way to make the one request per message), a
        bound logger; ``ctx.idempotency_key`` equals ``message.idempotency_key``.
    :param message: the message to send; read-only.
    :returns: a :class:`hub.DeliveryResult`: ``accepted`` with the provider's message id
        and cost, ``transient`` (retried with back-off) or ``permanent`` with the
        provider's code and text (``provider_side=True`` when the account, not the
        recipient, is at fault: the next provider is tried); ``None`` if the channel is
        not yours.  Put the provider's parsed answer in ``raw``: it is shown in the
        journal after secrets are redacted.

    Stops at first non-None result.
    Failure: an exception or a time-out counts as a transient error; the worker retries.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def send_messages(
    ctx: HookContext, messages: tuple[OutgoingMessage, ...]
) -> list[DeliveryResult] | None:
    """Send several messages of one clinic in one call (a bulk API, a voice robot's task
    list).

    Called by the delivery worker instead of :func:`send_message` when the provider
    implements it: the messages of one clinic routed to this provider and ready at the
    same moment (up to 100) come in one call.  Each message was checked exactly as for
    ``send_message`` (stop list, opt-out, quiet hours, the rate limit: one token per
    message), and each result is recorded exactly as ``send_message``'s would be
    (journal line, retries with back-off, fallback to the next provider or channel).

    :param ctx: the clinic and this plugin's settings; ``ctx.idempotency_key`` is
        ``None``: each message carries its own ``idempotency_key``.
    :param messages: the messages, read-only, in the order of the answer.
    :returns: one :class:`hub.DeliveryResult` per message, in the same order; or
        ``None`` to decline (the worker then calls ``send_message`` for each).  An answer
        of another length or type fails every message permanently (``bad_result``,
        provider-side: the next provider is tried).

    Stops at first non-None result.
    Failure: an exception or a time-out counts as a transient error for every message
        of the call; the worker retries each.

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def get_balance(ctx: HookContext) -> Balance | None:
    """Report the provider account's current balance.

    Called by ``GET /api/v1/clinics/{clinic}/balance``, the journal's totals and the
    answer of a one-off send, for the clinic's first provider of the ``sms`` channel
    (or the one asked for).

    :param ctx: the clinic and this plugin's settings.
    :returns: a :class:`hub.Balance`, or ``None`` if the provider reports none.

    Stops at first non-None result.
    Failure: the balance is reported as unknown; the request still succeeds.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def estimate_cost(ctx: HookContext, messages: tuple[OutgoingMessage, ...]) -> CostEstimate | None:
    """Estimate what sending these messages would cost, before a group mailing.

    Called when a mailing is planned (``POST /api/v1/clinics/{clinic}/mailings``), for
    the provider that will send it, and for one message as an admin types it on the
    admin pages' send form (``/admin/c/{clinic}/send``).  Ask the provider; send nothing.

    :param ctx: the clinic and this plugin's settings.
    :param messages: the messages about to be queued (ids are 0: not yet stored).
    :returns: a :class:`hub.CostEstimate`, or ``None`` if the provider cannot tell.

    Stops at first non-None result.
    Failure: the estimate is left out of the answer; the mailing proceeds.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def get_plugin_status(ctx: HookContext) -> dict[str, Any] | None:
    """Describe the state of the external account: limits, quotas, registrations.

    Called by ``GET /api/v1/clinics/{clinic}/plugins/{plugin}/status`` for an admin's
    dashboard (e.g. sms.ru's daily limit and how much of it is used).

    :param ctx: the clinic and this plugin's settings.
    :returns: a JSON-compatible mapping, or ``None``.

    Stops at first non-None result.
    Failure: the status shows the error instead.

    .. versionadded:: 0.1
    """


# --- reference data ----------------------------------------------------------------------


@hookspec(firstresult=True)
def sync_reference_data(ctx: HookContext, kind: str) -> SyncResult | None:
    """Synchronise reference data of ``kind`` with the external system, now.

    Called for one plugin at a time: by ``POST /api/v1/clinics/{clinic}/plugins/
    {plugin}/sync/{kind}`` (an admin or the clinic system asks; the answer is the
    returned counts) and by this plugin's scheduled jobs declared with
    ``Job(name, sync_kind=kind, every=...)``.  Each run is in the job log (``GET
    /api/v1/clinics/{clinic}/jobs``; job ``sync:<kind>`` for on-demand runs of a kind
    without a sync job) with its counts or its error.  ``kind`` is any reference
    kind, the hub's or a plugin's.
    An on-demand run of a kind this plugin also syncs on a schedule runs as that job
    (never at the same time as it; the route answers 409 meanwhile).

    Both directions are yours to choose: read the clinic's items with
    ``await ctx.reference(kind)`` and send them out, or fetch the external list and
    store it with ``await ctx.store_reference(kind, items)`` (a kind this plugin
    declared with :func:`register_reference_kinds`); keep id pairs in
    ``ctx.mappings``.  A run has its job's time limit (``Job.timeout``); an on-demand
    run of a kind without a sync job has the hub's plugin time limit
    (``HUB_PLUGIN_TIMEOUT``).

    :param ctx: the clinic and this plugin's settings.
    :param kind: ``doctors``, ``services``, ``specialties``, ``price_list_sections``,
        or a plugin's kind (``lab_tests``).
    :returns: a :class:`hub.SyncResult` with counts (``{"created": 3, "updated": 1}``),
        or ``None`` for kinds you do not sync (the route then answers 404).

    Stops at first non-None result.
    Failure: the run is logged as an error in the job log and recorded as the
        plugin's last error; the route answers 502 with the plugin's error.

    .. versionadded:: 0.1
    """
