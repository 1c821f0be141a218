"""A fake FHIR R4 laboratory speaking assumed-protocols.md §3, as an ASGI app.

    GET  /ActivityDefinition?status=active     the catalogue, two tests a page (``next`` links)
    POST /                                     order intake: a transaction Bundle; the Task's
                                               ``ifNoneExist`` makes a repeat answer the same
                                               locations without booking again
    GET  /Task?identifier=<system>|<value>     the order's Task; its status moves with time
    PUT  /Task/{id}                            cancel while requested / accepted (else 409)
    GET  /DiagnosticReport?based-on=ServiceRequest/<id>&_include=DiagnosticReport:result

Time moves the Task (``clock``): ``accepted`` after 5 minutes, ``in-progress`` after 30
(partial results: the first value of each test), ``completed`` after 2 hours (final
results and a PDF).  Errors are OperationOutcomes: a wrong token (401), an unknown test
(422), a malformed Bundle (400), ``down`` (503), ``lose_answers`` (the order is booked
but the answer is a 504, as when a proxy times out).
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

FHIR = "application/fhir+json"
SYSTEM = "urn:oid:1.2.643.5.1.13.13.11.1080"
TOKEN = "lab-token-0123456789"

#: code -> (display, tube, observations: (code, display, value, unit, low, high, flag))
CATALOGUE: dict[str, tuple[str, str, list[tuple[str, str, Any, str | None, Any, Any, str]]]] = {
    "1001": (
        "Общий анализ крови",
        "EDTA (фиолетовая)",
        [
            ("HGB", "Гемоглобин", 135, "г/л", 120, 160, "N"),
            ("WBC", "Лейкоциты", 11.2, "10*9/л", 4, 9, "H"),
        ],
    ),
    "2001": (
        "Глюкоза",
        "Сыворотка (жёлтая)",
        [("GLU", "Глюкоза", 5.1, "ммоль/л", 3.9, 6.1, "N")],
    ),
    "2002": ("АЛТ", "Сыворотка (жёлтая)", [("ALT", "АЛТ", 25, "Ед/л", 0, 41, "N")]),
    "3001": (
        "Посев мочи",
        "Моча (контейнер)",
        [("CULT", "Рост микрофлоры", "роста нет", None, None, None, "N")],
    ),
}

STEPS = (
    ("accepted", dt.timedelta(minutes=5)),
    ("in-progress", dt.timedelta(minutes=30)),
    ("completed", dt.timedelta(hours=2)),
)


def pdf_bytes(title: str) -> bytes:
    """A small valid PDF naming the order."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 12 Tf 40 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def outcome(status: int, code: str, text: str) -> JSONResponse:
    return JSONResponse(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": text}],
        },
        status_code=status,
        media_type=FHIR,
    )


@dataclass
class Order:
    task: dict[str, Any]
    requests: list[dict[str, Any]]
    specimens: list[dict[str, Any]]
    patient: dict[str, Any]
    booked_at: dt.datetime
    locations: list[str]
    forced: str | None = None


