"""Specimen barcodes: a laboratory's prefix and a number from its allotted range.

The numbers come from a per-clinic, per-laboratory counter in the plugin's table (see
:mod:`hub_labs.store`), so no two tubes share one.  A barcode is the prefix and the
number zero-padded to eight digits (``GT00001234``): Code 128 prints it compactly, and
the laboratory's range check sees the plain number.
"""

from __future__ import annotations

DIGITS = 8


class RangeExhausted(Exception):
    """The laboratory's barcode range is used up: ask it for a new one."""


def barcode(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{DIGITS}d}"


def allot(prefix: str, last_used: int | None, count: int, first: int, last: int) -> list[str]:
    """``count`` new barcodes after ``last_used`` within ``first..last``.

    :raises RangeExhausted: if the range has fewer than ``count`` numbers left.
    """
    start = first if last_used is None or last_used < first else last_used + 1
    if start + count - 1 > last:
        raise RangeExhausted(
            f"the barcode range {first}..{last} is used up (last used {last_used}): "
            "set a new range from the laboratory in barcode_first / barcode_last"
        )
    return [barcode(prefix, n) for n in range(start, start + count)]
