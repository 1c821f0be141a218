"""A fake Mango Office: an ASGI app speaking the VPBX / campaign API as documented.

As protocols.md §4 and protocols-2.md §1.5 describe the real service:

* every command is a POST form ``vpbx_api_key``, ``json``, ``sign``; the sign
  (``sha256(key + json + salt)``) is checked on every request: an unknown key answers
  ``{"result": 3105}``, a wrong or missing sign ``{"result": 3102}``, a body without
  ``json`` ``3103``, bad JSON ``3104`` (HTTP 400 each);
* success is HTTP 200 ``{"result": 1000, ...}``; ``custom-type/list`` answers its list
  in ``result`` with ``"status": 200``;
* over the rate limit (per account and command, a sliding second) HTTP 429 with the
  documented body; campaign commands answer ``{"result": 5008}`` instead;
* it keeps campaigns (``status`` 4 = finished refuses tasks with ``4100``), custom
  fields and tasks; ``tasks/push`` checks numbers and field ids; ``tasks/finished``
  answers the tasks finished in a window of at most 4 hours;
* ``commands/callback`` remembers the command; :meth:`FakeMango.send_callback_result`
  posts ``/result/callback`` back, signed.

Test helpers emit what Mango would send the hub: signed webhooks
(:meth:`webhook`, :meth:`incoming_call`, :meth:`call_summary`) and the robot's HTTP
request from the campaign scenario (:meth:`robot_answer`).  Every request is in
``requests``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIELDS = ("Время", "Дата", "Услуга", "Специалист", "Пациент_ФИО")
RATE_LIMITS = {"commands/callback": 4, "tasks/push": 5}
TOTAL_LIMIT = 10
CAMPAIGN_COMMANDS = {"custom-type/list", "campaign/list", "tasks/push", "tasks/finished"}
RATE_LIMIT_BODY = {
    "name": "Service Unavailable",
    "message": "Rate limit exceeded.",
    "code": 0,
    "status": 429,
}
MANGO_TIME = "%Y-%m-%d %H:%M:%S"


def sign(key: str, text: str, salt: str) -> str:
    return hashlib.sha256((key + text + salt).encode()).hexdigest()


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


@dataclass
class FakeTask:
    task_id: int
    campaign_id: int
    number: str
    name: str
    comment: str
    custom_fields: dict[str, str]
    created: dt.datetime
    status: int = 1
    status_reason: int | None = None
    end: dt.datetime | None = None


@dataclass
class FakeCampaign:
    campaign_id: int
    name: str
    status: int = 1
    tasks: list[FakeTask] = field(default_factory=list)


@dataclass(frozen=True)
class Recorded:
    path: str
    form: dict[str, str]

    @property
    def payload(self) -> Any:
        return json.loads(self.form["json"])


class _Error(Exception):
    def __init__(self, code: int, status: int = 400) -> None:
        self.code, self.status = code, status


class FakeMango:
    """The fake service; ``app`` goes behind ``httpx.ASGITransport``."""

    def __init__(self, key: str, salt: str) -> None:
        self.key, self.salt = key, salt
        self.accounts = {key: salt}
        self.fields: dict[int, str] = {5900 + i: name for i, name in enumerate(FIELDS, 1)}
        self.campaigns: dict[int, FakeCampaign] = {}
        self.commands: dict[str, dict[str, Any]] = {}
        self.requests: list[Recorded] = []
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.limits = dict(RATE_LIMITS)
        self.total_limit = TOTAL_LIMIT
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._http_errors: dict[str, deque[int]] = defaultdict(deque)
        self._ids = itertools.count(3001)
        handlers = {
            "custom-type/list": self._custom_types,
            "campaign/list": self._campaign_list,
            "tasks/push": self._tasks_push,
            "tasks/finished": self._tasks_finished,
            "commands/callback": self._callback,
        }
        routes = [
            Route(f"/vpbx/{name}", self._endpoint(name, handler), methods=["POST"])
            for name, handler in handlers.items()
        ]
        routes.append(Route("/vpbx/{path:path}", self._unknown, methods=["GET", "POST"]))
        self.app = Starlette(routes=routes)

    # --- set-up and knobs ----------------------------------------------------------------

    def add_campaign(
        self, campaign_id: int, name: str = "Подтверждение записи", status: int = 1
    ) -> FakeCampaign:
        campaign = FakeCampaign(campaign_id, name, status)
        self.campaigns[campaign_id] = campaign
        return campaign

    def http_error_next(self, status: int, command: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``command`` with a bare HTTP ``status``."""
        self._http_errors[command].extend([status] * times)

    @property
    def tasks(self) -> list[FakeTask]:
        return [task for campaign in self.campaigns.values() for task in campaign.tasks]

    def pushes(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "tasks/push"]

    def finish(self, task: FakeTask, reason: int, at: dt.datetime | None = None) -> None:
        """The campaign is done with ``task`` (``status_reason`` as Mango reports it)."""
        task.status, task.status_reason, task.end = 4, reason, at or self.clock()

    # --- the API ---------------------------------------------------------------------------

    def _endpoint(self, name: str, handler: Callable[[Any], dict[str, Any]]) -> Any:
        async def endpoint(request: Request) -> Response:
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            self.requests.append(Recorded(name, form))
            if self._http_errors[name]:
                return Response("upstream failure", status_code=self._http_errors[name].popleft())
            try:
                payload = self._authenticate(form)
                if self._over_limit(form["vpbx_api_key"], name):
                    if name in CAMPAIGN_COMMANDS:
                        return JSONResponse({"result": 5008})
                    return JSONResponse(RATE_LIMIT_BODY, status_code=429)
                return JSONResponse(handler(payload))
            except _Error as err:
                return JSONResponse({"result": err.code}, status_code=err.status)

        return endpoint

    async def _unknown(self, request: Request) -> Response:
        return JSONResponse({"result": 4001}, status_code=404)

    def _authenticate(self, form: dict[str, str]) -> Any:
        key = form.get("vpbx_api_key", "")
        if key not in self.accounts:
            raise _Error(3105, 401)
        if "json" not in form:
            raise _Error(3103)
        if form.get("sign", "") != sign(key, form["json"], self.accounts[key]):
            raise _Error(3102, 401)
        try:
            return json.loads(form["json"])
        except ValueError:
            raise _Error(3104) from None

    def _over_limit(self, key: str, command: str) -> bool:
        now = time.monotonic()
        over = False
        for bucket, limit in (
            ((key, command), self.limits.get(command)),
            ((key, "*"), self.total_limit),
        ):
            if limit is None:
                continue
            hits = self._hits[bucket]
            while hits and now - hits[0] >= 1.0:
                hits.popleft()
            over = over or len(hits) >= limit
        if not over:
            for bucket in ((key, command), (key, "*")):
                self._hits[bucket].append(now)
        return over

    def _custom_types(self, payload: Any) -> dict[str, Any]:
        items = [
            {
                "id": fid,
                "order": i,
                "name": name,
                "field_type": "text",
                "props": {"show_master_io": True, "show_member": True},
            }
            for i, (fid, name) in enumerate(self.fields.items(), 1)
        ]
        return {"result": items, "status": 200}

    def _campaign_list(self, payload: Any) -> dict[str, Any]:
        return {
            "result": 1000,
            "campaigns": [
                {
                    "campaign_id": c.campaign_id,
                    "name": c.name,
                    "status": c.status,
                    "tasks_count": len(c.tasks),
                    "finished_tasks_count": sum(t.status == 4 for t in c.tasks),
                }
                for c in self.campaigns.values()
            ],
        }

    def _campaign_of(self, payload: Any) -> FakeCampaign:
        if not isinstance(payload, dict) or "campaign_id" not in payload:
            raise _Error(3103)
        try:
            campaign = self.campaigns.get(int(payload["campaign_id"]))
        except (TypeError, ValueError):
            raise _Error(3104) from None
        if campaign is None:
            raise _Error(3300)
        return campaign

    def _tasks_push(self, payload: Any) -> dict[str, Any]:
        campaign = self._campaign_of(payload)
        if campaign.status in (4, 6):
            raise _Error(4100)
        tasks = payload.get("tasks")
        if not isinstance(tasks, list) or not tasks:
            raise _Error(3103)
        parsed = []
        for item in tasks:
            number = str(item.get("number") or "") if isinstance(item, dict) else ""
            if not number.isdigit() or len(number) > 64:
                raise _Error(3100)
            custom = item.get("custom_fields") or {}
            if not isinstance(custom, dict) or any(int(k) not in self.fields for k in custom):
                raise _Error(3100)
            if len(str(item.get("comment") or "")) > 1024:
                raise _Error(3100)
            parsed.append(
                FakeTask(
                    next(self._ids),
                    campaign.campaign_id,
                    number,
                    str(item.get("name") or ""),
                    str(item.get("comment") or ""),
                    {str(k): str(v) for k, v in custom.items()},
                    self.clock(),
                )
            )
        campaign.tasks.extend(parsed)  # all or nothing
        return {"result": 1000}

    def _tasks_finished(self, payload: Any) -> dict[str, Any]:
        campaign = self._campaign_of(payload)
        try:
            start = dt.datetime.strptime(payload["start_date"], MANGO_TIME).replace(tzinfo=dt.UTC)
            end = dt.datetime.strptime(payload["end_date"], MANGO_TIME).replace(tzinfo=dt.UTC)
        except (KeyError, TypeError, ValueError):
            raise _Error(3100) from None
        if end <= start or end - start > dt.timedelta(hours=4):
            raise _Error(3100)
        tasks = [
            {
                "campaign_task_id": t.task_id,
                "campaign_id": t.campaign_id,
                "name": t.name,
                "number": t.number,
                "comment": t.comment,
                "custom_fields": t.custom_fields,
                "status": t.status,
                "status_reason": t.status_reason,
                "talk_duration": 0,
                "end": t.end.strftime(MANGO_TIME) if t.end else None,
                "created": t.created.strftime(MANGO_TIME),
            }
            for t in campaign.tasks
            if t.end is not None and start <= t.end < end
        ]
        return {"result": 1000, "campaign": {"campaign_id": campaign.campaign_id, "tasks": tasks}}

    def _callback(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise _Error(3104)
        origin = payload.get("from")
        if (
            not payload.get("command_id")
            or not isinstance(origin, dict)
            or not origin.get("extension")
        ):
            raise _Error(3103)
        number = str(payload.get("to_number") or "")
        if not number.isdigit():
            raise _Error(3200)
        self.commands[str(payload["command_id"])] = payload
        return {"result": 1000}

    # --- what Mango sends the hub ------------------------------------------------------------

    def signed_form(
        self, payload: Any, *, salt: str | None = None, key: str | None = None
    ) -> dict[str, str]:
        text = dumps(payload)
        key = key or self.key
        return {"vpbx_api_key": key, "json": text, "sign": sign(key, text, salt or self.salt)}

    async def webhook(
        self, client: httpx.AsyncClient, base: str, path: str, payload: Any, **form: Any
    ) -> httpx.Response:
        """POST a signed webhook to ``<base>/<path>`` (``salt=`` another salt to forge it)."""
        return await client.post(
            f"{base.rstrip('/')}/{path}", data=self.signed_form(payload, **form)
        )

    async def incoming_call(
        self,
        client: httpx.AsyncClient,
        base: str,
        from_number: str,
        extension: str,
        *,
        entry_id: str = "MTAwMDE=",
        line_number: str = "74951234567",
    ) -> list[httpx.Response]:
        """An incoming call through the IVR to ``extension``: /events/call seq 1..3."""
        now = int(self.clock().timestamp())
        common = {
            "entry_id": entry_id,
            "call_id": f"{entry_id}-leg",
            "timestamp": now,
            "from": {"number": from_number},
        }
        events = [
            {
                **common,
                "seq": 1,
                "call_state": "Appeared",
                "location": "ivr",
                "to": {"number": line_number, "line_number": line_number},
            },
            {
                **common,
                "seq": "2",
                "call_state": "Appeared",
                "location": "abonent",
                "to": {
                    "extension": extension,
                    "number": f"sip:user{extension}@x.mangosip.ru",
                    "line_number": line_number,
                },
            },
            {
                **common,
                "seq": 3,
                "call_state": "Connected",
                "location": "abonent",
                "to": {"extension": extension, "line_number": line_number},
            },
        ]
        return [await self.webhook(client, base, "events/call", e) for e in events]

    async def call_summary(
        self,
        client: httpx.AsyncClient,
        base: str,
        *,
        entry_id: str,
        direction: int,
        from_number: str = "",
        from_extension: str = "",
        to_number: str = "",
        to_extension: str = "",
        talk_seconds: int = 0,
        start: dt.datetime | None = None,
        disconnect_reason: int = 1110,
        line_number: str = "74951234567",
    ) -> httpx.Response:
        """The ``/events/summary`` of a finished call."""
        created = int((start or self.clock()).timestamp())
        talk = created + 5 if talk_seconds else 0
        payload = {
            "entry_id": entry_id,
            "call_direction": direction,
            "from": {
                k: v for k, v in {"number": from_number, "extension": from_extension}.items() if v
            },
            "to": {k: v for k, v in {"number": to_number, "extension": to_extension}.items() if v},
            "line_number": line_number,
            "create_time": created,
            "forward_time": created + 2,
            "talk_time": talk,
            "end_time": (talk + talk_seconds) if talk else created + 20,
            "entry_result": 1 if talk_seconds else 0,
            "disconnect_reason": disconnect_reason,
        }
        return await self.webhook(client, base, "events/summary", payload)

    async def send_callback_result(
        self, client: httpx.AsyncClient, base: str, command_id: str, result: int | str = "1000"
    ) -> httpx.Response:
        return await self.webhook(
            client, base, "result/callback", {"command_id": command_id, "result": result}
        )

    async def robot_answer(
        self,
        client: httpx.AsyncClient,
        reference: str,
        status: int | str,
        *,
        style: str = "json",
        path: str = "/MangoOffice/UpdateStatus",
    ) -> httpx.Response:
        """The HTTP request of the robot scenario: the body template with
        ``{{Дополнительная информация}}`` replaced by the task's comment.

        ``json``: ``{"id": "<ref>", ...}``; ``raw``: the template as the seed writes it,
        the reference substituted unquoted; ``form``: form-encoded.
        """
        if style == "json":
            return await client.post(path, json={"id": reference, "status": status})
        if style == "raw":
            body = '{\n  "id": ' + reference + ',\n  "status": ' + str(status) + "\n}"
            return await client.post(
                path, content=body.encode(), headers={"Content-Type": "application/json"}
            )
        if style == "form":
            return await client.post(
                path,
                content=urlencode({"id": reference, "status": status}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        raise ValueError(style)
