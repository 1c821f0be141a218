"""Turning intake refusals into the API's 422 answer (same shape as FastAPI's)."""

from __future__ import annotations

from fastapi import HTTPException

from hub.intake.problems import IntakeError


def unprocessable(exc: IntakeError) -> HTTPException:
    return HTTPException(422, [problem.as_dict() for problem in exc.problems])
