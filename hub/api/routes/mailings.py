"""Group mailings: ``POST/GET /api/v1/clinics/{clinic}/mailings`` and ``GET .../{id}``.

The answer of a ``POST`` says how many messages were queued, who was skipped and why,
and (when the provider can tell) what it will cost; ``dry_run`` answers the same
without storing or sending anything.  A mailing's progress is its messages by status;
the journal shows them with ``?mailing=<id>``.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException

from hub.api.deps import ClinicReader, ClinicSystem, RuntimeDep
from hub.api.routes.messages import RowIdPath
from hub.db.crud import messages as messages_crud
from hub.db.models import Mailing
from hub.messages import mailings
from hub.schemas.mailings import Estimate, MailingCreate, MailingList, MailingPublic, Skipped

router = APIRouter(prefix="/api/v1/clinics/{clinic}/mailings", tags=["mailings"])


def _status(progress: dict[str, int]) -> str:
    return "sending" if progress.get("queued", 0) + progress.get("sending", 0) else "done"


def _public(m: Mailing, progress: dict[str, int]) -> MailingPublic:
    return MailingPublic(
        id=m.id,
        clinic=m.clinic_id,
        name=m.name,
        period_from=m.period_from,
        period_to=m.period_to,
        filters=m.filters,
        template_id=m.template_id,
        kind=m.kind,
        channel=m.channel,
        subject=m.subject,
        matched=m.matched,
        queued=m.queued,
        skipped=[Skipped.model_validate(s) for s in m.skipped],
        estimate=Estimate.model_validate(m.estimate) if m.estimate else None,
        progress=progress,
        status=_status(progress),
        created_at=m.created_at,
    )


@router.post("", status_code=201, response_model=MailingPublic)
async def create_mailing(
    request: MailingCreate, access: ClinicSystem, runtime: RuntimeDep
) -> MailingPublic:
    """Queue a template's text to every patient with a matching appointment in the period."""
    snapshot = access.clinic
    try:
        async with runtime.db.session() as session:
            mailings.check_subject(request)
            template = await mailings.template_for(session, access.clinic_id, request)
            plan = await mailings.plan(session, snapshot, request, template)
    except mailings.MailingRefused as exc:
        raise HTTPException(exc.status, exc.detail) from None
    if plan.matched == 0:
        raise HTTPException(
            422,
            f"no appointment from {request.period_from} to {request.period_to} matches the "
            "filters: nobody to send to, nothing was stored",
        )
    cost = await mailings.estimate(runtime, snapshot, request.channel, plan)
    if request.dry_run:
        draft = Mailing(
            clinic_id=access.clinic_id,
            name=request.name,
            period_from=request.period_from,
            period_to=request.period_to,
            filters=mailings.filters_of(request),
            template_id=template.id,
            channel=request.channel,
            kind=request.kind,
            subject=request.subject or None,
            matched=plan.matched,
            queued=len(plan.texts),
            skipped=plan.skipped,
            estimate=cost,
            created_at=runtime.clock.now(),
        )
        return _public(draft, {}).model_copy(update={"status": "dry_run"})
    async with runtime.db.session() as session:
        mailing = await mailings.create(
            session,
            runtime,
            snapshot,
            request,
            actor=access.principal.actor,
            p=plan,
            template=template,
            cost=cost,
        )
    return _public(mailing, {"queued": mailing.queued} if mailing.queued else {})


@router.get("", response_model=MailingList)
async def list_mailings(access: ClinicReader, runtime: RuntimeDep) -> MailingList:
    """The clinic's mailings, newest first, with their progress."""
    async with runtime.db.session() as session:
        rows = (
            (
                await session.execute(
                    sa.select(Mailing)
                    .where(Mailing.clinic_id == access.clinic_id)  # type: ignore[arg-type]
                    .order_by(Mailing.id.desc())  # type: ignore[union-attr]
                )
            )
            .scalars()
            .all()
        )
        counts = await messages_crud.status_counts(
            session, mailing_ids=[r.id for r in rows if r.id]
        )
    return MailingList(items=[_public(r, counts.get(r.id or 0, {})) for r in rows])


@router.get("/{mailing_id}", response_model=MailingPublic)
async def get_mailing(
    mailing_id: RowIdPath, access: ClinicReader, runtime: RuntimeDep
) -> MailingPublic:
    async with runtime.db.session() as session:
        row = await session.get(Mailing, mailing_id)
        if row is None or row.clinic_id != access.clinic_id:
            raise HTTPException(404, f"No mailing {mailing_id} in this clinic")
        counts = await messages_crud.status_counts(session, mailing_ids=[mailing_id])
    return _public(row, counts.get(mailing_id, {}))
