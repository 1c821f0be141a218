"""The hub's one retry schedule: doubling, capped, with equal jitter."""

from __future__ import annotations

import datetime as dt
import random

from hub.retry import backoff, exhausted


def test_each_failure_doubles_the_nominal_delay_and_half_of_it_is_random() -> None:
    rng = random.Random(7)
    for attempts, nominal in [(1, 10), (2, 20), (3, 40), (4, 80)]:
        delay = backoff(attempts, base=10, cap=3600, rng=rng)
        assert dt.timedelta(seconds=nominal / 2) <= delay <= dt.timedelta(seconds=nominal)


def test_the_delay_never_exceeds_the_cap() -> None:
    assert backoff(30, base=10, cap=300) <= dt.timedelta(seconds=300)
    assert backoff(30, base=10, cap=300) >= dt.timedelta(seconds=150)


def test_a_delivery_is_exhausted_at_the_maximum_number_of_attempts() -> None:
    assert not exhausted(4, 5)
    assert exhausted(5, 5)
