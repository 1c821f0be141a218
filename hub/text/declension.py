"""Dative forms for message texts: «к врачу-терапевту Петровой А. С.».

Two jobs, two libraries (see ``declension.md`` in the design notes for the evaluation):

* staff names → **pytrovich** (petrovich rules): :func:`full_name` (cleaned nominative),
  :func:`person_dative`
  («Петровой Анне Сергеевне»), :func:`short_name` («Петрова А. С.»),
  :func:`short_dative` («Петровой А. С.», only the surname inflects). The gender comes
  from the record's ``sex``; without it, from pytrovich's detector (the patronymic
  decides, and a sex read from a patronymic counts as known); if it is still unknown
  the name is left in the nominative. ALL-CAPS parts are brought to title case first.
* specialty phrases → **pymorphy3** through :func:`phrase_dative`, which follows the rules
  of the design note (inflecting every word would give «врачу общей практике»)::

      phrase  = piece (separator piece)*     separators: ( ) , and a spaced — – -
      piece   = attribute* head rest          each piece is inflected on its own
      head    = first nominative noun, or a nominative adjective / participle not
                followed by another nominative word («заведующий отделением»)
      attribute → dative, agreeing with the head («главному врачу»)
      rest    → as written («общей практики», «отделением», «УЗИ»), except a trailing run
                of adjectives agreeing with the head («врачу-терапевту участковому»)
      hyphenated: every noun part inflects («врачу-анестезиологу-реаниматологу»), in an
                adjective only the last part («челюстно-лицевому»)

  «врач» keeps its masculine gender for a woman doctor; letter case is kept per word
  (ALL CAPS too); abbreviations («УЗИ», «ЛОР») never change, and a dotted one
  («Зав. отделением») leaves the whole phrase unchanged, as does a phrase without a head.

pymorphy3 loads its dictionary (~0.1–0.5 s, ~30 MB) on the first phrase, once per process,
never at import: compute a specialty's dative when it is saved, not when sending.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer
    from pymorphy3.analyzer import Parse

__all__ = ["full_name", "person_dative", "phrase_dative", "short_dative", "short_name"]

Sex = Literal["male", "female"]

# --- names (pytrovich) ---------------------------------------------------------------

# Turkic patronymic particles: the particle stays lowercase and the patronymic does not
# decline («Рашиду Гейдар оглы»).
_PATRONYMIC_PARTICLES: Final = frozenset({"оглы", "кызы", "гызы", "улы", "уулу"})
# Particles of foreign surnames, left lowercase when typed lowercase («фон Визин»).
_NAME_PARTICLES: Final = frozenset({"фон", "де", "ди", "да", "дю", "ван", "дер", "ле", "ла", "аль"})


@functools.cache
def _maker() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@functools.cache
def _detector() -> PetrovichGenderDetector:
    return PetrovichGenderDetector()


def _clean(part: str | None) -> str:
    """Trim and collapse spaces; ALL CAPS → title case; all lowercase → capitalised.

    Particles keep their lowercase: «оглы», «кызы» always, «фон», «де», «ван»… when typed so.
    """
    out = []
    for word in (part or "").split():
        if word.lower() in _PATRONYMIC_PARTICLES:
            out.append(word.lower())
        elif word.isupper() and len(word) > 1:
            out.append(word.title())
        elif word.islower() and word not in _NAME_PARTICLES:
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
        else:
            out.append(word)
    return " ".join(out)


def _gender(last: str, first: str, middle: str, sex: Sex | None) -> tuple[Gender, bool] | None:
    """(gender, known) from the record's ``sex``, else detected; None when unknown."""
    if sex == "male":
        return Gender.MALE, True
    if sex == "female":
        return Gender.FEMALE, True
    if not (last or first or middle):
        return None
    if middle and middle.split()[-1] not in _PATRONYMIC_PARTICLES:
        # A Russian patronymic («Андреевич», «Андреевна») settles the sex: treat it as
        # known, so that surnames the rules decline only for a known gender decline
        # («Гусю Павлу Андреевичу», not «Гусь Павлу Андреевичу»).
        by_patronymic = _detector().detect(middlename=middle)  # type: ignore[no-untyped-call]
        if by_patronymic != Gender.ANDROGYNOUS:
            return by_patronymic, True
    detected = _detector().detect(  # type: ignore[no-untyped-call]
        firstname=first or None, lastname=last or None, middlename=middle or None
    )
    return None if detected == Gender.ANDROGYNOUS else (detected, False)


