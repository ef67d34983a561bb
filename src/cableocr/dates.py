"""Japanese dates as written on the form -> ISO dates: era names, 元年, kanji numerals, and the
older forms' Western two-digit years (74年10月30日)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from kanjize import kanji2number

# First day of each era (a fixed historical table, not worth a dependency).
ERAS: dict[str, dt.date] = {
    "明治": dt.date(1868, 1, 25),
    "大正": dt.date(1912, 7, 30),
    "昭和": dt.date(1926, 12, 25),
    "平成": dt.date(1989, 1, 8),
    "令和": dt.date(2019, 5, 1),
}
_NUM = r"[0-9〇一二三四五六七八九十OolI|]+"  # with the letters OCR gives for 0 and 1
_GAP = r"[\s.,・･'`]*"  # blanks and specks OCR puts between the parts
_ERA_PARTS = rf"({'|'.join(ERAS)}){_GAP}({_NUM}|元){_GAP}年{_GAP}({_NUM}){_GAP}月{_GAP}({_NUM}){_GAP}"
ERA_DATE = re.compile(_ERA_PARTS + "日")
# The same with its last character unread (日 is often misread after digits: 28H, 28晶).
ERA_DATE_LOOSE = re.compile(_ERA_PARTS + "(?:日|[^0-9〇一二三四五六七八九十])")
# A Western year, as older forms type it: 74年10月30日 (two digits) or 1974年… (not preceded by an era name
# or another digit).
_WESTERN_PARTS = rf"(?<![0-9{''.join(ERAS)}])(?<!(?:{'|'.join(ERAS)}))([0-9OolI|]{{4}}|[0-9OolI|]{{2}}){_GAP}年{_GAP}({_NUM}){_GAP}月{_GAP}({_NUM}){_GAP}"
WESTERN_DATE = re.compile(_WESTERN_PARTS + "日")
WESTERN_DATE_LOOSE = re.compile(_WESTERN_PARTS + "(?:日|[^0-9〇一二三四五六七八九十])")
# OCR confusions seen in digits: O/o for 0, l/I/| for 1.
_CONFUSED = "OolI|"
_DIGIT_CONFUSIONS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


@dataclass(frozen=True)
class ParsedDate:
    iso: str
    era_form: str  # as written, blanks and specks removed
    span: tuple[int, int]  # where it stands in the NFKC-folded text
    valid_in_era: bool  # False: the date falls outside its era's span
    exact: bool = True  # False: read with its closing 日 misread
    repaired: bool = False  # True: a digit was read as a letter (O, l, |) and mended


def to_int(token: str) -> int:
    """Arabic (any width) or kanji numeral; 元 is 1. Raises ValueError if it is neither."""
    token = unicodedata.normalize("NFKC", token).translate(_DIGIT_CONFUSIONS)
    if token == "元":
        return 1
    if token.isdigit():
        return int(token)
    if any(c.isdigit() for c in token):  # digits mixed with kanji numerals: not a numeral
        raise ValueError(token)
    return kanji2number(token)


def parse_era_date(text: str, loose: bool = False) -> ParsedDate | None:
    """The first era date in text, or None when there is none or it is not a real date.

    loose: also accept a date whose closing 日 was misread as another character.
    """
    folded = unicodedata.normalize("NFKC", text)
    match = ERA_DATE.search(folded)
    exact = match is not None
    if match is None and loose:
        match = ERA_DATE_LOOSE.search(folded)
    if match is None:
        return _parse_western(folded, loose)
    era, year, month, day = match.groups()
    repaired = any(c in _CONFUSED for c in year + month + day)
    try:
        start = ERAS[era]
        date = dt.date(start.year + to_int(year) - 1, to_int(month), to_int(day))
    except (ValueError, KeyError):
        return None
    eras = list(ERAS.values())
    end = next((d for d in eras if d > start), dt.date.max)
    return ParsedDate(
        iso=date.isoformat(),
        era_form=f"{era}{year}年{month}月{day}日",
        span=match.span(),
        valid_in_era=start <= date < end,
        exact=exact,
        repaired=repaired,
    )


def _parse_western(folded: str, loose: bool) -> ParsedDate | None:
    """74年10月30日: a year of the 1900s (cables of this archive are all from the 20th century
    onward; 00-44 are read as 2000-2044)."""
    match = WESTERN_DATE.search(folded)
    exact = match is not None
    if match is None and loose:
        match = WESTERN_DATE_LOOSE.search(folded)
    if match is None:
        return None
    year, month, day = match.groups()
    repaired = any(c in _CONFUSED for c in year + month + day)
    try:
        number = to_int(year)
        full = number if len(year) == 4 else 1900 + number if number >= 45 else 2000 + number
        date = dt.date(full, to_int(month), to_int(day))
    except (ValueError, KeyError):
        return None
    return ParsedDate(iso=date.isoformat(), era_form=f"{year}年{month}月{day}日", span=match.span(),
                      valid_in_era=True, exact=exact, repaired=repaired)
