"""Bulk intake: a batch of patients and appointments in one transaction.

For clinic systems that sync by polling (IDENT style: "here are all of tomorrow's
appointments").  Each item is validated on its own; refused items are reported with
their index and reason and write nothing, good ones are applied.  Patients go first, so
appointments of the same batch may refer to them.  The work is set-based: per kind one
query loads the batch's existing rows, one INSERT and one UPDATE write them, and the
events go in with two more statements.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.intake import appointments, patients
from hub.intake.problems import Problem, from_validation, summary
from hub.intake.scope import ClinicScope
from hub.runtime import Runtime
from hub.schemas.appointments import AppointmentBulkIn
from hub.schemas.bulk import BulkIn, BulkItemResult, BulkResult
from hub.schemas.bulk import Problem as ProblemPublic
from hub.schemas.patients import PatientBulkIn, PhoneWarning

M = TypeVar("M", bound=BaseModel)
_PATIENT = TypeAdapter(PatientBulkIn)
_APPOINTMENT = TypeAdapter(AppointmentBulkIn)


def _error(index: int, kind: str, item_id: str | None, problems: list[Problem]) -> BulkItemResult:
    return BulkItemResult(
        index=index, kind=kind, id=item_id, result="error",  # type: ignore[arg-type]
        error=summary(problems),
        problems=[ProblemPublic(**p.as_dict()) for p in problems],
    )


def _parse(
    raw: Sequence[dict[str, Any]], kind: str, group: str, adapter: TypeAdapter[M],
    results: dict[int, BulkItemResult],
) -> list[tuple[int, M]]:
    """Valid items with their index; errors (schema, duplicate id) go to ``results``."""
    seen: dict[str, int] = {}
    good: list[tuple[int, M]] = []
    for index, item in enumerate(raw):
        raw_id = item.get("id") if isinstance(item, dict) else None
        item_id = str(raw_id) if raw_id is not None else None
        try:
            parsed = adapter.validate_python(item)
        except ValidationError as exc:
            results[index] = _error(index, kind, item_id, from_validation(exc, (group, index)))
            continue
        parsed_id = str(getattr(parsed, "id"))  # noqa: B009 - bulk models have an id
        if parsed_id in seen:
            results[index] = _error(index, kind, parsed_id, [Problem(
                (group, index, "id"), f"duplicate id: the same {kind} is item {seen[parsed_id]}",
                "duplicate")])
            continue
        seen[parsed_id] = index
        good.append((index, parsed))
    return good


async def _run(
    kind: str, group: str, raw: Sequence[dict[str, Any]], adapter: TypeAdapter[M],
    apply: Callable[..., Any], describe: Callable[[Any], dict[str, Any]],
) -> list[BulkItemResult]:
    results: dict[int, BulkItemResult] = {}
    good = _parse(raw, kind, group, adapter, results)
    outcomes = await apply(
        [(str(getattr(item, "id")), item) for _, item in good],  # noqa: B009
        loc=[(group, index) for index, _ in good],
    )
    for (index, _), outcome in zip(good, outcomes, strict=True):
        if outcome.problems:
            results[index] = _error(index, kind, outcome.id, outcome.problems)
        else:
            results[index] = BulkItemResult(
                index=index, kind=kind, id=outcome.id, result=outcome.result,  # type: ignore[arg-type]
                **describe(outcome),
            )
    return [results[i] for i in range(len(raw))]


async def apply(
    session: AsyncSession, runtime: Runtime, clinic: ClinicScope, body: BulkIn,
    *, now: dt.datetime,
) -> BulkResult:
    """Apply a batch; one result per item, patients first, each list in its order."""
    patient_results = await _run(
        "patient", "patients", body.patients, _PATIENT,
        lambda items, loc: patients.upsert_patients(
            session, runtime, clinic, items, now=now, loc=loc),
        lambda o: {"changes": o.changes, "warnings": [PhoneWarning(**w) for w in o.warnings]},
    )
    appointment_results = await _run(
        "appointment", "appointments", body.appointments, _APPOINTMENT,
        lambda items, loc: appointments.upsert_appointments(
            session, runtime, clinic, items, now=now, loc=loc),
        lambda o: {"changes": [c.field for c in o.changes]},
    )
    items = patient_results + appointment_results
    counts = Counter(f"{r.kind}s.{r.result}" for r in items)
    return BulkResult(counts=dict(sorted(counts.items())), items=items)
