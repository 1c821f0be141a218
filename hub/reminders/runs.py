"""Scheduled runs: each (clinic, rule, local date) runs once, whichever worker gets there.

    claim(...)    INSERT the run row; the insert that wins owns the run.  A row left
                  ``failed``, or ``running`` past its lease (the worker died), is taken
                  over by one conditional UPDATE, at most ``MAX_ATTEMPTS`` times,
                  ``RETRY_AFTER`` apart.
    finish(...)   record the outcome (``done`` with counts, or ``failed`` with the error).

States::

    (no row) ──claim──▶ running ──finish ok──▶ done
                          │  ▲
          finish error /  │  │ claim again (after RETRY_AFTER, or the lease ran out)
          lease expired   ▼  │
                          failed / running (stale)

The database decides who runs: the primary key for the first claim, a conditional
UPDATE (``WHERE status = 'failed' ...``) for a takeover; never a check in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import ScheduledRun
from hub.db.upsert import insert
from hub.process import WORKER_ID

__all__ = ["LEASE", "MAX_ATTEMPTS", "RETRY_AFTER", "claim", "finish"]

#: How long a run may take before another worker may assume its worker died.
LEASE: Final = dt.timedelta(minutes=15)
#: A failed run is tried again after this long, at most ``MAX_ATTEMPTS`` times in all.
RETRY_AFTER: Final = dt.timedelta(minutes=5)
MAX_ATTEMPTS: Final = 5

_RUN = ScheduledRun.__table__  # type: ignore[attr-defined]


async def claim(
    session: AsyncSession,
    *,
    clinic_id: str,
    rule: str,
    run_date: dt.date,
    planned_at: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Take the run of ``rule`` for ``run_date``; ``True`` if this worker should run it."""
    inserted = await session.execute(
        insert(session, _RUN)
        .values(
            clinic_id=clinic_id,
            rule=rule,
            run_date=run_date,
            planned_at=planned_at,
            status="running",
            attempts=1,
            owner=WORKER_ID,
            lease_until=now + LEASE,
            started_at=now,
            queued=0,
            skipped=0,
        )
        .on_conflict_do_nothing(index_elements=["clinic_id", "rule", "run_date"])
        .returning(_RUN.c.rule)
    )
    if inserted.first() is not None:
        return True
    taken = await session.execute(
        sa.update(_RUN)
        .where(
            _RUN.c.clinic_id == clinic_id,
            _RUN.c.rule == rule,
            _RUN.c.run_date == run_date,
            _RUN.c.attempts < MAX_ATTEMPTS,
            sa.or_(
                sa.and_(_RUN.c.status == "failed", _RUN.c.finished_at <= now - RETRY_AFTER),
                sa.and_(_RUN.c.status == "running", _RUN.c.lease_until < now),
            ),
        )
        .values(
            status="running",
            attempts=_RUN.c.attempts + 1,
            owner=WORKER_ID,
            lease_until=now + LEASE,
            started_at=now,
            finished_at=None,
            error=None,
        )
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


async def finish(
    session: AsyncSession,
    *,
    clinic_id: str,
    rule: str,
    run_date: dt.date,
    now: dt.datetime,
    queued: int = 0,
    skipped: int = 0,
    error: str | None = None,
) -> None:
    """Record how the run ended (only if this worker still owns it)."""
    await session.execute(
        sa.update(_RUN)
        .where(
            _RUN.c.clinic_id == clinic_id,
            _RUN.c.rule == rule,
            _RUN.c.run_date == run_date,
            _RUN.c.owner == WORKER_ID,
        )
        .values(
            status="failed" if error else "done",
            finished_at=now,
            lease_until=None,
            queued=queued,
            skipped=skipped,
            error=error[:4000] if error else None,
        )
    )
