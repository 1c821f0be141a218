"""A fake Ivoice robot speaking what ``/work/shared/design/protocols-2.md`` §5.3 and
``protocols.md`` §7.4 describe (Mgerm's payload; the transport marked [?] there).

Every request must carry ``Authorization: Bearer <token>`` (401 otherwise).

    POST <path> {id, patient, referrals, firstReferral}
        200 {"success": true, "id": "<call id>"}
        422 {"message", "errors": {key: [...]}} for other top-level keys, a missing one,
            no patient.phone, or no firstReferral date/timeStart
    GET <path>  405 {"message": "Method Not Allowed"} (the token was taken)

Tests steer it:

    fake.fail_next(402)                  the next call answers that HTTP status
    await fake.answer(http, url, call, True)
                                         the robot's scenario posts the patient's answer
                                         {"id", "patientConfirmation"} to the clinic's address
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from hub_ivoice.const import PAYLOAD_KEYS
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PATH = "/api/v1/robot/calls"
MESSAGES = {
    401: "Unauthenticated.",
    402: "Недостаточно средств на балансе.",
    422: "The given data was invalid.",
    429: "Too Many Requests.",
}


@dataclass
class Call:
    id: str
    payload: dict[str, Any]


class FakeIvoice:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.headers: list[dict[str, str]] = []
        self._ids = itertools.count(9001)
        self._failures: list[int] = []
        self.app = Starlette(routes=[Route(PATH, self._endpoint, methods=["GET", "POST"])])

    def fail_next(self, status: int) -> None:
        self._failures.append(status)

    async def answer(
        self, http: httpx.AsyncClient, url: str, call: Call, confirmed: Any
    ) -> httpx.Response:
        """The robot's scenario posting the patient's answer, as the clinic asked Ivoice."""
        return await http.post(
            url, json={"id": call.payload["id"], "patientConfirmation": confirmed}
        )

    @staticmethod
    def _error(status: int, errors: dict[str, list[str]] | None = None) -> Response:
        body: dict[str, Any] = {"message": MESSAGES.get(status, "Error")}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status_code=status)

    async def _endpoint(self, request: Request) -> Response:
        self.headers.append(dict(request.headers))
        if self._failures:
            status = self._failures.pop(0)
            if status >= 500:
                return Response("upstream error", status_code=status)
            return self._error(status)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self._error(401)
        if request.method == "GET":
            return JSONResponse({"message": "Method Not Allowed"}, status_code=405)
        try:
            body = await request.json()
        except ValueError:
            return self._error(422, {"body": ["must be JSON"]})
        errors = problems(body)
        if errors:
            return self._error(422, errors)
        call = Call(str(next(self._ids)), body)
        self.calls.append(call)
        return JSONResponse({"success": True, "id": call.id})


def problems(body: Any) -> dict[str, list[str]]:
    """What is wrong with a call's payload (empty: nothing)."""
    if not isinstance(body, dict):
        return {"body": ["must be an object"]}
    errors: dict[str, list[str]] = {}
    for key in set(body) ^ set(PAYLOAD_KEYS):
        errors[key] = ["is required."] if key in PAYLOAD_KEYS else ["is not allowed."]
    if errors:
        return errors
    phone = str((body["patient"] or {}).get("phone") or "")
    if not (phone.isdigit() and 10 <= len(phone) <= 15):
        errors["patient.phone"] = ["The phone format is invalid."]
    first = body["firstReferral"] or {}
    for key in ("date", "timeStart"):
        if not first.get(key):
            errors[f"firstReferral.{key}"] = ["is required."]
    if not isinstance(body["referrals"], list) or not body["referrals"]:
        errors["referrals"] = ["must be a non-empty list."]
    return errors
