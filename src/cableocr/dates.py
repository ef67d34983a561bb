"""Japanese dates as written on the form -> ISO dates: era names, 元年, kanji numerals, and the
older forms' Western two-digit years (74年10月30日)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from kanjize import kanji2number

from cableocr.numbers import CONFUSED_DIGITS, REPAIR_DIGITS

# First day of each era (a fixed historical table, not worth a dependency).
ERAS: dict[str, dt.date] = {
    "明治": dt.date(1868, 1, 25),
    "大正": dt.date(1912, 7, 30),
    "昭和": dt.date(1926, 12, 25),
    "平成": dt.date(1989, 1, 8),
    "令和": dt.date(2019, 5, 1),
}
_NUM = rf"[0-9〇一二三四五六七八九十{re.escape(CONFUSED_DIGITS)}]+"  # with the letters OCR gives for 0 and 1
_GAP = r"[\s.,・･'`]*"  # blanks and specks OCR puts between the parts
_ERA_PARTS = rf"({'|'.join(ERAS)}){_GAP}({_NUM}|元){_GAP}年{_GAP}({_NUM}){_GAP}月{_GAP}({_NUM}){_GAP}"
ERA_DATE = re.compile(_ERA_PARTS + "日")
# The same with its last character unread (日 is often misread after digits: 28H, 28晶).
ERA_DATE_LOOSE = re.compile(_ERA_PARTS + "(?:日|[^0-9〇一二三四五六七八九十])")
# A Western year, as older forms type it: 74年10月30日 (two digits) or 1974年… (not preceded by an era name
# or another digit).
_YEAR_DIGIT = rf"[0-9{re.escape(CONFUSED_DIGITS)}]"
_WESTERN_PARTS = (rf"(?<![0-9{''.join(ERAS)}])({_YEAR_DIGIT}{{4}}|{_YEAR_DIGIT}{{2}})"
                  rf"{_GAP}年{_GAP}({_NUM}){_GAP}月{_GAP}({_NUM}){_GAP}")
WESTERN_DATE = re.compile(_WESTERN_PARTS + "日")
WESTERN_DATE_LOOSE = re.compile(_WESTERN_PARTS + "(?:日|[^0-9〇一二三四五六七八九十])")


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
    token = unicodedata.normalize("NFKC", token).translate(REPAIR_DIGITS)
    if token == "元":
        return 1
    if token.isdigit():
        return int(token)
    if any(c.isdigit() for c in token):  # digits mixed with kanji numerals: not a numeral
        raise ValueError(token)
    return kanji2number(token)


def _search(strict: re.Pattern[str], lenient: re.Pattern[str], folded: str,
            loose: bool) -> tuple[re.Match[str] | None, bool]:
    """The first date by the strict pattern, else (if loose) by the lenient one; and whether it
    was the strict one."""
    if match := strict.search(folded):
        return match, True
    return (lenient.search(folded) if loose else None), False


def parse_era_date(text: str, loose: bool = False) -> ParsedDate | None:
    """The first era date in text, or None when there is none or it is not a real date.

    loose: also accept a date whose closing 日 was misread as another character.
    """
    folded = unicodedata.normalize("NFKC", text)
    match, exact = _search(ERA_DATE, ERA_DATE_LOOSE, folded, loose)
    if match is None:
        return _parse_western(folded, loose)
    era, year, month, day = match.groups()
    repaired = any(c in CONFUSED_DIGITS for c in year + month + day)
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
    onward; 00-44 are read as 2000-2044). Not valid (for review) where it lies in the future, or
    where an era's name, one character misread, stands before it (_misread_era)."""
    match, exact = _search(WESTERN_DATE, WESTERN_DATE_LOOSE, folded, loose)
    if match is None:
        return None
    year, month, day = match.groups()
    repaired = any(c in CONFUSED_DIGITS for c in year + month + day)
    try:
        number = to_int(year)
        full = number if len(year) == 4 else 1900 + number if number >= 45 else 2000 + number
        date = dt.date(full, to_int(month), to_int(day))
    except (ValueError, KeyError):
        return None
    before = folded[max(match.start() - 2, 0) : match.start()]
    return ParsedDate(iso=date.isoformat(), era_form=f"{year}年{month}月{day}日", span=match.span(),
                      valid_in_era=date <= dt.date.today() and not _misread_era(before), exact=exact,
                      repaired=repaired)


def _misread_era(text: str) -> bool:
    """Whether two characters before a year are an era's name with one character misread (昭利
    for 昭和, seed 36: the year then read as a Western 36, 2036, and accepted at 0.997)."""
    return len(text) == 2 and any(sum(a == b for a, b in zip(text, era, strict=True)) == 1 for era in ERAS)
