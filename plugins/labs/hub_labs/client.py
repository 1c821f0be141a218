"""FhirLab: the ``fhir`` laboratory adapter, HL7 FHIR R4 over httpx, exactly as
assumed-protocols.md §3 fixes it.  It knows nothing of the hub.

    GET  [base]/ActivityDefinition?status=active               catalogue (follows ``next``)
    POST [base]                                                the order (transaction Bundle)
    GET  [base]/Task?identifier=<system>|<order id>            status
    PUT  [base]/Task/{id}                                      cancel (status: cancelled)
    GET  [base]/DiagnosticReport?based-on=ServiceRequest/<id>&_include=DiagnosticReport:result

Every failure is a :class:`~hub_labs.model.LabError`: 5xx, 429, 408, 409, time-outs and
an unreachable laboratory are transient; other 4xx permanent, with the OperationOutcome's
sentences as the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin

import httpx
from hub_labs import const, fhir
from hub_labs.model import CatalogueTest, LabError, LabOrder, LabReport, Receipt, TaskStatus

#: Catalogue pages followed at most (a laboratory answering ``next`` for ever stops here).
MAX_PAGES = 50
TRANSIENT_STATUSES = frozenset({408, 409, 429})


class FhirLab:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        clinic_id: str,
        *,
        timeout: float = 20.0,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = token
        self._clinic = clinic_id
        self._timeout = timeout

    # --- the five operations -----------------------------------------------------------------

    async def catalogue(self) -> list[CatalogueTest]:
        found: list[CatalogueTest] = []
        url: str | None = f"{self._base}/ActivityDefinition"
        params: dict[str, str] | None = {"status": "active"}
        for _ in range(MAX_PAGES):
            if url is None:
                break
            page = await self._request("GET", url, params=params)
            found.extend(fhir.catalogue(page))
            url, params = fhir.next_link(page), None
            if url is not None:
                url = urljoin(self._base + "/", url)
        return found

    async def submit(self, order: LabOrder) -> Receipt:
        bundle = fhir.order_bundle(order, self._clinic)
        answer = await self._request("POST", self._base, json=bundle)
        try:
            return fhir.receipt(bundle, answer)
        except ValueError as exc:
            raise LabError(f"the laboratory's answer to the order: {exc}", transient=False) from exc

    async def status(self, order_id: str) -> TaskStatus | None:
        return fhir.task_status(await self._task_search(order_id))

    async def cancel(self, order_id: str) -> TaskStatus:
        found = fhir.entries(await self._task_search(order_id), "Task")
        if not found:
            raise LabError(f"the laboratory does not know order {order_id}", transient=False)
        task = dict(found[0])
        if task.get("status") not in const.TASK_CANCELLABLE:
            raise LabError(
                f"the laboratory has the order {task.get('status')}: it can no longer be cancelled",
                transient=False,
                code="conflict",
            )
        task["status"] = const.TASK_CANCELLED
        answer = await self._request("PUT", f"{self._base}/Task/{task['id']}", json=task)
        return TaskStatus(
            task_id=str(task["id"]),
            status=str(answer.get("status") or const.TASK_CANCELLED),
            reason=(answer.get("statusReason") or {}).get("text"),
        )

    async def reports(self, request_ids: Sequence[str]) -> list[LabReport]:
        found: list[LabReport] = []
        for request_id in dict.fromkeys(request_ids):
            page = await self._request(
                "GET",
                f"{self._base}/DiagnosticReport",
                params={
                    "based-on": f"ServiceRequest/{request_id}",
                    "_include": "DiagnosticReport:result",
                },
            )
            try:
                found.extend(fhir.reports(page))
            except ValueError as exc:
                raise LabError(f"the laboratory's report: {exc}", transient=False) from exc
        return found

    # --- HTTP ----------------------------------------------------------------------------------

    async def _task_search(self, order_id: str) -> dict[str, Any]:
        system = const.id_system(self._clinic, const.ID_ORDER)
        return await self._request(
            "GET",
            f"{self._base}/Task",
            params={"identifier": fhir.identifier_query(system, order_id)},
        )

    async def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": const.FHIR_JSON,
        }
        if "json" in kwargs:
            headers["Content-Type"] = const.FHIR_JSON
        try:
            response = await self._http.request(
                method, url, headers=headers, timeout=self._timeout, **kwargs
            )
        except httpx.TimeoutException as exc:
            raise LabError("the laboratory did not answer in time", transient=True) from exc
        except httpx.HTTPError as exc:
            raise LabError(
                f"the laboratory is unreachable ({type(exc).__name__})", transient=True
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success:
            if not isinstance(body, dict):
                raise LabError(
                    f"the laboratory answered HTTP {response.status_code} without FHIR JSON",
                    transient=True,
                    status=response.status_code,
                )
            return body
        code, texts = fhir.outcome_text(body)
        transient = response.status_code >= 500 or response.status_code in TRANSIENT_STATUSES
        message = "; ".join(texts) or response.reason_phrase or "no details"
        raise LabError(
            f"the laboratory answered HTTP {response.status_code}: {message}",
            transient=transient,
            code=code,
            status=response.status_code,
            details=texts,
        )
