"""hub.text costs: what each helper adds over the bare library call it wraps, and what
loading pymorphy3's dictionary costs compared with inflecting one phrase.

Baselines, measured in the same run:

* ``check_phone`` vs ``phonenumbers.parse`` + ``is_valid_number`` (the minimum any
  caller would do) on the 34 spellings of declension.md §(c);
* ``phrase_dative`` vs the naive pymorphy3 call (every word ``inflect({"datv"})``) on
  the 40 specialty phrases;
* ``person_dative`` vs three bare pytrovich ``make`` calls (gender given);
* the first ``phrase_dative`` in a fresh interpreter (dictionary load) vs a warm call:
  the reason a specialty's dative is computed when it is saved, not when sending.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PHONES = [
    "8 (918) 123-45-67", "+7 918 1234567", "9181234567", "79181234567", "89181234567",
    "+79181234567", "7 (918) 123-45-67", "  +7-918-123-45-67  ", "тел.: 8(918)123-45-67",
    "8 918 123 45 67 (Мария)", "12345", "112", "", "8918123456", "+7 918 123 45 6",
    "+7 (918) 123-45-678", "+8 918 123-45-67", "+7 (495) 123-45-67", "8 (812) 123-45-67",
    "8 (3452) 12-34-56", "8-800-555-35-35", "8 800 200-0-600", "8 (918) 123-45-67 доб. 123",
    "+7 (495) 123-45-67 доб. 4567", "8 (495) 123-45-67, добавочный 12",
    "+7 918 123-45-67 ext. 89", "+7 (495) 123-45-67 #123", "+7 999 123 45 67",
    "8 (958) 123-45-67", "+7 (978) 123-45-67", "+7 701 123 45 67", "+7 727 123 45 67",
    "+380 50 123 4567", "+375 29 123-45-67",
]  # fmt: skip
PHRASES = [
    "терапевт", "врач-терапевт", "врач общей практики", "стоматолог-ортопед",
    "акушер-гинеколог", "детский хирург", "врач ультразвуковой диагностики",
    "медицинская сестра процедурного кабинета", "невролог", "оториноларинголог",
    "врач-физиотерапевт", "заведующий отделением", "главный врач",
    "кардиолог высшей категории", "массажист", "Врач-офтальмолог (детский)",
    "старшая медицинская сестра", "заведующая отделением", "челюстно-лицевой хирург",
    "сердечно-сосудистый хирург", "врач УЗИ", "детский врач-стоматолог", "фельдшер-лаборант",
    "врач приёмного отделения", "медицинский брат", "врач по лечебной физкультуре",
    "Зав. отделением", "врач-терапевт участковый", "врач-педиатр участковый",
    "врач общей практики (семейный врач)", "медицинская сестра по массажу",
    "медицинская сестра палатная (постовая)", "ВРАЧ-НЕВРОЛОГ",
    "врач-анестезиолог-реаниматолог", "врач клинической лабораторной диагностики",
    "медицинский психолог", "дежурный врач", "логопед", "врач-эндокринолог детский",
    "акушерка",
]  # fmt: skip
NAMES = [
    ("Иванов", "Иван", "Иванович", "male"), ("Петрова", "Анна", "Сергеевна", "female"),
    ("Кузнецова-Лебедева", "Ольга", "Викторовна", "female"),
    ("Цой", "Виктор", "Робертович", "male"), ("Черных", "Мария", "Петровна", "female"),
]  # fmt: skip

COLD = """
import time, warnings
warnings.simplefilter("ignore")
t = time.perf_counter()
from hub.text.declension import phrase_dative
phrase_dative("врач-терапевт")
print(time.perf_counter() - t)
"""


def _per_call(fn: Callable[[], object], items: int, repeat: int = 5) -> float:
    """Best-of-``repeat`` seconds per item for ``fn`` (which handles ``items`` items)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best / items


def run(results: Path) -> dict[str, Any]:
    import phonenumbers
    from pytrovich.enums import Case, Gender, NamePart
    from pytrovich.maker import PetrovichDeclinationMaker

    from hub.text import declension
    from hub.text.phones import check_phone

    def bare_phones() -> None:
        for raw in PHONES:
            try:
                phonenumbers.is_valid_number(phonenumbers.parse(raw, "RU"))
            except phonenumbers.NumberParseException:
                pass

    def hub_phones() -> None:
        for raw in PHONES:
            check_phone(raw)

    morph = declension._morph()

    def naive_phrases() -> None:
        for phrase in PHRASES:
            for word in phrase.split():
                form = morph.parse(word)[0].inflect({"datv"})
                _ = form.word if form else word

    def hub_phrases() -> None:
        declension.phrase_dative.cache_clear()  # measure the work, not the caches
        declension._parses.cache_clear()
        for phrase in PHRASES:
            declension.phrase_dative(phrase)

    maker = PetrovichDeclinationMaker()

    def bare_names() -> None:
        for last, first, middle, sex in NAMES:
            gender = Gender.MALE if sex == "male" else Gender.FEMALE
            maker.make(NamePart.LASTNAME, gender, Case.DATIVE, last)
            maker.make(NamePart.FIRSTNAME, gender, Case.DATIVE, first)
            maker.make(NamePart.MIDDLENAME, gender, Case.DATIVE, middle)

    def hub_names() -> None:
        for last, first, middle, sex in NAMES:
            declension.person_dative(last, first, middle, sex)  # type: ignore[arg-type]

    cold = float(
        subprocess.run(
            [sys.executable, "-c", COLD], capture_output=True, text=True, check=True
        ).stdout
    )
    rows = {
        "check_phone": (_per_call(hub_phones, len(PHONES)), _per_call(bare_phones, len(PHONES))),
        "phrase_dative": (
            _per_call(hub_phrases, len(PHRASES)),
            _per_call(naive_phrases, len(PHRASES)),
        ),
        "person_dative": (_per_call(hub_names, len(NAMES)), _per_call(bare_names, len(NAMES))),
    }
    summary: dict[str, Any] = {
        name: {
            "hub_us": round(ours * 1e6, 1),
            "baseline_us": round(base * 1e6, 1),
            "ratio": round(ours / base, 2),
        }
        for name, (ours, base) in rows.items()
    }
    warm = rows["phrase_dative"][0]
    summary["pymorphy3_cold_first_phrase_ms"] = round(cold * 1e3, 1)
    summary["cold_over_warm_phrase"] = round(cold / warm)
    (results / "text.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return summary
