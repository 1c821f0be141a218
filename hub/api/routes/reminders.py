"""``POST /api/v1/clinics/{clinic}/reminders/run``: the reminder selection, now.

``dry_run`` lists who would get which text and every appointment skipped, with its
reason, and writes nothing.  A real run queues the messages (each appointment at most
once per rule and date: a rerun reports ``already_sent``) and publishes ``card.warning``
for cards without a usable phone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from hub.api.deps import ClinicAccess, RuntimeDep, clinic_scope
from hub.db.crud import schedules as schedules_crud
from hub.messages.links import PublicUrlMissing
from hub.reminders import daily, timing
from hub.reminders.rules import RuleError
from hub.schemas.clinics import ClinicOptions
from hub.schemas.reminders import ReminderRunRequest, ReminderRunResult

router = APIRouter(prefix="/api/v1/clinics/{clinic}/reminders", tags=["reminders"])

ReminderRunner = Annotated[ClinicAccess, Depends(clinic_scope("admin", "webadmin", "clinic"))]


@router.post("/run", response_model=ReminderRunResult)
async def run_reminders(
    request: ReminderRunRequest, access: ReminderRunner, runtime: RuntimeDep
) -> ReminderRunResult:
    """Run the default reminder (or a day-based schedule) for one local date.

    A webadmin may look (``dry_run``); sending needs an admin or the clinic's own token.
    """
    if not request.dry_run and access.principal.role == "webadmin":
        raise HTTPException(
            403, "A webadmin may only dry-run reminders; sending needs an admin or clinic token"
        )
    snapshot = access.clinic
    schedule = None
    if request.schedule_id is not None:
        async with runtime.db.session() as session:
            schedule = await schedules_crud.get(
                session, clinic_id=access.clinic_id, schedule_id=request.schedule_id
            )
        if schedule is None:
            raise HTTPException(404, f"Unknown schedule {request.schedule_id} in this clinic")
        if schedule.kind not in daily.APPOINTMENT_DAY_KINDS:
            raise HTTPException(
                422,
                f"schedule {schedule.id} is {schedule.kind!r}: only days_before and "
                "after_services schedules run over a day of appointments",
            )
    try:
        rule = await daily.rule_for(runtime, snapshot, schedule)
        options = ClinicOptions.model_validate(snapshot.options)
        today = timing.local_date(runtime.clock.now(), snapshot.info.tz)
        day = request.date or daily.target_date(rule, options, today)
        result = await daily.run_day(runtime, snapshot, rule, day=day, dry_run=request.dry_run)
    except (RuleError, PublicUrlMissing) as exc:
        raise HTTPException(422, str(exc)) from None
    return ReminderRunResult.model_validate(result, from_attributes=True)
