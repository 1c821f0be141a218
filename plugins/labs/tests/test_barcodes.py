"""Specimen barcodes: the laboratory's prefix and numbers from its range, never reused."""

from __future__ import annotations

import pytest
from hub_labs import barcodes


def test_numbers_follow_the_last_used_within_the_range() -> None:
    assert barcodes.allot("GT", None, 2, 1, 99_999_999) == ["GT00000001", "GT00000002"]
    assert barcodes.allot("GT", 2, 1, 1, 99_999_999) == ["GT00000003"]


def test_a_range_starts_at_its_first_number() -> None:
    assert barcodes.allot("", None, 1, 7_000_000, 7_000_010) == ["07000000"]
    assert barcodes.allot("KD", 3, 1, 500, 600) == ["KD00000500"]


def test_an_exhausted_range_says_what_to_do() -> None:
    with pytest.raises(barcodes.RangeExhausted, match="barcode_first / barcode_last"):
        barcodes.allot("GT", 9, 2, 1, 10)
