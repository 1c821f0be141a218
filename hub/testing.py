"""The test kit for plugin authors (a pytest plugin, loaded automatically).

Install ``clinic-hub`` in your plugin's test environment and these fixtures are there::

    async def test_reminder_is_sent(hub):
        await hub.create_clinic("clinic-1")
        await hub.enable("myplugin", "clinic-1", settings={"api_key": "k"})
        await hub.fire("on_appointment_created", "clinic-1", appointment=...)
        assert (await hub.feed("clinic-1"))[0]["type"] == "myplugin.sent"

Fixtures
    hub                 a running hub (:class:`Harness`) on a fresh database
    hub_database_url    that database: SQLite, and again PostgreSQL when
                        ``HUB_TEST_POSTGRES_URL`` is set (a fresh schema per test)
    hub_settings        the ``HubSettings`` it runs with (override to change knobs)
    hub_plugin_names    which installed plugins load (default: all; override)
    hub_extra_plugins   plugin objects to register by name (default: none; override)
    hub_http_transport  the transport of ``ctx.http`` (default: none; override with
                        ``httpx.MockTransport`` or ``httpx.ASGITransport(fake_app)``)
    hub_clock           the hub's clock, frozen (``hub_clock.advance(60)``)

Helpers
    RecordingPlugin     a plugin recording every clinic-data notification it gets
    Harness.put_patient / put_appointment / seed_reference / put_reference
                        send clinic data through the API as a clinic system does

Everything runs in-process: the API through ``httpx.ASGITransport``, the worker
through :meth:`Harness.drain`, the scheduler through :meth:`Harness.tick`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets as pysecrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlmodel import col

from hub import events, services, testing_db
from hub.app import create_app
from hub.clock import FrozenClock
from hub.context import HookContext
from hub.db.crud import tokens as tokens_crud
from hub.db.engine import sync_url
from hub.db.models import Delivery
from hub.db.models.events import DONE
from hub.runtime import Runtime
from hub.settings import HubSettings, PluginSettings
from hub.testing_recorder import Received, RecordingPlugin
from hub.worker import Worker

__all__ = [
    "BASE_URL",
    "DEFAULT_NOW",
    "POSTGRES_ENV",
    "Harness",
    "Received",
    "RecordingPlugin",
    "postgres_schema",
    "start_harness",
]

POSTGRES_ENV = "HUB_TEST_POSTGRES_URL"
#: The frozen clock starts here: Monday 23 November 2026, 10:00 in Moscow.
DEFAULT_NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
BASE_URL = "http://hub.test"


def _create_schema(url: str) -> None:
    testing_db.create_schema(url)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the session's database templates (see :mod:`hub.testing_db`)."""
    testing_db.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite, then PostgreSQL if ``HUB_TEST_POSTGRES_URL``."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base and os.environ.get("HUB_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"HUB_REQUIRE_POSTGRES=1 but {POSTGRES_ENV} is not set")
    if not base:
        pytest.skip(f"PostgreSQL run skipped: set {POSTGRES_ENV} (as .ci/run does) to run it")
    yield from postgres_schema(base)