def _inflect(part: NamePart, value: str, gender: tuple[Gender, bool]) -> str:
    if not value:
        return value
    if part == NamePart.MIDDLENAME and value.split()[-1] in _PATRONYMIC_PARTICLES:
        return value
    return _maker().make(part, gender[0], Case.DATIVE, value, gender[1])


def person_dative(
    last: str | None, first: str | None, middle: str | None = None, sex: Sex | None = None
) -> str:
    """«Петрова Анна Сергеевна» → «Петровой Анне Сергеевне»; missing parts are skipped.

    With no ``sex`` the gender is detected; if it stays unknown the name is returned in
    the nominative (title-cased), so a template can avoid the dative.
    """
    names = [_clean(last), _clean(first), _clean(middle)]
    gender = _gender(names[0], names[1], names[2], sex)
    if gender is not None:
        parts = (NamePart.LASTNAME, NamePart.FIRSTNAME, NamePart.MIDDLENAME)
        names = [_inflect(p, v, gender) for p, v in zip(parts, names, strict=True)]
    return " ".join(n for n in names if n)


def _initials(first: str, middle: str) -> str:
    """«Анна», «Сергеевна» → «А. С.»; «Анна-Мария» → «А.-М.»."""
    out = []
    for name in (first, middle):
        word = name.split()[0] if name.split() else ""
        if word:
            out.append("-".join(p[:1].upper() + "." for p in word.split("-") if p))
    return " ".join(out)


def full_name(last: str | None, first: str | None, middle: str | None = None) -> str:
    """«ПЕТРОВА АННА СЕРГЕЕВНА» → «Петрова Анна Сергеевна»: cleaned, nominative."""
    return " ".join(p for p in (_clean(last), _clean(first), _clean(middle)) if p)


def short_name(last: str | None, first: str | None, middle: str | None = None) -> str:
    """«Петрова Анна Сергеевна» → «Петрова А. С.» (no middle name: «Петрова А.»)."""
    return " ".join(p for p in (_clean(last), _initials(_clean(first), _clean(middle))) if p)


def short_dative(
    last: str | None, first: str | None, middle: str | None = None, sex: Sex | None = None
) -> str:
    """«Петрова Анна Сергеевна» → «Петровой А. С.»: only the surname inflects."""
    names = _clean(last), _clean(first), _clean(middle)
    gender = _gender(*names, sex)
    surname = names[0] if gender is None else _inflect(NamePart.LASTNAME, names[0], gender)
    return " ".join(p for p in (surname, _initials(names[1], names[2])) if p)


# --- specialty phrases (pymorphy3) ---------------------------------------------------

# Medical abbreviations that pymorphy3 reads as ordinary words («лор» → a noun).
_ABBREVIATIONS: Final = frozenset(
    {"лор", "узи", "мрт", "кт", "экг", "ээг", "лфк", "узд", "фд", "эхокг", "вич", "фгдс"}
)
_SEPARATORS: Final = re.compile(r"(\s+[—–-]\s+|\s*,\s*|\s*\(\s*|\s*\)\s*)")
_DOTTED_ABBREVIATION: Final = re.compile(r"\w\.\s*\w")
_WORD: Final = re.compile(r"^(\W*)(.*?)(\W*)$")
_ADJECTIVES: Final = frozenset({"ADJF", "PRTF"})


@functools.cache
def _morph() -> MorphAnalyzer:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=4096)
def _parses(word: str) -> tuple[Parse, ...]:
    return tuple(_morph().parse(word))


def _nominative(word: str, pos: frozenset[str]) -> list[Parse]:
    """Nominative parses of ``word`` with a part of speech in ``pos``, singular first."""
    found = [p for p in _parses(word) if p.tag.POS in pos and "nomn" in p.tag]
    return sorted(found, key=lambda p: "sing" not in p.tag)


