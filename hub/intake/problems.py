"""Why an item was refused: the ``{"loc", "msg", "type"}`` shape of a 422 detail.

Schema errors (pydantic) and the intake's own checks (unknown patient, unknown
reference id, end before start) use the same shape, so a clinic system handles one
kind of error whether it sent one item or ten thousand.  Submitted values are never
echoed (a field may hold personal data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hub.error_text import readable


@dataclass(frozen=True)
class Problem:
    loc: tuple[str | int, ...]
    msg: str
    type: str

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class IntakeError(ValueError):
    """Raised for a refused item; ``problems`` says why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(summary(problems))
        self.problems = list(problems)


def from_validation(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """The errors with messages a sender can act on (:func:`hub.error_text.readable`:
    the input is read for its type or shape, never repeated)."""
    return [
        Problem(
            loc=(*prefix, *error.get("loc", ())),
            msg=readable(error),
            type=str(error.get("type", "")),
        )
        for error in exc.errors(include_url=False, include_context=False)
    ]


def summary(problems: Sequence[Problem]) -> str:
    """One line: ``field: message; field: message``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in problem.loc if p != 'body') or 'item'}: {problem.msg}"
        for problem in problems
    )
