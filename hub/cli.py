"""The ``hub`` command: serve, worker, plugins, db upgrade, token create, demo, keygen.

Configuration comes from ``HUB_*`` environment variables (see README), read once here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from cryptography.fernet import Fernet

from hub._startup import collector_paused, freeze_startup_objects
from hub.error_text import readable
from hub.settings import HubSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from hub.plugins import PluginHost

app = typer.Typer(help="clinic-hub: the integration hub for medical clinics.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")


#: Loggers kept at WARNING or above whatever the log level: apscheduler's and Alembic's
#: INFO lines say "a tick ran" every 30 s and list Alembic's internals at start;
#: aiosqlite's DEBUG lines carry every SQL statement with its parameters (patients'
#: names, phones, scanned documents): personal data never goes to the logs.
QUIET_LOGGERS = ("apscheduler", "alembic.runtime.plugins", "aiosqlite")


def _settings() -> HubSettings:
    settings = HubSettings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    return settings


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def _runtime(settings: HubSettings):  # type: ignore[no-untyped-def]
    from hub import services
    from hub.runtime import Runtime
    from hub.security.secrets import SecretKeyMissing

    try:
        runtime = Runtime(settings, services=services.make)
    except (SecretKeyMissing, ValueError) as exc:
        raise _fail(str(exc)) from None
    runtime.load_plugins()
    return runtime


def _migrate(settings: HubSettings, host: PluginHost) -> None:
    """Upgrade the schema: the hub's revisions and those of ``host``'s loaded plugins
    (the host of the runtime the command goes on with, so plugins load once)."""
    from hub.db import migrate

    migrate.upgrade(settings.database_url, host.migration_folders().values())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema (the hub's and the plugins' tables)."""
    settings = _settings()
    runtime = _runtime(settings)
    try:
        _migrate(settings, runtime.host)
    finally:
        runtime.host.close()
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="API only: no scheduler or delivery.")
    ] = False,
    migrate: Annotated[bool, typer.Option(help="Upgrade the schema first.")] = True,
) -> None:
    """Serve the API and the patient pages (and, by default, run the worker)."""
    import uvicorn

    with collector_paused():  # the app's lifespan collects once, then freezes
        application = _serve_app(no_worker=no_worker, migrate=migrate)

    settings = application.state.runtime.settings
    # ws="none": the hub serves no WebSocket, and uvicorn's default would import a
    # WebSocket library at every start
    uvicorn.run(application, host=host, port=port, log_level=settings.log_level.lower(), ws="none")


def _serve_app(*, no_worker: bool, migrate: bool) -> FastAPI:
    """``hub serve``'s app, its schema upgraded first (unless ``--no-migrate``)."""
    from hub.app import create_app
    from hub.security.secrets import SecretKeyMissing
    from hub.worker import WorkerLocked, ensure_sqlite_worker_free

    settings = _settings()
    try:
        # the app's runtime (plugins loaded) is built before the upgrade, which needs
        # the plugins' revisions; nothing touches the database until the app starts
        application = create_app(settings, run_worker=not no_worker)
    except (SecretKeyMissing, ValueError) as exc:
        raise _fail(str(exc)) from None
    if migrate:
        _migrate(settings, application.state.runtime.host)
    try:
        if not no_worker:
            ensure_sqlite_worker_free(settings.database_url)
    except WorkerLocked as exc:
        raise _fail(str(exc)) from None
    return application


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Handle what is due now, then exit.")] = False,
) -> None:
    """Run the scheduler and the delivery loops (scale out with several on PostgreSQL)."""
    from hub.worker import Worker, WorkerLocked

    settings = _settings()
    runtime = _runtime(settings)
    _migrate(settings, runtime.host)

    async def main() -> None:
        await runtime.start()
        # the scheduler's reminder runs allocate per appointment; as in ``hub serve``,
        # the start-up objects are not walked again by every full collection
        freeze_startup_objects()
        w = Worker(runtime)
        try:
            if once:
                w.lock()
                try:
                    await w.scheduler.tick_all()
                    done = await w.drain()
                finally:
                    w.unlock()
                typer.echo(f"handled {done}")
                return
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, w.request_stop)
            await w.run_forever()
        finally:
            await runtime.close()

    try:
        asyncio.run(main())
    except WorkerLocked as exc:
        raise _fail(str(exc)) from None


