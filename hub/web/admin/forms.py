"""HTML forms generated from JSON schemas: a plugin's settings and its actions' inputs.

A plugin declares a pydantic model; the API publishes its JSON schema; this module
turns the schema into fields (type, title, description, default, choices) and a posted
form back into JSON values — so a third-party plugin gets its settings page and its
action buttons without a line of UI code.

    string → text input         integer/number → number input   boolean → checkbox
    enum / Literal → select     SecretStr → password input, blank keeps the stored value
    time → time input           list of strings → comma-separated text
    array / object → JSON text  ``x | None`` → may be left empty (sent as null)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from hub.web.admin.strings import T

#: A posted form's field names are prefixed so they never collide with csrf etc.
PREFIX = "f."


@dataclass
class Field:
    """One input of a generated form."""

    name: str
    title: str
    description: str
    kind: str  # text | integer | number | bool | select | secret | json
    required: bool
    nullable: bool
    default: Any = None
    value: str = ""
    checked: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    locked: bool = False  # shown, not editable by this user (admin-only)
    is_set: bool = False  # a secret that has a stored value
    masked: str = ""  # the stored secret's mask (admins only)
    error: str = ""

    @property
    def input_name(self) -> str:
        return PREFIX + self.name

    @property
    def default_text(self) -> str:
        if self.default is None or self.kind == "secret":
            return ""
        if isinstance(self.default, bool):
            return "да" if self.default else "нет"
        if isinstance(self.default, (list, dict)):
            return json.dumps(self.default, ensure_ascii=False)
        return str(self.default)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _shape(schema: dict[str, Any], prop: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The property's own schema (``anyOf [X, null]`` unwrapped) and whether null is allowed."""
    prop = _resolve(schema, prop)
    variants = prop.get("anyOf") or prop.get("oneOf")
    if isinstance(variants, list):
        others = [_resolve(schema, v) for v in variants if v.get("type") != "null"]
        nullable = len(others) < len(variants)
        if len(others) == 1:
            merged = {**others[0], **{k: v for k, v in prop.items() if k not in ("anyOf", "oneOf")}}
            return merged, nullable
        # a Decimal is ``number | string``: a number to people
        types = {o.get("type") for o in others}
        if types <= {"number", "string", "integer"} and "number" in types:
            return {**prop, "type": "number"}, nullable
        return {**prop, "type": "json"}, nullable
    return prop, prop.get("type") == "null"


def _kind(shape: dict[str, Any], secret: bool) -> str:
    if secret or (shape.get("format") == "password" and shape.get("writeOnly")):
        return "secret"
    if "enum" in shape or "const" in shape:
        return "select"
    kind = shape.get("type")
    if kind == "boolean":
        return "bool"
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "string":
        return "time" if shape.get("format") == "time" else "text"
    if kind == "array" and (shape.get("items") or {}).get("type") == "string":
        return "list"
    return "json"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def fields_of(
    schema: dict[str, Any],
    values: dict[str, Any] | None = None,
    *,
    secrets: frozenset[str] = frozenset(),
    locked: frozenset[str] = frozenset(),
    show_masks: bool = False,
    errors: dict[str, str] | None = None,
) -> list[Field]:
    """The fields of ``schema`` filled with ``values`` (stored settings, masked secrets)."""
    values = values or {}
    errors = errors or {}
    required = set(schema.get("required", []))
    out: list[Field] = []
    for name, raw in (schema.get("properties") or {}).items():
        shape, nullable = _shape(schema, raw)
        kind = _kind(shape, name in secrets)
        default = shape.get("default", raw.get("default"))
        current = values.get(name, default)
        f = Field(
            name=name,
            title=str(raw.get("title") or shape.get("title") or name),
            description=str(raw.get("description") or shape.get("description") or ""),
            kind=kind,
            required=name in required and not nullable,
            nullable=nullable,
            default=default,
            locked=name in locked,
            error=errors.get(name, ""),
        )
        if kind == "secret":
            f.is_set = bool(values.get(name))
            f.masked = str(values.get(name) or "") if show_masks else ""
        elif kind == "bool":
            f.checked = bool(current)
        elif kind == "select":
            choices = shape.get("enum") or [shape.get("const")]
            f.options = [(_text(c), _text(c)) for c in choices]
            f.value = _text(current)
        elif kind == "list" and isinstance(current, list):
            f.value = ", ".join(str(v) for v in current)
        else:
            f.value = _text(current)
        out.append(f)
    return out


class FormInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse(form: FormData, fields: list[Field], *, keep_blank: bool = True) -> dict[str, Any]:
    """The JSON values of a posted form.  A blank secret is left out (the stored one is
    kept); locked fields are never read (a disabled input is not posted; one forced into
    the form is passed on, and the API refuses it).  ``keep_blank=False`` (actions)
    leaves out every empty optional field."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    posted = set(form.keys())
    for f in fields:
        present = f.input_name in posted
        if f.locked and not present:
            continue
        values = form.getlist(f.input_name)
        raw = str(values[-1]) if values else ""
        if f.kind == "secret":
            if raw:
                out[f.name] = raw
            continue
        if f.kind == "bool":
            if present or not f.locked:
                out[f.name] = raw in ("true", "on", "1")
            continue
        if raw.strip() == "":
            if f.nullable and (keep_blank or not f.required):
                if keep_blank:
                    out[f.name] = None
            elif f.kind == "text" and keep_blank and not f.required:
                out[f.name] = ""
            continue
        if f.kind == "integer":
            try:
                out[f.name] = int(raw.strip())
            except ValueError:
                errors[f.name] = "Нужно целое число."
        elif f.kind == "number":
            text = raw.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
            try:
                float(text)
            except ValueError:
                errors[f.name] = "Нужно число."
            else:
                out[f.name] = text if "." in text else int(text)
        elif f.kind == "list":
            out[f.name] = [part.strip() for part in raw.split(",") if part.strip()]
        elif f.kind == "time":
            out[f.name] = raw.strip()[:8]
        elif f.kind == "json":
            try:
                out[f.name] = json.loads(raw)
            except ValueError:
                errors[f.name] = T["json_hint"]
        else:
            out[f.name] = raw
    if errors:
        raise FormInvalid(errors)
    return out
