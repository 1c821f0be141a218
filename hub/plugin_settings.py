"""Plugin settings at rest and on the wire: merge, validate, encrypt, mask.

A plugin's settings for a clinic are an instance of its settings model.  At rest the
plain fields are JSON and the ``SecretStr`` fields are one Fernet token.  On every read
the secrets are masked (``••••1170``).  An update merges into what is stored: a field
left out keeps its value, an explicit ``null`` resets it (a secret is cleared), so an
admin can change one field without re-typing every secret.  A field holding secrets
deeper down (a list of laboratories, each with a token) is a secret field too; see
:mod:`hub.plugin_secrets` for how its secret leaves are kept, masked and redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr, ValidationError

from hub import plugin_secrets
from hub.db.models import PluginConfig
from hub.error_text import json_type, readable
from hub.security.secrets import MASK, SecretBox, mask
from hub.settings import PluginSettings


class SettingsInvalid(ValueError):
    """Stored or submitted settings that do not validate; ``errors`` name the fields."""

    def __init__(self, plugin: str, errors: list[dict[str, Any]]) -> None:
        self.plugin = plugin
        self.errors = errors
        fields = ", ".join(e["field"] for e in errors)
        super().__init__(f"settings of {plugin} are invalid: {fields}")


def secret_fields(model: type[PluginSettings]) -> frozenset[str]:
    """Names of the fields holding a ``SecretStr``: typed ``SecretStr`` (``| None``), or
    a nested model, list or dict with one inside."""
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if plugin_secrets.has_secret(field.annotation)
    )


def admin_only_fields(model: type[PluginSettings]) -> frozenset[str]:
    """Fields only an admin may change: the secrets, and the fields that decide where
    the secrets are sent — marked ``json_schema_extra={"admin_only": True}``, or named
    like an address (``*url``, ``*host``, ``*endpoint``).  Otherwise a webadmin, who may
    not read a secret, could point a plugin at a server of theirs and receive it."""
    names = set(secret_fields(model))
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if extra.get("admin_only") or name.endswith(("url", "host", "endpoint")):
            names.add(name)
    return frozenset(names)


def validation_errors(
    exc: ValidationError, secrets: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"field", "message"}``, never echoing the input (a secret):
    the messages say what to send (:func:`hub.error_text.readable`), and a secret sent
    as something else than a string says so."""
    found = []
    for error in exc.errors(include_url=False, include_context=False):
        loc = error["loc"]
        message = readable(error)
        if loc and loc[0] in secrets and error["type"] == "string_type":
            message = f"send the secret as a string (got {json_type(error.get('input'))})"
        found.append(
            {
                "field": ".".join(str(part) for part in loc) or "settings",
                "message": message,
                "type": error["type"],
            }
        )
    return found


def stored_values(row: PluginConfig | None, box: SecretBox) -> dict[str, Any]:
    """Plain and secret values of a stored config, decrypted."""
    if row is None:
        return {}
    return {**row.settings, **box.open(row.secrets)}


def build(plugin: str, model: type[PluginSettings], values: dict[str, Any]) -> PluginSettings:
    """Validate ``values`` against the plugin's model."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise SettingsInvalid(plugin, validation_errors(exc, secret_fields(model))) from None


@dataclass(frozen=True)
class Merged:
    """The outcome of applying an update to stored settings."""

    settings: PluginSettings
    changed: list[str]
    plain: dict[str, Any]
    secret: dict[str, Any]


def merge(
    plugin: str,
    model: type[PluginSettings],
    stored: dict[str, Any],
    update: dict[str, Any],
) -> Merged:
    """Apply ``update`` to ``stored`` and validate the result against ``model``."""
    unknown = sorted(set(update) - set(model.model_fields))
    if unknown:
        raise SettingsInvalid(
            plugin,
            [
                {
                    "field": name,
                    "message": "Extra inputs are not permitted",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ],
        )
    values = dict(stored)
    secrets = secret_fields(model)
    for name, value in update.items():
        if value is None:
            values.pop(name, None)
        elif name in secrets and _shown_masked(value) and stored.get(name) is not None:
            values[name] = stored[name]  # sent back as the API showed it: keep the secret
        elif plugin_secrets.is_nested(model.model_fields[name].annotation):
            values[name] = plugin_secrets.keep_secrets(
                model.model_fields[name].annotation, value, stored.get(name)
            )
        else:
            values[name] = value
    settings = build(plugin, model, values)
    plain: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    dumped = settings.model_dump(mode="python")
    for name in model.model_fields:
        value = dumped[name]
        if name in secrets:
            if value is not None:
                secret[name] = plugin_secrets.reveal(value)
        elif name in values:  # keep only what was set: defaults stay defaults
            plain[name] = settings.model_dump(mode="json", include={name})[name]
    changed = sorted(
        name
        for name in model.model_fields
        if _comparable(stored.get(name)) != _comparable({**plain, **secret}.get(name))
    )
    return Merged(settings=settings, changed=changed, plain=plain, secret=secret)


def _shown_masked(value: Any) -> bool:
    """A secret as the API shows it (``••••1170``): a form that was read and saved back."""
    return isinstance(value, str) and value.startswith(MASK)


def _comparable(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def public(model: type[PluginSettings], values: dict[str, Any]) -> dict[str, Any]:
    """Settings as the API shows them: every field, secrets masked or ``None``."""
    secrets = secret_fields(model)
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in secrets and plugin_secrets.is_nested(field.annotation):
            out[name] = plugin_secrets.masked(field.annotation, values.get(name))
        elif name in secrets:
            value = values.get(name)
            out[name] = mask(str(value)) if value else None
        elif name in values:
            out[name] = values[name]
        else:
            default = field.get_default(call_default_factory=True)
            out[name] = default if _is_json_scalar(default) else str(default)
    return out


def _is_json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)
