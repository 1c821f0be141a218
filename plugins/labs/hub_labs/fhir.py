"""The FHIR R4 resources of the laboratory exchange (assumed-protocols.md §3): building
the order Bundle and reading the laboratory's answers.  No I/O here.

    order_bundle(order, clinic)     the ``transaction`` Bundle: Patient, ServiceRequest per
                                    test, Specimen per tube, Task (``ifNoneExist`` on it)
    receipt(sent, answer)           the Task and ServiceRequest ids from the
                                    ``transaction-response``
    catalogue(bundle)               orderable tests from an ActivityDefinition searchset
    task_status(bundle)             the Task of a ``Task?identifier=`` search
    reports(bundle)                 DiagnosticReports with their Observations and PDF
    outcome_text(body)              the sentences of an OperationOutcome

Full URLs are ``urn:uuid:`` values derived from the clinic, the order and the entry, so
a repeated order is the same Bundle, byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any, Literal

from hub_labs import const
from hub_labs.model import (
    CatalogueTest,
    LabOrder,
    LabReport,
    Observation,
    Receipt,
    TaskStatus,
)

Json = dict[str, Any]


def _full_url(clinic_id: str, order_id: str, part: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{clinic_id}/{order_id}/{part}"))


def identifier_query(system: str, value: str) -> str:
    """``<system>|<value>`` as a token search parameter."""
    return f"{system}|{value}"


def order_bundle(order: LabOrder, clinic_id: str) -> Json:
    """The ``transaction`` Bundle that places ``order`` at a laboratory."""
    order_system = const.id_system(clinic_id, const.ID_ORDER)
    patient_url = _full_url(clinic_id, order.order_id, "patient")
    patient: Json = {
        "resourceType": "Patient",
        "identifier": [
            {"system": const.id_system(clinic_id, const.ID_PATIENT), "value": order.patient.id}
        ],
        "name": [
            {
                "family": order.patient.last_name,
                "given": [g for g in (order.patient.first_name, order.patient.middle_name) if g],
                "text": order.patient.full_name,
            }
        ],
    }
    if order.patient.birth_date is not None:
        patient["birthDate"] = order.patient.birth_date.isoformat()
    patient["gender"] = order.patient.sex or "unknown"
    entries: list[Json] = [_entry(patient_url, patient)]

    specimen_urls = {
        s.barcode: _full_url(clinic_id, order.order_id, f"specimen/{s.barcode}")
        for s in order.specimens
    }
    request_urls: list[str] = []
    for n, test in enumerate(order.tests):
        url = _full_url(clinic_id, order.order_id, f"request/{n}/{test.code}")
        request_urls.append(url)
        coding: Json = {"code": test.code, "display": test.display}
        if test.system:
            coding = {"system": test.system, **coding}
        entries.append(
            _entry(
                url,
                {
                    "resourceType": "ServiceRequest",
                    "status": "active",
                    "intent": "order",
                    "code": {"coding": [coding], "text": test.display},
                    "subject": {"reference": patient_url},
                    "requisition": {"system": order_system, "value": order.order_id},
                    "specimen": [{"reference": specimen_urls[test.barcode]}],
                },
            )
        )
    for specimen in order.specimens:
        resource: Json = {
            "resourceType": "Specimen",
            "identifier": [
                {
                    "system": const.id_system(clinic_id, const.ID_SPECIMEN),
                    "value": specimen.barcode,
                }
            ],
            "subject": {"reference": patient_url},
        }
        if specimen.type:
            resource["type"] = {"text": specimen.type}
        entries.append(_entry(specimen_urls[specimen.barcode], resource))
    task: Json = {
        "resourceType": "Task",
        "identifier": [{"system": order_system, "value": order.order_id}],
        "status": const.TASK_REQUESTED,
        "intent": "order",
        "focus": {"reference": request_urls[0]},
        "for": {"reference": patient_url},
    }
    entries.append(
        _entry(
            _full_url(clinic_id, order.order_id, "task"),
            task,
            if_none_exist="identifier=" + identifier_query(order_system, order.order_id),
        )
    )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _entry(full_url: str, resource: Json, *, if_none_exist: str | None = None) -> Json:
    request: Json = {"method": "POST", "url": resource["resourceType"]}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return {"fullUrl": full_url, "resource": resource, "request": request}


def _location_id(location: str, resource_type: str) -> str:
    """``ServiceRequest/12/_history/1`` (or an absolute URL ending so) → ``12``."""
    parts = location.strip("/").split("/")
    if resource_type in parts:
        at = len(parts) - 1 - parts[::-1].index(resource_type)
        if at + 1 < len(parts):
            return parts[at + 1]
    raise ValueError(f"location {location!r} names no {resource_type}")


def receipt(sent: Json, answer: Json) -> Receipt:
    """The laboratory's ids from the ``transaction-response`` to ``sent``.

    :raises ValueError: if the answer is not a transaction-response matching ``sent``.
    """
    if answer.get("resourceType") != "Bundle" or answer.get("type") != "transaction-response":
        raise ValueError("the answer is not a transaction-response Bundle")
    answered = answer.get("entry") or []
    if len(answered) != len(sent["entry"]):
        raise ValueError(
            f"the transaction-response has {len(answered)} entries for {len(sent['entry'])}"
        )
    task_id = ""
    request_ids: dict[str, str] = {}
    for mine, theirs in zip(sent["entry"], answered, strict=True):
        resource = mine["resource"]
        location = str((theirs.get("response") or {}).get("location") or "")
        kind = resource["resourceType"]
        if kind == "Task":
            task_id = _location_id(location, "Task")
        elif kind == "ServiceRequest":
            request_ids[resource["code"]["coding"][0]["code"]] = _location_id(
                location, "ServiceRequest"
            )
    if not task_id:
        raise ValueError("the transaction-response has no Task location")
    return Receipt(task_id=task_id, request_ids=request_ids)


def entries(bundle: Json, resource_type: str) -> list[Json]:
    """The resources of one type in a Bundle."""
    return [
        e["resource"]
        for e in bundle.get("entry") or []
        if isinstance(e.get("resource"), dict)
        and e["resource"].get("resourceType") == resource_type
    ]


def next_link(bundle: Json) -> str | None:
    for link in bundle.get("link") or []:
        if link.get("relation") == "next" and link.get("url"):
            return str(link["url"])
    return None


def catalogue(bundle: Json) -> list[CatalogueTest]:
    """Orderable tests of an ``ActivityDefinition?status=active`` searchset page."""
    found: list[CatalogueTest] = []
    for definition in entries(bundle, "ActivityDefinition"):
        codings = (definition.get("code") or {}).get("coding") or []
        if not codings or not codings[0].get("code"):
            continue
        coding = codings[0]
        specimen = ""
        for requirement in definition.get("specimenRequirement") or []:
            specimen = str(requirement.get("display") or requirement.get("reference") or "")
            if specimen:
                break
        found.append(
            CatalogueTest(
                code=str(coding["code"]),
                display=str(coding.get("display") or definition.get("title") or coding["code"]),
                system=coding.get("system"),
                specimen=specimen,
            )
        )
    return found


def task_status(bundle: Json) -> TaskStatus | None:
    """The Task found by a ``Task?identifier=`` search, or None."""
    tasks = entries(bundle, "Task")
    if not tasks:
        return None
    task = tasks[0]
    reason = (task.get("statusReason") or {}).get("text")
    return TaskStatus(task_id=str(task.get("id") or ""), status=str(task["status"]), reason=reason)


def reports(bundle: Json) -> list[LabReport]:
    """DiagnosticReports of a searchset with their included Observations."""
    observations = {f"Observation/{o.get('id')}": o for o in entries(bundle, "Observation")}
    found: list[LabReport] = []
    for report in entries(bundle, "DiagnosticReport"):
        values = tuple(
            _observation(observations[ref])
            for ref in (r.get("reference") for r in report.get("result") or [])
            if ref in observations
        )
        pdf = None
        for form in report.get("presentedForm") or []:
            if form.get("contentType") == const.PDF and form.get("data"):
                try:
                    pdf = base64.b64decode(form["data"], validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise ValueError("the report's PDF is not valid base64") from exc
                break
        status: Literal["partial", "final"] = (
            "final" if report.get("status") in ("final", "amended", "corrected") else "partial"
        )
        found.append(
            LabReport(
                status=status,
                observations=values,
                pdf=pdf,
                based_on=tuple(
                    str(b.get("reference", "")).rsplit("/", 1)[-1]
                    for b in report.get("basedOn") or []
                ),
            )
        )
    return found


def _observation(resource: Json) -> Observation:
    coding = ((resource.get("code") or {}).get("coding") or [{}])[0]
    unit = None
    if "valueQuantity" in resource:
        quantity = resource["valueQuantity"]
        value = _number(quantity.get("value"))
        unit = quantity.get("unit") or quantity.get("code")
    else:
        value = str(resource.get("valueString", ""))
    low = high = text = None
    ranges = resource.get("referenceRange") or []
    if ranges:
        low = _number((ranges[0].get("low") or {}).get("value"))
        high = _number((ranges[0].get("high") or {}).get("value"))
        text = ranges[0].get("text")
    flag = None
    for interpretation in resource.get("interpretation") or []:
        codes = interpretation.get("coding") or []
        flag = (codes[0].get("code") if codes else None) or interpretation.get("text")
        if flag:
            break
    return Observation(
        code=str(coding.get("code") or ""),
        display=str(coding.get("display") or (resource.get("code") or {}).get("text") or ""),
        value=value,
        unit=unit,
        low=low or None,
        high=high or None,
        range_text=text,
        flag=flag,
    )


def _number(value: Any) -> str:
    """A FHIR decimal as the laboratory wrote it (kept as text: 5.0 stays 5.0)."""
    return "" if value is None else str(value)


def outcome_text(body: Any) -> tuple[str | None, list[str]]:
    """The first issue code and every issue's sentence of an OperationOutcome."""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return None, []
    code = None
    texts: list[str] = []
    for issue in body.get("issue") or []:
        code = code or issue.get("code")
        text = issue.get("diagnostics") or (issue.get("details") or {}).get("text")
        if text:
            texts.append(str(text))
    return code, texts
