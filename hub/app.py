"""create_app(): the FastAPI application (a factory; nothing is built at import time)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from hub import __version__, services
from hub._startup import freeze_startup_objects
from hub.api import errors, openapi
from hub.api.middleware import BodyLimit, JsonBodies, RequestMetrics
from hub.api.plugin_routes import mount_plugin_routes
from hub.api.routes import (
    actions,
    appointments,
    bulk,
    clinic_events,
    clinic_messages,
    clinic_plugins,
    clinics,
    deliveries,
    feed,
    health,
    jobs,
    mailings,
    mappings,
    messages,
    patients,
    plugins,
    reference,
    reminders,
    schedules,
    stoplist,
    sync,
    templates,
    tokens,
)
from hub.runtime import Runtime
from hub.settings import HubSettings
from hub.web import admin as admin_pages
from hub.web import answer as answer_page
from hub.worker import Worker

log = logging.getLogger("hub.app")

ROUTERS = (
    health.router,
    plugins.router,
    clinics.router,
    clinic_plugins.router,
    actions.router,
    jobs.router,
    feed.router,
    tokens.router,
    messages.router,
    clinic_messages.router,
    stoplist.router,
    templates.router,
    mailings.router,
    patients.router,
    appointments.router,
    reference.router,
    sync.router,
    mappings.router,
    bulk.router,
    deliveries.router,
    clinic_events.router,
    schedules.router,
    reminders.router,
    answer_page.router,
)


def create_app(
    settings: HubSettings | None = None,
    *,
    runtime: Runtime | None = None,
    run_worker: bool = False,
) -> FastAPI:
    """The hub's ASGI app.

    Without ``runtime`` the app builds its own from ``settings`` (loading the plugins
    at once, so their routes are mounted) and starts/closes it with the app's
    lifespan, with the worker beside it when ``run_worker``.  With ``runtime`` (the
    test kit) the caller owns its lifecycle.
    """
    owns_runtime = runtime is None
    if runtime is None:
        runtime = Runtime(settings or HubSettings(), services=services.make)
        runtime.load_plugins()
    rt = runtime

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if owns_runtime:
            await rt.start()
            freeze_startup_objects()
        if run_worker:
            worker = Worker(rt)
            await worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            if owns_runtime:
                await rt.close()

    app: FastAPI = FastAPIOffline(
        dependencies=[Depends(errors.reject_unstorable)],
        title="clinic-hub",
        version=__version__,
        description="Integration hub for medical clinics. Authenticate with "
        "`Authorization: Bearer <token>`.",
        lifespan=lifespan,
    )
    app.state.runtime = rt
    errors.install(app)
    openapi.install(app)
    app.add_middleware(RequestMetrics, metrics=rt.metrics)
    app.add_middleware(JsonBodies)
    app.add_middleware(BodyLimit, limit=rt.settings.max_body_bytes)
    for router in ROUTERS:
        app.include_router(router)
    admin_pages.mount(app)
    mount_plugin_routes(app, rt)
    return app
