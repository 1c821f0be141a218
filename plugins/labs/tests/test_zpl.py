"""Tube labels: one ^XA…^XZ per tube, UTF-8 with a Cyrillic font, Code 128 of the
specimen id; checked command by command and rendered with zplkit (offline)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hub_labs import zpl

LAYOUT = zpl.Layout(dpi=203, width_mm=50, height_mm=25)
TUBE = zpl.Label(
    barcode="GT00000002",
    patient="Иванова Мария Петровна",
    birth_date=dt.date(1980, 2, 1),
    tube="Сыворотка (жёлтая)",
    tests=("Глюкоза",),
)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def commands(label: str) -> list[str]:
    """The label's commands (``^XX...``), in order."""
    return ["^" + c.strip() for c in label.split("^") if c.strip()]


def fields(label: str) -> list[str]:
    """The data of every ^FD field, hex escapes (^FH, indicator _) decoded."""
    found = re.findall(r"\^FD(.*?)\^FS", label, flags=re.S)
    return [
        re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), f.encode()).decode()
        for f in found
    ]


def test_one_label_per_tube_each_framed_by_xa_xz() -> None:
    second = zpl.Label("GT00000001", TUBE.patient, TUBE.birth_date, "EDTA", ("ОАК",))
    document = zpl.labels([TUBE, second], LAYOUT)
    blocks = re.findall(r"\^XA.*?\^XZ", document, flags=re.S)
    assert len(blocks) == 2 and "".join(blocks).count("^XA") == 2
    assert document.strip().startswith("^XA") and document.strip().endswith("^XZ")
    assert [fields(b)[1] for b in blocks] == ["GT00000002", "GT00000001"]


def test_utf8_code_page_and_a_cyrillic_font_are_set_before_any_text() -> None:
    cmds = commands(zpl.label(TUBE, LAYOUT))
    assert cmds[:3] == ["^XA", "^CI28", "^CW1,E:TT0003M_.FNT"]
    text_fonts = [c for c in cmds if c.startswith("^A")]
    assert text_fonts and all(c.startswith("^A1N,") for c in text_fonts)


def test_label_size_follows_resolution() -> None:
    assert "^PW400" in zpl.label(TUBE, LAYOUT) and "^LL200" in zpl.label(TUBE, LAYOUT)
    big = zpl.label(TUBE, zpl.Layout(dpi=300, width_mm=58, height_mm=40))
    assert "^PW685" in big and "^LL472" in big
    assert "^BY3," in big  # wider bars at 300 dpi


def test_code128_of_the_specimen_id_with_its_readable_line() -> None:
    label = zpl.label(TUBE, LAYOUT)
    barcode = re.search(r"\^BCN,(\d+),Y,N,N\^FH\^FD(.*?)\^FS", label)
    assert barcode is not None and barcode[2] == "GT00000002"


def test_patient_name_birth_date_tube_and_tests_are_printed() -> None:
    who, code, what = fields(zpl.label(TUBE, LAYOUT))
    assert who == "Иванова М.П. 01.02.1980"
    assert code == "GT00000002"
    assert what == "Сыворотка (жёлтая) Глюкоза"


def test_a_line_too_long_for_the_label_is_cut() -> None:
    many = zpl.Label("GT1", TUBE.patient, None, "Сыворотка", tuple(f"Тест {n}" for n in range(20)))
    what = fields(zpl.label(many, LAYOUT))[2]
    assert what.endswith("…") and what.startswith("Сыворотка Тест 0, Тест 1")
    assert len(what) == int((400 - 2 * 16) / (22 * zpl.CHAR_WIDTH))


def test_control_characters_in_data_cannot_break_the_label() -> None:
    nasty = zpl.Label("GT1", "O^Brien~X_Y", None, "t^XZ", ())
    label = zpl.label(nasty, LAYOUT)
    assert label.count("^XZ") == 1 and label.count("~") == 0
    assert fields(label)[0] == "O^Brien~X_Y"
    assert fields(label)[2] == "t^XZ"


def _render(document: bytes, **limits: int):  # type: ignore[no-untyped-def]
    zplkit = pytest.importorskip("zplkit")
    from zplkit.rendering import Limits

    return zplkit.render(
        document,
        zplkit.Options(profile="specification", width=400, height=200, dpi=203),
        limits=Limits(**limits) if limits else None,
    )


def test_renders_offline_with_a_resident_font() -> None:
    """zplkit has bitmaps of the resident font 0 only (Latin): the same label with ^A0."""
    latin = zpl.Label("GT00000002", "Ivanova Maria", dt.date(1980, 2, 1), "Serum", ("GLU",))
    document = zpl.label(latin, LAYOUT).replace("^CW1,E:TT0003M_.FNT\n", "")
    rendered = _render(document.replace("^A1N", "^A0N").encode())
    assert len(rendered.labels) == 1
    assert rendered.labels[0].png().startswith(b"\x89PNG")


@pytest.mark.skipif(not DEJAVU.exists(), reason="no DejaVu Sans on this machine")
def test_cyrillic_label_renders_with_a_downloaded_truetype_font() -> None:
    """With a TrueType font downloaded to the printer (~DY) and named in the label
    settings, the Cyrillic label renders exactly as produced (nothing replaced)."""
    font = DEJAVU.read_bytes()
    download = (
        b"~DYE:DEJAVU.TTF,A,T," + str(len(font)).encode() + b",," + font.hex().upper().encode()
    )
    label = zpl.label(TUBE, zpl.Layout(font="E:DEJAVU.TTF")).encode()
    rendered = _render(download + b"\n" + label, input_bytes=4 << 20, font_bytes=4 << 20)
    assert len(rendered.labels) == 1
    png = rendered.labels[0].png()
    assert png.startswith(b"\x89PNG") and len(png) > 1000
