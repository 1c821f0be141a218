"""Tube labels in ZPL II: one ``^XA…^XZ`` label per tube, ready for a Zebra printer.

Each label has the patient's name and birth date, a Code 128 barcode of the specimen id
(with its human-readable line) and the tube type with its tests; a line too long for the
label is cut with «…» (the printer would otherwise print over it), never the birth date.
Text is UTF-8 (``^CI28``) printed with a scalable font that has Cyrillic letters
(``^CW`` assigns it; by default the printer's resident Swiss 721, ``E:TT0003M_.FNT``).
Field data go through ``^FH`` so that ``^``, ``~`` and ``_`` in a name cannot break
the label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

MM_PER_INCH = 25.4
FONT_SLOT = "1"
#: Average advance of a character of a proportional font, in character heights (generous,
#: so that what is printed fits).
CHAR_WIDTH = 0.58


@dataclass(frozen=True)
class Label:
    """What one tube's label shows."""

    barcode: str
    patient: str
    birth_date: dt.date | None
    tube: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    dpi: int = 203
    width_mm: float = 50
    height_mm: float = 25
    font: str = "E:TT0003M_.FNT"

    @property
    def dots_per_mm(self) -> float:
        return self.dpi / MM_PER_INCH

    def dots(self, mm: float) -> int:
        return round(mm * self.dots_per_mm)


def field_data(text: str) -> str:
    """``text`` for an ``^FH^FD`` field: ``_``, ``^`` and ``~`` as hex escapes, one line."""
    text = " ".join(text.split())
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def short_name(full_name: str) -> str:
    """«Иванов Иван Иванович» → «Иванов И.И.»."""
    parts = full_name.split()
    if not parts:
        return ""
    return " ".join([parts[0], "".join(f"{p[0]}." for p in parts[1:3])]).strip()


def fit(text: str, width: int, height: int) -> str:
    """``text`` cut with «…» to what fits ``width`` dots in a font ``height`` dots high."""
    text = " ".join(text.split())
    most = max(1, int(width / (height * CHAR_WIDTH)))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def label(item: Label, layout: Layout) -> str:
    """One tube's label: ``^XA … ^XZ``."""
    width, height = layout.dots(layout.width_mm), layout.dots(layout.height_mm)
    margin = layout.dots(2)
    inner = width - 2 * margin
    text_h = max(16, round(height * 0.12))
    small_h = max(14, round(height * 0.11))
    module = 2 if layout.dpi < 300 else 3
    bar_h = max(30, height - 3 * margin - text_h - small_h - small_h - layout.dots(2))
    born = item.birth_date.strftime("%d.%m.%Y") if item.birth_date else ""
    room = inner - round((len(born) + 1) * text_h * CHAR_WIDTH) if born else inner
    who = f"{fit(short_name(item.patient), room, text_h)} {born}".strip()
    what = " ".join(p for p in (item.tube, ", ".join(item.tests)) if p)
    y_bar = margin + text_h + layout.dots(1)
    y_text = y_bar + bar_h + small_h + layout.dots(2)
    lines = [
        "^XA",
        "^CI28",
        f"^CW{FONT_SLOT},{layout.font}",
        f"^PW{width}",
        f"^LL{height}",
        "^LH0,0",
        f"^FO{margin},{margin}^A{FONT_SLOT}N,{text_h},{text_h}^FH^FD{field_data(who)}^FS",
        f"^FO{margin},{y_bar}^BY{module},2.5,{bar_h}^BCN,{bar_h},Y,N,N"
        f"^FH^FD{field_data(item.barcode)}^FS",
        f"^FO{margin},{y_text}^A{FONT_SLOT}N,{small_h},{small_h}"
        f"^FH^FD{field_data(fit(what, inner, small_h))}^FS",
        "^XZ",
    ]
    return "\n".join(lines) + "\n"


def labels(items: Sequence[Label], layout: Layout) -> str:
    """Every tube's label, in order, as one ZPL document."""
    return "".join(label(item, layout) for item in items)
