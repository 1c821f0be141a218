"""Plugin actions: ``GET/POST /api/v1/clinics/{clinic}/plugins/{plugin}/actions[/{action}]``.

One generic route for everything a plugin can be asked to do for one object: send an
appointment to a voice robot, link a card to a portal, scan a document, print a label.
The body is validated by the action's input model; the plugin's answer is returned:
as JSON, or as a file when the action answers a :class:`hub.FileAnswer`.  Each action
runs under its own time limit (``Action.timeout``, else ``HUB_PLUGIN_TIMEOUT``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ValidationError

from hub.api.deps import ClinicReader, ClinicSystem, RuntimeDep
from hub.api.errors import clean_errors
from hub.api.plugin_access import enabled_context, loaded_plugin
from hub.plugin_data import files
from hub.plugins import PluginCallError
from hub.schemas.plugins import ActionPublic
from hub.types import UPSTREAM_STATUSES, ActionError, FileAnswer

router = APIRouter(prefix="/api/v1/clinics/{clinic}/plugins/{plugin}/actions", tags=["actions"])


def input_names(model: type[BaseModel]) -> set[str]:
    """The body keys an action's input takes: its fields and their aliases (``"from"``
    is a field named ``from_`` with an alias)."""
    names = set(model.model_fields)
    for info in model.model_fields.values():
        names.update(a for a in (info.alias, info.validation_alias) if isinstance(a, str))
    return names


@router.get("", response_model=list[ActionPublic])
async def list_actions(
    plugin: str, access: ClinicReader, runtime: RuntimeDep
) -> list[ActionPublic]:
    """The plugin's actions with the JSON schema of their input."""
    info = loaded_plugin(runtime, plugin)
    return [
        ActionPublic(
            name=a.name,
            description=a.description,
            input_schema=a.input_model.model_json_schema(),
            timeout=a.timeout,
        )
        for a in info.actions.values()
    ]


@router.post("/{action}")
async def run_action(
    plugin: str,
    action: str,
    access: ClinicSystem,
    runtime: RuntimeDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Any:
    """Run the action for the clinic and return the plugin's answer (admin or the
    clinic's own token: actions act on the outside world, e.g. call a patient).

    JSON, or a file (``Content-Disposition: attachment``) for an action answering one;
    502 if the plugin fails or passes its time limit."""
    info = loaded_plugin(runtime, plugin)
    spec = info.actions.get(action)
    if spec is None:
        raise HTTPException(
            404,
            f"Plugin {plugin!r} has no action {action!r} "
            f"(it has: {', '.join(info.actions) or 'none'})",
        )
    unknown = sorted(set(body or {}) - input_names(spec.input_model))
    if unknown:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", name],
                    "msg": "Extra inputs are not permitted",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ],
        )
    try:
        data = spec.input_model.model_validate(body or {})
    except ValidationError as exc:
        errors = clean_errors(exc.errors())
        for error in errors:
            error["loc"] = ["body", *error["loc"]]
        raise HTTPException(422, errors) from None
    ctx = await enabled_context(runtime, access.clinic_id, plugin)
    try:
        result = await runtime.host.run_strict(
            plugin, f"action:{action}", ctx, spec.run, data, timeout=spec.timeout
        )
    except ActionError as exc:
        allowed = 400 <= exc.status < 500 or exc.status in UPSTREAM_STATUSES
        raise HTTPException(exc.status if allowed else 400, exc.message) from None
    except PluginCallError as exc:
        raise HTTPException(502, f"Plugin {plugin!r} failed: {exc.error}") from None
    if isinstance(result, FileAnswer):
        return files.response(result)
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return jsonable_encoder(result)
