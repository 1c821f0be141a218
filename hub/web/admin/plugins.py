"""A clinic's plugins: ``/admin/c/{clinic}/plugins[/{plugin}]``.

The list has each plugin's enable switch and the clinic's channel routing (provider
plugins per channel in fallback order).  A plugin's page has its settings form —
generated from the plugin's settings schema, secrets masked and never sent to the
browser, blank secret = keep — the «Проверить подключение» button and one form per
action the plugin declares; an action answering a file (``hub.FileAnswer``) downloads.

What a ``webadmin`` may not change (secrets and where they are sent, the routing,
actions) is shown locked or not at all; forced anyway, the API refuses it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hub import plugin_settings
from hub.api.deps import RuntimeDep
from hub.runtime import Runtime
from hub.web.admin import forms
from hub.web.admin.api import ApiError, HubApi
from hub.web.admin.pages import HEADERS, AdminDep, FormDep, api, is_htmx, notice, render
from hub.web.admin.session import AdminSession
from hub.web.admin.strings import T

router = APIRouter(prefix="/c/{clinic}")

CHANNELS = ("sms", "voice", "messenger", "email")


async def _catalog(hub: HubApi) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in (await hub.get("/api/v1/plugins"))["items"]}


@router.get("/plugins")
async def plugins_page(request: Request, admin: AdminDep, clinic: str, done: str = "") -> Response:
    async with api(request, admin) as hub:
        configured = (await hub.get(f"/api/v1/clinics/{clinic}/plugins"))["items"]
        catalog = await _catalog(hub)
        info = await hub.get(f"/api/v1/clinics/{clinic}")
    providers = {
        ch: [name for name, p in catalog.items() if ch in p.get("channels", [])] for ch in CHANNELS
    }
    return await render(
        request,
        admin,
        "admin/plugins.html",
        items=configured,
        catalog=catalog,
        routing=info.get("channels") or {},
        providers=providers,
        channels=CHANNELS,
        flash=T["saved"] if done else "",
    )


@router.post("/plugins/{plugin}/enabled")
async def switch(
    request: Request, admin: AdminDep, form: FormDep, clinic: str, plugin: str
) -> Response:
    enabled = str(form.get("enabled", "")) in ("1", "true", "on")
    try:
        async with api(request, admin) as hub:
            await hub.put(f"/api/v1/clinics/{clinic}/plugins/{plugin}", json={"enabled": enabled})
    except ApiError as exc:
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    return RedirectResponse(f"/admin/c/{clinic}/plugins?done=1", status_code=303, headers=HEADERS)


@router.post("/routing")
async def routing(request: Request, admin: AdminDep, form: FormDep, clinic: str) -> Response:
    channels = {
        ch: [p.strip() for p in str(form.get(f"ch.{ch}", "")).split(",") if p.strip()]
        for ch in CHANNELS
    }
    try:
        async with api(request, admin) as hub:
            await hub.patch(f"/api/v1/clinics/{clinic}", json={"channels": channels})
    except ApiError as exc:
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    return RedirectResponse(f"/admin/c/{clinic}/plugins?done=1", status_code=303, headers=HEADERS)


def _setting_fields(
    runtime: Runtime,
    admin: AdminSession,
    plugin: str,
    schema: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> list[forms.Field]:
    model = runtime.host.plugins[plugin].settings_model
    locked = frozenset() if admin.is_admin else plugin_settings.admin_only_fields(model)
    return forms.fields_of(
        schema,
        values,
        secrets=plugin_settings.secret_fields(model),
        locked=locked,
        show_masks=admin.is_admin,
        errors=errors,
    )


async def _plugin_page(
    request: Request,
    admin: AdminSession,
    runtime: Runtime,
    clinic: str,
    plugin: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    flash: str = "",
    error: str = "",
    check: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
) -> Response:
    async with api(request, admin) as hub:
        catalog = await _catalog(hub)
        current = await hub.get(f"/api/v1/clinics/{clinic}/plugins/{plugin}")
    meta = catalog[plugin]
    fields = _setting_fields(
        runtime, admin, plugin, meta["settings_schema"], current["settings"], errors
    )
    actions = [
        {
            "name": a["name"],
            "description": a["description"],
            "fields": forms.fields_of(a["input_schema"]),
        }
        for a in meta.get("actions", [])
    ]
    return await render(
        request,
        admin,
        "admin/plugin.html",
        status,
        plugin=meta,
        current=current,
        fields=fields,
        actions=actions,
        flash=flash,
        error=error,
        check=check,
        result=result,
    )


@router.get("/plugins/{plugin}")
async def plugin_page(
    request: Request,
    admin: AdminDep,
    runtime: RuntimeDep,
    clinic: str,
    plugin: str,
    saved: str = "",
) -> Response:
    return await _plugin_page(
        request, admin, runtime, clinic, plugin, flash=T["saved"] if saved else ""
    )


@router.post("/plugins/{plugin}/settings")
async def save_settings(
    request: Request,
    admin: AdminDep,
    form: FormDep,
    runtime: RuntimeDep,
    clinic: str,
    plugin: str,
) -> Response:
    async with api(request, admin) as hub:
        meta = (await _catalog(hub)).get(plugin)
        if meta is None:
            return await notice(request, admin, 404, T["not_found_title"], plugin)
        fields = _setting_fields(runtime, admin, plugin, meta["settings_schema"], {})
        try:
            update = forms.parse(form, fields)
        except forms.FormInvalid as exc:
            return await _plugin_page(
                request, admin, runtime, clinic, plugin, status=422, errors=exc.errors
            )
        try:
            await hub.put(f"/api/v1/clinics/{clinic}/plugins/{plugin}", json={"settings": update})
        except ApiError as exc:
            if exc.status == 403:
                raise
            return await _plugin_page(
                request,
                admin,
                runtime,
                clinic,
                plugin,
                status=exc.status,
                errors=exc.fields,
                error=exc.message,
            )
    return RedirectResponse(
        f"/admin/c/{clinic}/plugins/{plugin}?saved=1", status_code=303, headers=HEADERS
    )


@router.post("/plugins/{plugin}/check")
async def check(
    request: Request, admin: AdminDep, form: FormDep, runtime: RuntimeDep, clinic: str, plugin: str
) -> Response:
    async with api(request, admin) as hub:
        answer = await hub.post(f"/api/v1/clinics/{clinic}/plugins/{plugin}/check")
    if is_htmx(request):
        return await render(request, admin, "admin/_check.html", check=answer)
    return await _plugin_page(request, admin, runtime, clinic, plugin, check=answer)


@router.post("/plugins/{plugin}/actions/{action}")
async def run_action(
    request: Request,
    admin: AdminDep,
    form: FormDep,
    runtime: RuntimeDep,
    clinic: str,
    plugin: str,
    action: str,
) -> Response:
    async with api(request, admin) as hub:
        meta = (await _catalog(hub)).get(plugin)
        spec = next((a for a in (meta or {}).get("actions", []) if a["name"] == action), None)
        if spec is None:
            return await notice(request, admin, 404, T["not_found_title"], f"{plugin}: {action}")
        try:
            body = forms.parse(form, forms.fields_of(spec["input_schema"]), keep_blank=False)
            answer = await hub.raw(
                "POST", f"/api/v1/clinics/{clinic}/plugins/{plugin}/actions/{action}", json=body
            )
        except forms.FormInvalid as exc:
            outcome: dict[str, Any] = {"action": action, "ok": False, "error": str(exc)}
        except ApiError as exc:
            if exc.status == 403:
                raise
            outcome = {"action": action, "ok": False, "error": exc.message}
        else:
            disposition = answer.headers.get("content-disposition", "")
            if disposition.startswith("attachment"):
                return Response(
                    answer.content,
                    media_type=answer.headers.get("content-type", "application/octet-stream"),
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
                )
            outcome = {"action": action, "ok": True, "answer": answer.json()}
    if is_htmx(request):
        return await render(request, admin, "admin/_action_result.html", result=outcome)
    return await _plugin_page(request, admin, runtime, clinic, plugin, result=outcome)