@dataclass
class _Token:
    """One word of a piece: its hyphen parts and what it can be in the nominative."""

    prefix: str
    parts: list[str]
    suffix: str
    caps: bool  # the whole piece is ALL CAPS: an ALL-CAPS part is not an abbreviation

    def is_abbreviation(self, part: str) -> bool:
        if part.lower() in _ABBREVIATIONS or not part.isalpha():
            return True
        if not self.caps and part.isupper() and len(part) > 1:
            return True
        parses = _parses(part.lower())
        return bool(parses) and "Abbr" in parses[0].tag

    def _last(self) -> str:
        return self.parts[-1].lower() if self.parts else ""

    def nouns(self) -> list[Parse]:
        last = self.parts[-1] if self.parts else ""
        if not last or self.is_abbreviation(last):
            return []
        return _nominative(last.lower(), frozenset({"NOUN"}))

    def adjectives(self) -> list[Parse]:
        last = self.parts[-1] if self.parts else ""
        if not last or self.is_abbreviation(last):
            return []
        return _nominative(last.lower(), _ADJECTIVES)

    def is_any_noun(self) -> bool:
        last = self._last()
        return bool(last) and any(p.tag.POS == "NOUN" for p in _parses(last))

    def head_agreement(self) -> tuple[str | None, str | None]:
        """(gender, number) of this word as a head: its first noun part decides."""
        for part in self.parts:
            if part and not self.is_abbreviation(part):
                nouns = _nominative(part.lower(), frozenset({"NOUN"}))
                if nouns:
                    return nouns[0].tag.gender, nouns[0].tag.number
        adjectives = self.adjectives()
        if adjectives:
            return adjectives[0].tag.gender, adjectives[0].tag.number
        return None, None

    def text(self) -> str:
        return self.prefix + "-".join(self.parts) + self.suffix


def _agrees(parse: Parse, gender: str | None, number: str | None) -> bool:
    if number is None or parse.tag.number != number:
        return number is None
    return number == "plur" or parse.tag.gender == gender


def _dative_of(parse: Parse, original: str) -> str:
    form = parse.inflect({"datv"})
    if form is None:
        return original
    word: str = form.word
    if "ё" not in original.lower():
        word = word.replace("ё", "е")
    if original.isupper() and len(original) > 1:
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _inflect_noun(token: _Token) -> None:
    """Every noun part of a (hyphenated) noun goes to the dative."""
    for i, part in enumerate(token.parts):
        if part and not token.is_abbreviation(part):
            nouns = _nominative(part.lower(), frozenset({"NOUN"}))
            if nouns:
                token.parts[i] = _dative_of(nouns[0], part)


def _inflect_adjective(token: _Token, gender: str | None, number: str | None) -> None:
    """The last part of a (hyphenated) adjective goes to the dative, agreeing."""
    options = token.adjectives()
    agreeing = [p for p in options if _agrees(p, gender, number)] or options
    if agreeing:
        token.parts[-1] = _dative_of(agreeing[0], token.parts[-1])


def _piece_dative(piece: str, caps: bool) -> str:
    """One piece (no separators): attribute* head rest → dative."""
    chunks = re.split(r"(\s+)", piece)
    tokens: list[_Token] = []
    for chunk in chunks[::2]:
        match = _WORD.match(chunk)
        assert match is not None  # the pattern matches any string
        tokens.append(_Token(match[1], match[2].split("-"), match[3], caps))
    words = [t for t in tokens if any(t.parts)]
    head = _find_head(words)
    if head is None:
        return piece
    gender, number = words[head].head_agreement()
    for attribute in words[:head]:
        _inflect_adjective(attribute, gender, number)
    if words[head].nouns():
        _inflect_noun(words[head])
    else:
        _inflect_adjective(words[head], gender, number)
    run = head + 1
    while run < len(words) and any(_agrees(p, gender, number) for p in words[run].adjectives()):
        run += 1
    if run == len(words) or not words[run].is_any_noun():
        for word in words[head + 1 : run]:
            _inflect_adjective(word, gender, number)
    chunks[::2] = [t.text() for t in tokens]
    return "".join(chunks)


def _find_head(words: list[_Token]) -> int | None:
    """Index of the head word, or None (the piece is then left as written)."""
    for i, word in enumerate(words):
        is_adjective = bool(word.adjectives())
        following = words[i + 1] if i + 1 < len(words) else None
        if is_adjective and following and (following.nouns() or following.adjectives()):
            continue  # an attribute of a later head («главный врач», «дежурный врач»)
        if word.nouns() or is_adjective:
            return i
        return None
    return None


@functools.lru_cache(maxsize=1024)
def phrase_dative(phrase: str) -> str:
    """A specialty or job title in the dative: «врач общей практики» → «врачу общей практики».

    Text in parentheses, after a spaced dash or after a comma is inflected as a phrase of
    its own («врач — детский кардиолог» → «врачу — детскому кардиологу»). A phrase with a
    dotted abbreviation, or without a nominative head, is returned unchanged.
    """
    if not phrase.strip() or _DOTTED_ABBREVIATION.search(phrase):
        return phrase
    letters = [ch for ch in phrase if ch.isalpha()]
    caps = len(letters) > 1 and all(ch.isupper() for ch in letters)
    pieces = _SEPARATORS.split(phrase)
    pieces[::2] = [_piece_dative(p, caps) if p.strip() else p for p in pieces[::2]]
    return "".join(pieces)