@dataclass
class FakeLab:
    token: str = TOKEN
    prefix: str = "/fhir"
    clock: Callable[[], dt.datetime] = field(
        default=lambda: dt.datetime.now(dt.UTC)  # replaced by the tests' frozen clock
    )
    down: bool = False
    lose_answers: bool = False
    orders: dict[str, Order] = field(default_factory=dict)  # task id -> order
    #: every order intake request that booked an order (a repeat does not)
    booked: list[dict[str, Any]] = field(default_factory=list)
    requests_seen: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ids = itertools.count(101)
        self.app = self._build()

    # --- test controls -------------------------------------------------------------------

    def reject(self, order_id: str, reason: str) -> None:
        self._by_identifier(order_id).forced = "rejected"
        self._by_identifier(order_id).task["statusReason"] = {"text": reason}

    def _by_identifier(self, value: str) -> Order:
        for order in self.orders.values():
            if any(i["value"] == value for i in order.task["identifier"]):
                return order
        raise KeyError(value)

    def order_for(self, order_id: str) -> Order:
        return self._by_identifier(order_id)

    # --- the laboratory's clock ---------------------------------------------------------------

    def _status(self, order: Order) -> str:
        if order.forced:
            return order.forced
        status = "requested"
        age = self.clock() - order.booked_at
        for step, after in STEPS:
            if age >= after:
                status = step
        return status

    def _task(self, order: Order) -> dict[str, Any]:
        task = dict(order.task)
        task["status"] = self._status(order)
        return task

    # --- the app ------------------------------------------------------------------------------

    def _build(self) -> FastAPI:
        app = FastAPI()
        router = APIRouter(prefix=self.prefix)

        @app.middleware("http")
        async def guard(request: Request, call_next: Any) -> Any:
            self.requests_seen.append((request.method, request.url.path))
            if self.down:
                return outcome(503, "transient", "Сервис временно недоступен")
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return outcome(401, "login", "Неверный токен доступа")
            return await call_next(request)

        @router.get("/ActivityDefinition")
        async def catalogue(request: Request) -> JSONResponse:
            if request.query_params.get("status") not in ("active", None):
                return outcome(400, "invalid", "Неизвестный статус")
            page = int(request.query_params.get("page", "0"))
            codes = sorted(CATALOGUE)
            chunk = codes[page * 2 : page * 2 + 2]
            bundle: dict[str, Any] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(codes),
                "entry": [
                    {
                        "resource": {
                            "resourceType": "ActivityDefinition",
                            "id": f"ad-{code}",
                            "status": "active",
                            "title": CATALOGUE[code][0],
                            "code": {
                                "coding": [
                                    {"system": SYSTEM, "code": code, "display": CATALOGUE[code][0]}
                                ]
                            },
                            "specimenRequirement": [
                                {
                                    "reference": f"SpecimenDefinition/{code}",
                                    "display": CATALOGUE[code][1],
                                }
                            ],
                        }
                    }
                    for code in chunk
                ],
            }
            if page * 2 + 2 < len(codes):
                bundle["link"] = [
                    {
                        "relation": "next",
                        "url": f"ActivityDefinition?status=active&page={page + 1}",
                    }
                ]
            return JSONResponse(bundle, media_type=FHIR)

        @router.post("")
        async def intake(request: Request) -> JSONResponse:
            try:
                bundle = await request.json()
            except ValueError:
                return outcome(400, "structure", "Тело запроса не JSON")
            if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
                return outcome(400, "structure", "Ожидается Bundle типа transaction")
            entries = bundle.get("entry") or []
            by_type: dict[str, list[dict[str, Any]]] = {}
            for entry in entries:
                if (
                    not str(entry.get("fullUrl", "")).startswith("urn:uuid:")
                    or (entry.get("request") or {}).get("method") != "POST"
                ):
                    return outcome(400, "structure", "Записи: fullUrl urn:uuid: и POST")
                resource = entry["resource"]
                by_type.setdefault(resource["resourceType"], []).append(entry)
            if [len(by_type.get(t, [])) for t in ("Patient", "Task")] != [1, 1]:
                return outcome(400, "structure", "Нужны один Patient и одна Task")
            if not by_type.get("ServiceRequest") or not by_type.get("Specimen"):
                return outcome(400, "required", "Нет ServiceRequest или Specimen")
            task_entry = by_type["Task"][0]
            task = task_entry["resource"]
            if task.get("status") != "requested" or task.get("intent") != "order":
                return outcome(400, "value", "Task: status requested, intent order")
            urls = {e["fullUrl"] for e in entries}
            for sr in by_type["ServiceRequest"]:
                resource = sr["resource"]
                coding = resource["code"]["coding"][0]
                if coding.get("system") != SYSTEM or coding.get("code") not in CATALOGUE:
                    return outcome(
                        422, "code-invalid", f"Неизвестный код теста {coding.get('code')}"
                    )
                refs = [resource["subject"]["reference"]] + [
                    s["reference"] for s in resource.get("specimen") or []
                ]
                if any(ref not in urls for ref in refs) or not resource.get("specimen"):
                    return outcome(400, "invalid", "Ссылка на ресурс вне пакета")
            if task["focus"]["reference"] != by_type["ServiceRequest"][0]["fullUrl"]:
                return outcome(400, "invalid", "Task.focus: первый ServiceRequest")
            identifier = task["identifier"][0]
            condition = (task_entry.get("request") or {}).get("ifNoneExist")
            if condition != f"identifier={identifier['system']}|{identifier['value']}":
                return outcome(400, "required", "Task: нужен ifNoneExist по identifier")
            try:
                existing = self._by_identifier(identifier["value"])
            except KeyError:
                existing = None
            if existing is not None:
                if self.lose_answers:
                    return outcome(504, "timeout", "Gateway Timeout")
                return self._response(existing.locations, "200 OK")
            locations = []
            stored: dict[str, dict[str, Any]] = {}
            for entry in entries:
                kind = entry["resource"]["resourceType"]
                new_id = str(next(self._ids))
                stored[entry["fullUrl"]] = {**entry["resource"], "id": new_id}
                locations.append(f"{kind}/{new_id}/_history/1")

            def local(ref: str) -> str:
                return f"{stored[ref]['resourceType']}/{stored[ref]['id']}"

            for resource in stored.values():
                for key in ("subject", "focus", "for"):
                    if key in resource:
                        resource[key] = {"reference": local(resource[key]["reference"])}
                if "specimen" in resource:
                    resource["specimen"] = [
                        {"reference": local(s["reference"])} for s in resource["specimen"]
                    ]
            order = Order(
                task=stored[task_entry["fullUrl"]],
                requests=[stored[e["fullUrl"]] for e in by_type["ServiceRequest"]],
                specimens=[stored[e["fullUrl"]] for e in by_type["Specimen"]],
                patient=stored[by_type["Patient"][0]["fullUrl"]],
                booked_at=self.clock(),
                locations=locations,
            )
            self.orders[order.task["id"]] = order
            self.booked.append(bundle)
            if self.lose_answers:
                return outcome(504, "timeout", "Gateway Timeout")
            return self._response(locations, "201 Created")

        @router.get("/Task")
        async def task_search(request: Request) -> JSONResponse:
            value = request.query_params.get("identifier", "")
            if "|" not in value:
                return outcome(400, "invalid", "identifier: system|value")
            system, _, wanted = value.partition("|")
            found = [
                self._task(o)
                for o in self.orders.values()
                if any(i["system"] == system and i["value"] == wanted for i in o.task["identifier"])
            ]
            return JSONResponse(
                {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "total": len(found),
                    "entry": [{"resource": t} for t in found],
                },
                media_type=FHIR,
            )

        @router.put("/Task/{task_id}")
        async def task_update(task_id: str, request: Request) -> JSONResponse:
            order = self.orders.get(task_id)
            if order is None:
                return outcome(404, "not-found", f"Task/{task_id} не найдена")
            body = await request.json()
            if body.get("status") != "cancelled":
                return outcome(422, "business-rule", "Разрешена только отмена")
            current = self._status(order)
            if current not in ("requested", "accepted"):
                return outcome(409, "conflict", f"Заказ уже в статусе {current}")
            order.forced = "cancelled"
            return JSONResponse(self._task(order), media_type=FHIR)

        @router.get("/DiagnosticReport")
        async def reports(request: Request) -> JSONResponse:
            based_on = request.query_params.get("based-on", "")
            if not based_on.startswith("ServiceRequest/"):
                return outcome(400, "invalid", "based-on=ServiceRequest/<id>")
            include = request.query_params.get("_include") == "DiagnosticReport:result"
            wanted = based_on.removeprefix("ServiceRequest/")
            entries: list[dict[str, Any]] = []
            for order in self.orders.values():
                status = self._status(order)
                if status not in ("in-progress", "completed"):
                    continue
                for sr in order.requests:
                    if sr["id"] == wanted:
                        entries.extend(self._report(order, sr, final=status == "completed"))
            if not include:
                entries = [e for e in entries if e["search"]["mode"] == "match"]
            return JSONResponse(
                {"resourceType": "Bundle", "type": "searchset", "entry": entries},
                media_type=FHIR,
            )

        app.include_router(router)
        return app

    def _response(self, locations: list[str], status: str) -> JSONResponse:
        return JSONResponse(
            {
                "resourceType": "Bundle",
                "type": "transaction-response",
                "entry": [{"response": {"status": status, "location": loc}} for loc in locations],
            },
            status_code=200,
            media_type=FHIR,
        )

    def _report(
        self, order: Order, request: dict[str, Any], *, final: bool
    ) -> list[dict[str, Any]]:
        code = request["code"]["coding"][0]["code"]
        display, _, values = CATALOGUE[code]
        shown = values if final else values[:1]
        observations = []
        for n, (obs_code, obs_display, value, unit, low, high, flag) in enumerate(shown):
            obs: dict[str, Any] = {
                "resourceType": "Observation",
                "id": f"obs-{request['id']}-{n}",
                "status": "final",
                "code": {"coding": [{"system": SYSTEM, "code": obs_code, "display": obs_display}]},
                "interpretation": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/"
                                "v3-ObservationInterpretation",
                                "code": flag,
                            }
                        ]
                    }
                ],
            }
            if unit is None:
                obs["valueString"] = value
            else:
                obs["valueQuantity"] = {"value": value, "unit": unit}
                obs["referenceRange"] = [
                    {"low": {"value": low, "unit": unit}, "high": {"value": high, "unit": unit}}
                ]
            observations.append(obs)
        report: dict[str, Any] = {
            "resourceType": "DiagnosticReport",
            "id": f"dr-{request['id']}",
            "status": "final" if final else "partial",
            "basedOn": [{"reference": f"ServiceRequest/{request['id']}"}],
            "code": {"coding": [{"system": SYSTEM, "code": code, "display": display}]},
            "subject": {"reference": request["subject"]["reference"]},
            "result": [{"reference": f"Observation/{o['id']}"} for o in observations],
        }
        if final:
            report["presentedForm"] = [
                {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(pdf_bytes(f"Order {order.task['id']}")).decode(),
                    "title": "Результаты",
                }
            ]
        return [{"resource": report, "search": {"mode": "match"}}] + [
            {"resource": o, "search": {"mode": "include"}} for o in observations
        ]
