"""Phones at intake: refuse what is not a phone at all, keep and flag the unusable.

A value with no phone attempt in it (``"abc"``) is a 422 naming the field; blank slots
(``""``) never get here, the card schema drops them (a blank slot is no phone).  A
phone-like value that no message can use as is (invalid, a landline) is stored as the
clinic wrote it and reported as a warning; whether a message can be sent is decided
per channel when sending (and then published as ``card.warning`` in the feed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.intake.problems import Problem
from hub.text import phones


def check(
    values: Sequence[str], region: str, loc: tuple[str | int, ...] = ("body",)
) -> tuple[list[Problem], list[dict[str, Any]]]:
    """``(problems, warnings)`` for a card's phones."""
    problems: list[Problem] = []
    warnings: list[dict[str, Any]] = []
    for index, raw in enumerate(values):
        if not phones.is_phone_like(raw, region):
            problems.append(
                Problem(
                    loc=(*loc, "phones", index),
                    msg="is not a phone number (no digits of a number in it)",
                    type="phone_invalid",
                )
            )
            continue
        result = phones.check_phone(raw, region)
        if result.problem is not None:
            warnings.append(
                {"field": f"phones[{index}]", "reason": result.problem, "detail": result.detail}
            )
    if not values:
        result = phones.best_mobile([], region)
        warnings.append(
            {"field": "phones", "reason": result.problem or "no_phone", "detail": result.detail}
        )
    return problems, warnings