@app.command("plugins")
def list_plugins(
    as_json: Annotated[
        bool, typer.Option("--json", help="Full details with settings schemas.")
    ] = False,
) -> None:
    """List installed plugins: loaded or broken, version, description, settings."""
    from hub.api.routes.plugins import describe
    from hub.plugins import PluginHost

    settings = _settings()
    host = PluginHost(allow=settings.plugins, deny=settings.plugins_disable)
    host.load_entry_points()
    infos = [host.plugins[n] for n in sorted(host.plugins)]
    if as_json:
        typer.echo(
            json.dumps(
                [describe(i, []).model_dump(mode="json") for i in infos],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for info in infos:
        status = "loaded" if info.loaded else f"BROKEN: {info.error}"
        typer.echo(f"{info.name:12} {info.version:10} {info.distribution or '-':22} {status}")
        if info.description:
            typer.echo(f"{'':12} {info.description}")
        fields = info.settings_model.model_json_schema().get("properties", {})
        if fields:
            typer.echo(f"{'':12} settings: {', '.join(fields)}")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, webadmin or clinic.")],
    clinic: Annotated[str | None, typer.Option(help="The clinic of a clinic token.")] = None,
    name: Annotated[str | None, typer.Option(help="A name to recognise it by.")] = None,
) -> None:
    """Create an API token and print it (this is the only time it is shown)."""
    from pydantic import ValidationError

    from hub.db.crud import clinics as clinics_crud
    from hub.db.crud import tokens as crud
    from hub.schemas.tokens import TokenCreate

    settings = _settings()
    try:
        data = TokenCreate.model_validate(
            {"name": name or f"{role} token", "role": role, "clinic": clinic}
        )
    except ValidationError as exc:
        raise _fail("; ".join(readable(e) for e in exc.errors())) from None
    runtime = _runtime(settings)
    _migrate(settings, runtime.host)

    async def main() -> str:
        try:
            async with runtime.db.session() as session:
                if data.clinic and await clinics_crud.get(session, clinic_id=data.clinic) is None:
                    raise _fail(f"unknown clinic {data.clinic!r}")
                _, token = await crud.create(
                    session,
                    name=data.name,
                    role=data.role,
                    clinic_id=data.clinic,
                    now=runtime.clock.now(),
                )
                return token
        finally:
            await runtime.close()

    typer.echo(asyncio.run(main()))


@app.command()
def keygen() -> None:
    """Print a new key for HUB_SECRET_KEY."""
    typer.echo(Fernet.generate_key().decode())


@app.command()
def demo(
    token_file: Annotated[Path, typer.Option(help="Where the demo admin token is kept.")] = Path(
        ".hub-admin-token"
    ),
    url: Annotated[
        str, typer.Option(help="The URL printed for the API.")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Create (once) a demo clinic with sample data and the console provider; print a token."""
    from hub import demo as demo_data

    settings = _settings()
    runtime = _runtime(settings)
    _migrate(settings, runtime.host)

    async def main() -> str:
        try:
            await runtime.start()
            return await demo_data.ensure(runtime, token_file)
        finally:
            await runtime.close()

    token = asyncio.run(main())
    typer.echo("")
    typer.echo(f"  clinic-hub is ready with the demo clinic 'demo' ({settings.database_url}).")
    typer.echo(f"  Admin token:  {token}")
    typer.echo(f"  API docs:     {url}/docs")
    typer.echo(f"  Plugins:      curl -H 'Authorization: Bearer {token}' {url}/api/v1/plugins")
    typer.echo(f"  Health:       {url}/healthz")
    typer.echo("")


def main() -> None:
    app(prog_name="hub")


if __name__ == "__main__":
    main()
