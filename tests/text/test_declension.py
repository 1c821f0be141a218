"""hub.text.declension: staff names (pytrovich) and specialty phrases (pymorphy3) → dative.

Expected values are the linguistically correct forms (declension.md); none of them is a
known library limit, so every row must pass.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from hub.text import declension
from hub.text.declension import person_dative, phrase_dative, short_dative, short_name

# (last, first, middle, sex, expected dative). sex: "male" / "female".
BRIEF_NAMES: list[tuple[str, str, str, str, str]] = [
    ("Иванов", "Иван", "Иванович", "male", "Иванову Ивану Ивановичу"),
    ("Петрова", "Анна", "Сергеевна", "female", "Петровой Анне Сергеевне"),
    (
        "Кузнецова-Лебедева",
        "Ольга",
        "Викторовна",
        "female",
        "Кузнецовой-Лебедевой Ольге Викторовне",
    ),
    ("Шевчук", "Тарас", "Богданович", "male", "Шевчуку Тарасу Богдановичу"),
    ("Гурьев", "Илья", "Ильич", "male", "Гурьеву Илье Ильичу"),
    ("Черных", "Мария", "Петровна", "female", "Черных Марии Петровне"),
    ("Дюма", "Александр", "Александрович", "male", "Дюма Александру Александровичу"),
    ("Ким", "Елена", "Валерьевна", "female", "Ким Елене Валерьевне"),
    ("Сидоренко", "Павел", "Андреевич", "male", "Сидоренко Павлу Андреевичу"),
    ("Белых", "Никита", "Олегович", "male", "Белых Никите Олеговичу"),
    ("Цой", "Виктор", "Робертович", "male", "Цою Виктору Робертовичу"),
    ("Нестор", "Любовь", "Николаевна", "female", "Нестор Любови Николаевне"),
    ("Зайцева", "Юлия", "Аркадьевна", "female", "Зайцевой Юлии Аркадьевне"),
    ("Кох", "Роберт", "Генрихович", "male", "Коху Роберту Генриховичу"),
    ("Лев", "Лев", "Львович", "male", "Леву Льву Львовичу"),
]

MORE_NAMES: list[tuple[str, str, str, str, str]] = [
    # the "stress set": first names in -а, stressed/unstressed -а surnames, -ой, -ых/-их
    ("Кузьмин", "Кузьма", "Ильич", "male", "Кузьмину Кузьме Ильичу"),
    ("Фомин", "Фома", "Лукич", "male", "Фомину Фоме Лукичу"),
    ("Лобода", "Андрей", "Петрович", "male", "Лободе Андрею Петровичу"),
    ("Лобода", "Светлана", "Сергеевна", "female", "Лободе Светлане Сергеевне"),
    ("Мазепа", "Иван", "Степанович", "male", "Мазепе Ивану Степановичу"),
    ("Крамской", "Иван", "Николаевич", "male", "Крамскому Ивану Николаевичу"),
    ("Бонч-Бруевич", "Владимир", "Дмитриевич", "male", "Бонч-Бруевичу Владимиру Дмитриевичу"),
    ("Седых", "Ольга", "Ивановна", "female", "Седых Ольге Ивановне"),
    ("Долгих", "Пётр", "Ильич", "male", "Долгих Петру Ильичу"),
    # ALL-CAPS input comes out in title case
    ("ИВАНОВА", "МАРИЯ", "ПЕТРОВНА", "female", "Ивановой Марии Петровне"),
    (
        "КУЗНЕЦОВА-ЛЕБЕДЕВА",
        "ОЛЬГА",
        "ВИКТОРОВНА",
        "female",
        "Кузнецовой-Лебедевой Ольге Викторовне",
    ),
    # no patronymic
    ("Смирнов", "Алексей", "", "male", "Смирнову Алексею"),
    ("Ильина", "Любовь", "", "female", "Ильиной Любови"),
    # adjectival, double-barrelled, soft-sign, fleeting vowel
    ("Толстая", "Татьяна", "Никитична", "female", "Толстой Татьяне Никитичне"),
    ("Достоевский", "Фёдор", "Михайлович", "male", "Достоевскому Фёдору Михайловичу"),
    (
        "Римская-Корсакова",
        "Надежда",
        "Николаевна",
        "female",
        "Римской-Корсаковой Надежде Николаевне",
    ),
    ("Салтыков-Щедрин", "Михаил", "Евгеньевич", "male", "Салтыкову-Щедрину Михаилу Евгеньевичу"),
    ("Петров-Водкин", "Кузьма", "Сергеевич", "male", "Петрову-Водкину Кузьме Сергеевичу"),
    ("Гоголь", "Николай", "Васильевич", "male", "Гоголю Николаю Васильевичу"),
    ("Баранец", "Игорь", "Петрович", "male", "Баранцу Игорю Петровичу"),
    # consonant-final surnames: decline for men, not for women
    ("Шевчук", "Анна", "Тарасовна", "female", "Шевчук Анне Тарасовне"),
    ("Головач", "Алексей", "Иванович", "male", "Головачу Алексею Ивановичу"),
    ("Головач", "Елена", "Валерьевна", "female", "Головач Елене Валерьевне"),
    ("Мельник", "Ольга", "Ивановна", "female", "Мельник Ольге Ивановне"),
    ("Жук", "Илья", "Петрович", "male", "Жуку Илье Петровичу"),
    ("Кравец", "Дарья", "Олеговна", "female", "Кравец Дарье Олеговне"),
    # never declined: -ко, -ово, -о, vowel-final foreign
    ("Коваленко", "Ирина", "Петровна", "female", "Коваленко Ирине Петровне"),
    ("Гречко", "Андрей", "Антонович", "male", "Гречко Андрею Антоновичу"),
    ("Плевако", "Фёдор", "Никифорович", "male", "Плевако Фёдору Никифоровичу"),
    ("Дурново", "Пётр", "Николаевич", "male", "Дурново Петру Николаевичу"),
    ("Ли", "Анна", "Сергеевна", "female", "Ли Анне Сергеевне"),
    ("Гюго", "Виктор", "", "male", "Гюго Виктору"),
    # first names in -а / -я for men, -ия, -ья
    ("Ефремов", "Никита", "Сергеевич", "male", "Ефремову Никите Сергеевичу"),
    ("Савва", "Игорь", "Петрович", "male", "Савве Игорю Петровичу"),
    ("Муравьёва", "Зоя", "Кузьминична", "female", "Муравьёвой Зое Кузьминичне"),
    ("Сорокина", "Любовь", "Ильинична", "female", "Сорокиной Любови Ильиничне"),
    ("Гарсия", "Мария", "", "female", "Гарсии Марии"),
    # Turkic patronymics: the particle and the patronymic stay as they are
    ("Алиев", "Рашид", "Гейдар оглы", "male", "Алиеву Рашиду Гейдар оглы"),
    ("Мамедова", "Лейла", "Рашид кызы", "female", "Мамедовой Лейле Рашид кызы"),
    ("АЛИЕВ", "РАШИД", "ГЕЙДАР ОГЛЫ", "male", "Алиеву Рашиду Гейдар оглы"),
]

NAMES = BRIEF_NAMES + MORE_NAMES


def _ids(rows: list[tuple[str, str, str, str, str]]) -> list[str]:
    return [f"{last} {first}" for last, first, *_ in rows]


def test_name_tables_are_big_enough() -> None:
    assert len(BRIEF_NAMES) == 15
    assert len(MORE_NAMES) >= 15
    assert len({row[:3] for row in NAMES}) == len(NAMES)


@pytest.mark.parametrize(("last", "first", "middle", "sex", "expected"), NAMES, ids=_ids(NAMES))
def test_person_dative_with_sex(
    last: str, first: str, middle: str, sex: str, expected: str
) -> None:
    assert person_dative(last, first, middle, sex) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("last", "first", "middle", "sex", "expected"), NAMES, ids=_ids(NAMES))
def test_person_dative_detects_sex(
    last: str, first: str, middle: str, sex: str, expected: str
) -> None:
    """Without the record's sex, pytrovich's detector gets every row of the table right."""
    assert person_dative(last, first, middle, None) == expected


@pytest.mark.parametrize(
    ("last", "first", "middle", "sex", "expected"),
    [
        # unknown gender: nothing detectable → nominative, so the template can avoid the dative
        ("Ким", "Саша", None, None, "Ким Саша"),
        ("Ким", "Саша", None, "male", "Киму Саше"),
        ("Ким", "Саша", None, "female", "Ким Саше"),
        ("Кузьма", None, None, None, "Кузьма"),
        # only a surname; surname and sex
        ("Иванов", None, None, None, "Иванову"),
        ("Петрова", "", "", "female", "Петровой"),
        # stray spaces and lowercase input
        ("  Петрова ", " анна ", "  сергеевна", None, "Петровой Анне Сергеевне"),
        ("фон Визин", "Денис", "Иванович", "male", "фон Визину Денису Ивановичу"),
        # the record's sex wins over what the name looks like
        ("Саша", "Женя", None, "female", "Саше Жене"),
        ("", "", "", None, ""),
        (None, None, None, None, ""),
    ],
)
def test_person_dative_edges(
    last: str | None, first: str | None, middle: str | None, sex: str | None, expected: str
) -> None:
    assert person_dative(last, first, middle, sex) == expected  # type: ignore[arg-type]


SHORT: list[tuple[str | None, str | None, str | None, str | None, str, str]] = [
    # last, first, middle, sex, short_name, short_dative
    ("Петрова", "Анна", "Сергеевна", "female", "Петрова А. С.", "Петровой А. С."),
    ("Иванов", "Иван", "Иванович", "male", "Иванов И. И.", "Иванову И. И."),
    ("Петрова", "Анна", "Сергеевна", None, "Петрова А. С.", "Петровой А. С."),
    ("Смирнов", "Алексей", None, "male", "Смирнов А.", "Смирнову А."),
    ("Смирнов", "Алексей", "", None, "Смирнов А.", "Смирнову А."),
    ("Петрова", "Анна-Мария", "Сергеевна", "female", "Петрова А.-М. С.", "Петровой А.-М. С."),
    ("ПЕТРОВА", "АННА", "СЕРГЕЕВНА", None, "Петрова А. С.", "Петровой А. С."),
    ("Черных", "Мария", "Петровна", "female", "Черных М. П.", "Черных М. П."),
    ("Цой", "Виктор", "Робертович", None, "Цой В. Р.", "Цою В. Р."),
    ("Бонч-Бруевич", "Владимир", "Дмитриевич", None, "Бонч-Бруевич В. Д.", "Бонч-Бруевичу В. Д."),
    (
        "Кузнецова-Лебедева",
        "Ольга",
        "Викторовна",
        None,
        "Кузнецова-Лебедева О. В.",
        "Кузнецовой-Лебедевой О. В.",
    ),
    ("Алиев", "Рашид", "Гейдар оглы", None, "Алиев Р. Г.", "Алиеву Р. Г."),
    ("Ким", "Саша", None, None, "Ким С.", "Ким С."),
    ("Петрова", None, None, "female", "Петрова", "Петровой"),
    ("  Петрова ", " анна ", None, None, "Петрова А.", "Петровой А."),
    ("Ёлкин", "Эдуард", "Юрьевич", None, "Ёлкин Э. Ю.", "Ёлкину Э. Ю."),
]


@pytest.mark.parametrize(("last", "first", "middle", "sex", "short", "dative"), SHORT)
def test_short_name_and_short_dative(
    last: str | None,
    first: str | None,
    middle: str | None,
    sex: str | None,
    short: str,
    dative: str,
) -> None:
    assert short_name(last, first, middle) == short
    assert short_dative(last, first, middle, sex) == dative  # type: ignore[arg-type]


# --- specialty phrases ---------------------------------------------------------------------

BRIEF_PHRASES: list[tuple[str, str]] = [
    ("терапевт", "терапевту"),
    ("врач-терапевт", "врачу-терапевту"),
    ("врач общей практики", "врачу общей практики"),
    ("стоматолог-ортопед", "стоматологу-ортопеду"),
    ("акушер-гинеколог", "акушеру-гинекологу"),
    ("детский хирург", "детскому хирургу"),
    ("врач ультразвуковой диагностики", "врачу ультразвуковой диагностики"),
    ("медицинская сестра процедурного кабинета", "медицинской сестре процедурного кабинета"),
    ("невролог", "неврологу"),
    ("оториноларинголог", "оториноларингологу"),
    ("врач-физиотерапевт", "врачу-физиотерапевту"),
    ("заведующий отделением", "заведующему отделением"),
    ("главный врач", "главному врачу"),
    ("кардиолог высшей категории", "кардиологу высшей категории"),
    ("массажист", "массажисту"),
    ("Врач-офтальмолог (детский)", "Врачу-офтальмологу (детскому)"),
]

EXTRA_PHRASES: list[tuple[str, str]] = [
    ("старшая медицинская сестра", "старшей медицинской сестре"),
    ("заведующая отделением", "заведующей отделением"),
    ("челюстно-лицевой хирург", "челюстно-лицевому хирургу"),
    ("сердечно-сосудистый хирург", "сердечно-сосудистому хирургу"),
    ("врач УЗИ", "врачу УЗИ"),
    ("детский врач-стоматолог", "детскому врачу-стоматологу"),
    ("фельдшер-лаборант", "фельдшеру-лаборанту"),
    ("врач приёмного отделения", "врачу приёмного отделения"),
    ("медицинский брат", "медицинскому брату"),
    ("врач по лечебной физкультуре", "врачу по лечебной физкультуре"),
    ("Зав. отделением", "Зав. отделением"),
    ("врач-терапевт участковый", "врачу-терапевту участковому"),
    ("врач-педиатр участковый", "врачу-педиатру участковому"),
    ("врач общей практики (семейный врач)", "врачу общей практики (семейному врачу)"),
    ("медицинская сестра по массажу", "медицинской сестре по массажу"),
    ("медицинская сестра палатная (постовая)", "медицинской сестре палатной (постовой)"),
    ("ВРАЧ-НЕВРОЛОГ", "ВРАЧУ-НЕВРОЛОГУ"),
    ("врач-анестезиолог-реаниматолог", "врачу-анестезиологу-реаниматологу"),
    ("врач клинической лабораторной диагностики", "врачу клинической лабораторной диагностики"),
    ("медицинский психолог", "медицинскому психологу"),
    ("дежурный врач", "дежурному врачу"),
    ("логопед", "логопеду"),
    ("врач-эндокринолог детский", "врачу-эндокринологу детскому"),
    ("акушерка", "акушерке"),
]

MORE_PHRASES: list[tuple[str, str]] = [
    # the em-dash apposition gap of declension.md, and its en-dash / spaced-hyphen spellings
    ("врач — детский кардиолог", "врачу — детскому кардиологу"),
    ("врач – детский кардиолог", "врачу – детскому кардиологу"),
    ("врач - детский кардиолог", "врачу - детскому кардиологу"),
    (
        "заведующий хирургическим отделением — врач-хирург",
        "заведующему хирургическим отделением — врачу-хирургу",
    ),
    # comma-separated titles: each inflects on its own
    ("главный врач, врач-терапевт", "главному врачу, врачу-терапевту"),
    # abbreviations never change, in mixed case or inside an ALL-CAPS phrase
    ("ЛОР-врач", "ЛОР-врачу"),
    ("врач-оториноларинголог (ЛОР)", "врачу-оториноларингологу (ЛОР)"),
    ("ВРАЧ УЗИ", "ВРАЧУ УЗИ"),
    ("ЛОР", "ЛОР"),
    # feminine titles, compounds of different genders
    ("медсестра", "медсестре"),
    ("Главная медицинская сестра", "Главной медицинской сестре"),
    ("медицинская сестра-анестезист", "медицинской сестре-анестезисту"),
    (
        "младшая медицинская сестра по уходу за больными",
        "младшей медицинской сестре по уходу за больными",
    ),
    ("детская медицинская сестра", "детской медицинской сестре"),
    ("санитарка", "санитарке"),
    # more heads, attributes and complements
    ("врач-стоматолог-хирург", "врачу-стоматологу-хирургу"),
    ("зубной врач", "зубному врачу"),
    ("врач функциональной диагностики", "врачу функциональной диагностики"),
    ("врач скорой медицинской помощи", "врачу скорой медицинской помощи"),
    ("врач-невролог высшей категории", "врачу-неврологу высшей категории"),
    ("гинеколог-эндокринолог", "гинекологу-эндокринологу"),
    ("психиатр-нарколог", "психиатру-наркологу"),
    ("Врач Общей Практики", "Врачу Общей Практики"),
    # no nominative head: left as written
    ("по записи", "по записи"),
    ("", ""),
    # surrounding spaces are kept
    (" врач-терапевт ", " врачу-терапевту "),
]

PHRASES = BRIEF_PHRASES + EXTRA_PHRASES + MORE_PHRASES


def test_phrase_tables_are_complete() -> None:
    assert (len(BRIEF_PHRASES), len(EXTRA_PHRASES)) == (16, 24)
    assert len({phrase for phrase, _ in PHRASES}) == len(PHRASES)


@pytest.mark.parametrize(("phrase", "expected"), PHRASES, ids=[p or "empty" for p, _ in PHRASES])
def test_phrase_dative(phrase: str, expected: str) -> None:
    assert phrase_dative(phrase) == expected


def test_doctor_phrase_and_name_together() -> None:
    """«врач» stays masculine for a woman doctor; only her surname is feminine."""
    name = short_dative("Петрова", "Анна", "Сергеевна", "female")
    text = f"к {phrase_dative('врач-терапевт')} {name}"
    assert text == "к врачу-терапевту Петровой А. С."


# --- loading -------------------------------------------------------------------------------


def test_pymorphy3_is_not_loaded_on_import() -> None:
    """Importing the module (or inflecting names) never loads the pymorphy3 dictionary."""
    code = (
        "import sys\n"
        "from hub.text.declension import person_dative\n"
        "assert person_dative('Иванов', 'Иван', 'Иванович', 'male') == 'Иванову Ивану Ивановичу'\n"
        "assert 'pymorphy3' not in sys.modules, 'pymorphy3 imported'\n"
        "from hub.text.declension import phrase_dative\n"
        "assert phrase_dative('терапевт') == 'терапевту'\n"
        "assert 'pymorphy3' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_analyzer_is_built_once() -> None:
    phrase_dative("невролог-эпилептолог")
    first = declension._morph()
    phrase_dative("хирург-онколог")
    assert declension._morph() is first
    assert declension._morph.cache_info().currsize == 1