def postgres_schema(base: str) -> Iterator[str]:
    """A URL of ``base`` whose search path is a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"t_{pysecrets.token_hex(6)}"
    conninfo = (
        make_url(sync_url(base)).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    testing_db.fresh_schema_created(schema)
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        if not testing_db.release_schema(schema):  # pooled again only if as good as new
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def hub_plugin_names() -> list[str] | None:
    """Installed plugins to load; ``None`` loads every one."""
    return None


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    """Plugin objects (modules or instances) to register under the given names."""
    return {}


@pytest.fixture
def hub_http_transport() -> httpx.AsyncBaseTransport | None:
    """The transport of the shared HTTP client (``ctx.http``); ``None``: a real one."""
    return None


@pytest.fixture
def hub_clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture
def hub_settings(
    hub_database_url: str,
    hub_plugin_names: list[str] | None,
    hub_extra_plugins: dict[str, object],
    tmp_path: Path,
) -> HubSettings:
    allow = None if hub_plugin_names is None else [*hub_plugin_names, *hub_extra_plugins]
    return HubSettings(
        database_url=hub_database_url,
        secret_key=SecretStr(Fernet.generate_key().decode()),
        secret_key_file=tmp_path / "secret.key",
        plugins=allow,
        plugin_timeout=2.0,
        public_url=BASE_URL,
        http_transport="httpx",
        worker_poll=0.01,
    )


class Harness:
    """A running hub for one test: its API client, clock, worker and helpers."""

    def __init__(self, runtime: Runtime, client: httpx.AsyncClient, admin_token: str) -> None:
        self.runtime = runtime
        self.app = client._transport.app  # type: ignore[attr-defined]
        self.client = client
        self.admin_token = admin_token
        self.worker = Worker(runtime)

    @property
    def clock(self) -> FrozenClock:
        assert isinstance(self.runtime.clock, FrozenClock)
        return self.runtime.clock

    # --- HTTP ---------------------------------------------------------------------------

    def client_for(self, token: str | None) -> httpx.AsyncClient:
        """Another client of the same app, with ``token`` (or none)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=BASE_URL, headers=headers
        )

    async def token(self, role: str, clinic: str | None = None) -> str:
        response = await self.client.post(
            "/api/v1/tokens", json={"name": f"test {role}", "role": role, "clinic": clinic}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["token"])

    async def create_clinic(self, clinic_id: str = "clinic-1", **fields: Any) -> dict[str, Any]:
        body = {
            "id": clinic_id,
            "name": f"Клиника {clinic_id}",
            "timezone": "Europe/Moscow",
            **fields,
        }
        response = await self.client.post("/api/v1/clinics", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def enable(
        self, plugin: str, clinic: str = "clinic-1", settings: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = await self.client.put(
            f"/api/v1/clinics/{clinic}/plugins/{plugin}",
            json={"enabled": True, "settings": settings or {}},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def settle_feed(self, timeout: float = 60.0) -> None:
        """Wait until every feed event committed so far is readable.

        On PostgreSQL the feed hands out an event only once every transaction older than
        it has ended, cluster-wide (see :mod:`hub.feed`), so another process's long
        transaction delays it for a moment; tests wait here instead of flaking.
        """
        if self.runtime.db.is_sqlite:
            return
        deadline = time.monotonic() + timeout
        query = sa.text(
            "SELECT coalesce(max(txid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
            " FROM feed_event"
        )
        while time.monotonic() < deadline:
            async with self.runtime.db.session() as session:
                if (await session.execute(query)).scalar_one():
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"feed events still held back after {timeout:.0f} s: a transaction older than "
            "them is still running on this PostgreSQL server"
        )

    async def feed(
        self, clinic: str = "clinic-1", after: str | None = None
    ) -> list[dict[str, Any]]:
        """The clinic's feed after ``after`` (waits for :meth:`settle_feed` first)."""
        await self.settle_feed()
        params: dict[str, str | int] = {"limit": 1000, **({"after": after} if after else {})}
        response = await self.client.get(f"/api/v1/clinics/{clinic}/feed", params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["events"])

    async def journal(self, clinic: str | None = None, **filters: Any) -> dict[str, Any]:
        """Read the journal through ``GET /api/v1/messages`` as an admin.

        ``filters`` are its query parameters (``status=["waiting", "error"]``,
        ``recipient=...``, ``sent_from=...``, ``page=2``...); the whole answer is
        returned (``items``, ``total``, ``total_cost``, ``balance``...).
        """
        params = {k: v for k, v in {"clinic": clinic, **filters}.items() if v is not None}
        response = await self.client.get("/api/v1/messages", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def message(self, message_id: int) -> dict[str, Any]:
        """One message with its history, through ``GET /api/v1/messages/{id}``."""
        response = await self.client.get(f"/api/v1/messages/{message_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    # --- clinic data (through the API, as a clinic system sends it) --------------------------

    async def put_reference(
        self, kind: str, items: list[dict[str, Any]], clinic: str = "clinic-1"
    ) -> dict[str, Any]:
        """Replace a reference list (``doctors``, ``specialties``, ``services``...)."""
        response = await self.client.put(f"/api/v1/clinics/{clinic}/reference/{kind}", json=items)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def seed_reference(self, clinic: str = "clinic-1") -> None:
        """The reference data the default appointment of :meth:`put_appointment` uses:
        specialty ``S-3`` врач-терапевт, doctor ``D-7`` Петрова Анна Сергеевна, service
        ``SRV-1`` in price-list section ``PL-A``."""
        await self.put_reference("price_list_sections", [{"id": "PL-A", "name": "Платные"}], clinic)
        await self.put_reference("specialties", [{"id": "S-3", "name": "врач-терапевт"}], clinic)
        await self.put_reference(
            "doctors",
            [
                {
                    "id": "D-7",
                    "last_name": "Петрова",
                    "first_name": "Анна",
                    "middle_name": "Сергеевна",
                    "sex": "female",
                    "specialty_id": "S-3",
                }
            ],
            clinic,
        )
        await self.put_reference(
            "services",
            [{"id": "SRV-1", "name": "Приём терапевта", "price_list_section": "PL-A"}],
            clinic,
        )

    async def put_patient(
        self, patient_id: str = "P-1001", clinic: str = "clinic-1", **fields: Any
    ) -> dict[str, Any]:
        """Upsert a card (defaults: Иванов Иван Иванович, a mobile phone)."""
        body = {
            "last_name": "Иванов",
            "first_name": "Иван",
            "middle_name": "Иванович",
            "phones": ["8 (918) 123-45-67"],
            **fields,
        }
        response = await self.client.put(
            f"/api/v1/clinics/{clinic}/patients/{patient_id}", json=body
        )
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    async def put_appointment(
        self, appointment_id: str = "A-1", clinic: str = "clinic-1", **fields: Any
    ) -> dict[str, Any]:
        """Upsert an appointment (defaults: patient P-1001 with doctor D-7, service SRV-1,
        tomorrow 10:30–11:00 clinic time; needs :meth:`seed_reference` and the card)."""
        local = self.runtime.clock.now().date() + dt.timedelta(days=1)
        body = {
            "patient_id": "P-1001",
            "doctor_id": "D-7",
            "services": [{"id": "SRV-1", "price_list_section": "PL-A"}],
            "start": f"{local.isoformat()}T10:30:00",
            "end": f"{local.isoformat()}T11:00:00",
            "cabinet": "214",
            **fields,
        }
        response = await self.client.put(
            f"/api/v1/clinics/{clinic}/appointments/{appointment_id}", json=body
        )
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    # --- hooks ----------------------------------------------------------------------------

    async def context(self, plugin: str, clinic: str = "clinic-1") -> HookContext[PluginSettings]:
        return await self.runtime.context(clinic, plugin)

    async def fire(
        self, hook: str, clinic: str = "clinic-1", *, subject: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Fire ``hook`` for every plugin enabled for ``clinic``, as the hub does.

        A notification (``on_*``) goes through the outbox exactly as in production: the
        payload is validated and stored as JSON (what the plugin gets is what a worker
        reads back), each plugin gets a delivery with its own idempotency key, in order
        per ``subject`` (by default the card, appointment or phone of the payload), and
        the worker delivers what is due.  Returns ``{plugin: None}`` for the plugins
        whose delivery succeeded (a failing one is retried later, as in production:
        advance ``clock`` and :meth:`drain`).  Other hooks are called on every plugin at
        once; their answers by plugin (failing plugins are logged and left out).
        """
        if not hook.startswith("on_"):
            contexts = await self.runtime.enabled_contexts(clinic, hook)
            return await self.runtime.host.fan_out(hook, contexts, **kwargs)
        async with self.runtime.db.session() as session:
            event_id = await events.emit(
                session,
                clinic_id=clinic,
                hook=hook,
                subject=subject or _subject(hook, kwargs),
                payload=kwargs,
                now=self.clock.now(),
                runtime=self.runtime,
                source="test",
            )
        await self.drain()
        async with self.runtime.db.session() as session:
            rows = await session.execute(
                sa.select(col(Delivery.plugin)).where(
                    col(Delivery.event_id) == event_id, col(Delivery.status) == DONE
                )
            )
            return {plugin: None for plugin in sorted(rows.scalars())}

    async def call(self, plugin: str, hook: str, clinic: str = "clinic-1", **kwargs: Any) -> Any:
        """Call one plugin's ``hook``; a failure raises :class:`hub.plugins.PluginCallError`."""
        ctx = await self.context(plugin, clinic)
        return await self.runtime.host.call_strict(plugin, hook, ctx, **kwargs)

    # --- worker and scheduler ----------------------------------------------------------------

    async def drain(self) -> int:
        """Let the worker handle everything due now (advance ``clock`` for retries)."""
        return await self.worker.drain()

    async def tick(self) -> dict[str, int]:
        """Run every scheduler tick once, at the clock's current time."""
        return await self.worker.scheduler.tick_all()


def _subject(hook: str, payload: dict[str, Any]) -> str:
    """The subject production gives an event with this payload (its per-plugin order)."""
    for name in ("appointment", "card"):
        value = payload.get(name)
        if value is not None:
            return f"{name}:{value['id'] if isinstance(value, dict) else value.id}"
    if "phone" in payload:
        return f"phone:{payload['phone']}"
    return hook


def _no_commit_flush(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit = off")
    cursor.close()
    dbapi_connection.commit()


async def start_harness(
    settings: HubSettings,
    *,
    clock: FrozenClock,
    extra_plugins: dict[str, object] | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[Runtime, Harness]:
    runtime = Runtime(settings, services=services.make, clock=clock, http_transport=http_transport)
    if not runtime.db.is_sqlite:
        # A test's commits need not wait for the server's WAL flush (5-8 ms each on a busy
        # disk): what they see and lock is the same; only a server crash could lose them.
        sa.event.listen(runtime.db.engine.sync_engine, "connect", _no_commit_flush)
    runtime.load_plugins(plugins=extra_plugins)
    # A fresh database gets a copy of a session-wide migrated template (hub.testing_db).
    testing_db.adopt_or_migrate(settings.database_url, runtime.host.migration_folders())
    await runtime.start()
    async with runtime.db.session() as session:
        _, admin = await tokens_crud.create(
            session, name="test admin", role="admin", clinic_id=None, now=clock.now()
        )
    app = create_app(runtime=runtime)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {admin}"},
    )
    return runtime, Harness(runtime, client, admin)


@pytest.fixture
async def hub(
    hub_settings: HubSettings,
    hub_clock: FrozenClock,
    hub_extra_plugins: dict[str, object],
    hub_http_transport: httpx.AsyncBaseTransport | None,
) -> AsyncIterator[Harness]:
    """A running hub on a fresh database, with an admin client."""
    runtime, harness = await start_harness(
        hub_settings,
        clock=hub_clock,
        extra_plugins=hub_extra_plugins,
        http_transport=hub_http_transport,
    )
    try:
        yield harness
    finally:
        await harness.client.aclose()
        await runtime.close()
