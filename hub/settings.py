"""Configuration: the hub's own settings and the base class of every plugin's settings.

``HubSettings`` reads ``HUB_*`` environment variables once, in ``main()`` or
``create_app()``; nothing here is built at import time.  ``PluginSettings`` is what a
plugin subclasses to declare its per-clinic settings: typed fields, ``SecretStr`` for
secrets, defaults and descriptions (they become the JSON schema admins see).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./hub.db"


class HubSettings(BaseSettings):
    """Every knob of the hub, each read from the ``HUB_`` variable of the same name."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path (embedded) or postgresql://user@host/db.",
    )
    secret_key: SecretStr | None = Field(
        None, description="Fernet key that encrypts stored plugin secrets (hub keygen prints one)."
    )
    dev: bool = Field(
        False,
        description="Development/demo mode: a secret key is generated into secret_key_file.",
    )
    secret_key_file: Path = Field(
        Path(".hub-secret.key"), description="Where dev mode keeps its generated key (mode 0600)."
    )
    admin_token: SecretStr | None = Field(
        None, description="Seeds an admin token with this value at start (for automation)."
    )
    plugins: Annotated[list[str] | None, NoDecode] = Field(
        None, description="Allow-list of plugin names to load (comma-separated); unset = all."
    )
    plugins_disable: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Plugin names never to load (comma-separated)."
    )
    plugin_timeout: float = Field(30.0, gt=0, description="Seconds one plugin hook call may take.")
    max_body_bytes: int = Field(
        32 * 1024 * 1024, gt=0, description="Largest request body accepted (413 above it)."
    )
    public_url: str | None = Field(
        None, description="Public base URL of the hub (patient links, provider callbacks)."
    )
    log_level: str = Field("INFO", description="Python logging level.")
    http_transport: Literal["aiohttp", "httpx"] = Field(
        "aiohttp", description="Transport of the shared HTTP client handed to plugins."
    )
    http_max_connections: int = Field(64, gt=0, description="Connection pool of that client.")
    http_timeout: float = Field(20.0, gt=0, description="Seconds per outgoing HTTP request.")
    feed_retention_days: int = Field(
        30, gt=0, description="Feed events older than this are pruned."
    )
    event_retention_days: int = Field(
        90,
        gt=0,
        description="Clinic events older than this are pruned once every delivery of them is done.",
    )
    worker_batch: int = Field(100, gt=0, description="Rows a worker claims at once.")
    worker_concurrency: int = Field(32, gt=0, description="Plugin calls a worker runs at once.")
    job_concurrency: int = Field(
        8, gt=0, description="Clinics whose due plugin jobs a worker runs at once."
    )
    worker_lease: float = Field(
        60.0, gt=0, description="Seconds a claim is held before another worker may take it over."
    )
    worker_poll: float = Field(0.5, gt=0, description="Seconds an idle worker waits between polls.")
    retry_max_attempts: int = Field(8, gt=0, description="Attempts before a delivery is parked.")
    retry_base_delay: float = Field(5.0, gt=0, description="First retry delay, doubled each time.")
    retry_max_delay: float = Field(3600.0, gt=0, description="Longest delay between attempts.")
    scheduler_tick: float = Field(30.0, gt=0, description="Seconds between scheduler ticks.")
    missed_run_grace_hours: float = Field(
        6.0, ge=0, description="A daily run missed while the hub was down still runs this late."
    )
    answer_rate_limit: int = Field(
        30, gt=0, description="Requests per minute one client address may make to /r/ pages."
    )
    answer_rate_limit_storage: str = Field(
        "memory://",
        description="Where the /r/ rate limit counts (a `limits` storage URI): memory:// counts "
        "per process; redis://host:6379 shares the count between hub processes.",
    )

    @field_validator("plugins", "plugins_disable", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value


class PluginSettings(BaseModel):
    """Base of a plugin's per-clinic settings model.

    Subclass it with typed fields; mark secrets ``SecretStr``.  Unknown fields are
    rejected so that a typo in an admin's request is reported, not ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelSettings(PluginSettings):
    """Base of the settings of a plugin that delivers messages (``send_message``).

    ``rate_limit_per_second`` is honoured by the delivery worker per provider account.
    ``account_fields`` names the fields that identify the account (its key, its server):
    clinics whose values of those fields are equal share one rate limit.  Empty (the
    default): all fields — then a per-clinic field such as a callback secret would give
    each clinic a bucket of its own.
    """

    account_fields: ClassVar[tuple[str, ...]] = ()

    rate_limit_per_second: float | None = Field(
        None, gt=0, description="Messages per second this account may send (unset: no limit)."
    )
