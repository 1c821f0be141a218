"""Secrets anywhere inside a plugin's settings: nested models, list items, dict values.

Labs keeps a list of laboratories, each with its own token::

    class Lab(BaseModel):
        name: str
        token: SecretStr

    class LabsSettings(PluginSettings):
        labs: list[Lab] = []

A top-level field whose type holds a ``SecretStr`` at any depth is a *secret-bearing*
field and is treated like a top-level secret (:mod:`hub.plugin_settings`): stored whole
in the encrypted blob, changed by admins only, shown with every secret leaf masked
(``••••1170``), and its secret leaves taught to the log redactor.  On update a secret
leaf left out of an item, or sent back masked, keeps its stored value; list items are
matched with the stored ones by their ``id``, ``name``, ``code`` or ``key`` (the first
the item has), else by position.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from hub.security.secrets import MASK, mask

_ITEM_KEYS = ("id", "name", "code", "key")
_SEQUENCES = (list, tuple, set, frozenset)


def _args(annotation: Any) -> tuple[Any, ...]:
    """The parts of a union (``X | None``) or ``Annotated[X, ...]``, else ``(annotation,)``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _args(typing.get_args(annotation)[0])
    if isinstance(annotation, types.UnionType) or origin is typing.Union:
        return tuple(a for arg in typing.get_args(annotation) for a in _args(arg))
    return (annotation,)


def _plain(annotation: Any) -> Any:
    """``annotation`` without ``None`` and ``Annotated``, if one type remains."""
    parts = [a for a in _args(annotation) if a is not type(None)]
    return parts[0] if len(parts) == 1 else annotation


def has_secret(annotation: Any) -> bool:
    """Whether a value of this type holds a ``SecretStr`` anywhere."""
    for part in _args(annotation):
        if part is SecretStr:
            return True
        if isinstance(part, type) and issubclass(part, BaseModel):
            if any(has_secret(f.annotation) for f in part.model_fields.values()):
                return True
        elif typing.get_origin(part) is not None and any(
            has_secret(arg) for arg in typing.get_args(part) if arg is not Ellipsis
        ):
            return True
    return False


def is_nested(annotation: Any) -> bool:
    """A secret-bearing field that is not a plain ``SecretStr`` (``| None``)."""
    return has_secret(annotation) and _plain(annotation) is not SecretStr


def reveal(value: Any) -> Any:
    """A validated field value as JSON with every secret in the clear (to encrypt)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return {
            (field.alias or name): reveal(getattr(value, name))
            for name, field in type(value).model_fields.items()
        }
    if isinstance(value, dict):
        return {str(k): reveal(v) for k, v in value.items()}
    if isinstance(value, _SEQUENCES):
        return [reveal(v) for v in value]
    return to_jsonable_python(value)


def _counterpart(item: Any, index: int, stored: list[Any]) -> Any:
    if isinstance(item, dict):
        for key in _ITEM_KEYS:
            if key in item:
                return next(
                    (old for old in stored if isinstance(old, dict) and old.get(key) == item[key]),
                    None,
                )
    return stored[index] if index < len(stored) else None


def keep_secrets(annotation: Any, new: Any, old: Any) -> Any:
    """``new`` (an update, raw JSON) with each secret leaf it leaves out or sends masked
    taken from ``old`` (the stored JSON)."""
    part = _plain(annotation)
    if part is SecretStr:
        return old if isinstance(new, str) and new.startswith(MASK) and old is not None else new
    if isinstance(part, type) and issubclass(part, BaseModel) and isinstance(new, dict):
        stored = old if isinstance(old, dict) else {}
        out = dict(new)
        for name, field in part.model_fields.items():
            key = field.alias or name
            if not has_secret(field.annotation):
                continue
            if key not in new:
                if key in stored:
                    out[key] = stored[key]
            else:
                out[key] = keep_secrets(field.annotation, new[key], stored.get(key))
        return out
    origin, args = typing.get_origin(part), typing.get_args(part)
    if origin in _SEQUENCES and isinstance(new, list) and args:
        stored_items = old if isinstance(old, list) else []
        return [
            keep_secrets(args[0], item, _counterpart(item, index, stored_items))
            for index, item in enumerate(new)
        ]
    if origin is dict and isinstance(new, dict) and len(args) == 2:
        stored_map = old if isinstance(old, dict) else {}
        return {k: keep_secrets(args[1], v, stored_map.get(k)) for k, v in new.items()}
    return new


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """``("secret", SecretStr)`` and ``("plain", value)`` leaves of a validated value."""
    if isinstance(value, SecretStr):
        yield "secret", value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, _SEQUENCES):
        for v in value:
            yield from _walk(v)


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return mask(value.get_secret_value()) if value.get_secret_value() else None
    if isinstance(value, BaseModel):
        return {
            (field.alias or name): _masked(getattr(value, name))
            for name, field in type(value).model_fields.items()
        }
    if isinstance(value, dict):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, _SEQUENCES):
        return [_masked(v) for v in value]
    return to_jsonable_python(value)


@functools.cache
def _cached_adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    try:
        return _cached_adapter(annotation)
    except TypeError:  # an unhashable annotation
        return TypeAdapter(annotation)


def _mask_all_strings(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_all_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_all_strings(v) for v in value]
    return value


def masked(annotation: Any, value: Any) -> Any:
    """The stored JSON of a secret-bearing field as the API shows it: every secret leaf
    masked.  A value that no longer validates has every string masked."""
    if value is None:
        return None
    try:
        return _masked(_adapter(annotation).validate_python(value))
    except ValidationError:
        return _mask_all_strings(value)


def secret_values(annotation: Any, value: Any) -> list[str]:
    """The secret strings inside a stored or validated value (for the log redactor)."""
    if value is None:
        return []
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, str) and _plain(annotation) is SecretStr:
        return [value]
    try:
        validated = _adapter(annotation).validate_python(value)
    except ValidationError:
        return []
    return [leaf.get_secret_value() for kind, leaf in _walk(validated) if kind == "secret"]
