"""Numbers as OCR reads them on the form: cable numbers (第NNNN号), references (往電第NNNN号
別電N), times (01時00分). Each parser says whether it had to repair an OCR confusion (O for 0,
l or | for 1, 弓 for 号), so that the field built on it is marked less certain."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kanjize import kanji2number

# Characters OCR gives for digits; the repair maps them back. A run must still hold one real
# digit, so that a stray 'l' or '|' alone is never taken for a number.
CONFUSED_DIGITS = "OolI|"
REPAIR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
DIGITS = rf"(?=[{CONFUSED_DIGITS}]*[0-9０-９])[0-9０-９{CONFUSED_DIGITS}]"
_KANJI_DIGITS = "〇一二三四五六七八九十"

# A speck read before or inside a number's digits (第.2441号, 第6.759号): left out, as a repair.
SPECK_IN_DIGITS = ".,・·'"
# 第NNNN号 that is neither a reference (往電/来電/貴電 第NNNN号) nor a draft's serial (総第NNNNN号).
NUMBER_LINE = re.compile(rf"(?<![往来貴]電)(?<!総)第\s*([{SPECK_IN_DIGITS}]?{DIGITS}(?:[{SPECK_IN_DIGITS}]?[0-9０-９{CONFUSED_DIGITS}]){{0,5}})\s*([号弓])")
_REFERENCE = re.compile(
    rf"(.電)第\s*({DIGITS}{{1,6}})\s*([号弓])(?:別電\s*([0-9０-９{_KANJI_DIGITS}]{{1,3}}))?"
)
_TIME = re.compile(rf"({DIGITS}{{1,2}})\s*時\s*({DIGITS}{{1,2}})\s*分")
REFERENCE_KINDS = {"往電": "outgoing", "来電": "incoming", "貴電": "yours"}
# What OCR was seen to make of 往 on these pages (福電, 住電): the kind is then a guess, for review.
_KIND_GUESSES = {"福電": "outgoing", "住電": "outgoing", "佳電": "outgoing", "徃電": "outgoing"}


@dataclass(frozen=True)
class Reading:
    value: str
    span: tuple[int, int]  # in the NFKC-folded text
    repaired: bool  # an OCR confusion was mended to get the value


def read_digits(token: str) -> tuple[str, bool]:
    """'55l5' -> ('5515', True), '6.759' -> ('6759', True); full-width digits folded without
    counting as a repair."""
    folded = unicodedata.normalize("NFKC", token).replace(" ", "")
    mended = re.sub(f"[{SPECK_IN_DIGITS}]", "", folded.translate(REPAIR_DIGITS))
    return mended, mended != folded


def read_small_number(token: str) -> str | None:
    """An Arabic or kanji numeral (別電 二, 別電 2) as Arabic digits; None if it is neither."""
    folded = unicodedata.normalize("NFKC", token)
    if folded.isdigit():
        return str(int(folded))
    try:
        return str(kanji2number(folded))
    except (ValueError, KeyError):
        return None


def find_cable_number(text: str) -> Reading | None:
    folded = unicodedata.normalize("NFKC", text)
    match = NUMBER_LINE.search(folded)
    if match is None:
        return None
    digits, repaired = read_digits(match.group(1))
    return Reading(digits, match.span(1), repaired or match.group(2) != "号")


@dataclass(frozen=True)
class Reference:
    text: str  # as folded: 往電第5513号別電2
    kind: str  # outgoing | incoming | yours | unread (the 往/来/貴 misread beyond a known confusion)
    kind_guessed: bool  # the kind word was misread as a known confusion (福電 for 往電)
    number: str
    separate_telegram: str | None
    span: tuple[int, int]
    repaired: bool

    def as_value(self) -> dict[str, str]:
        value = {"text": self.text, "kind": self.kind, "number": self.number}
        if self.separate_telegram:
            value["separate_telegram"] = self.separate_telegram
        return value


def find_references(text: str) -> list[Reference]:
    """Every 往電/来電/貴電 第NNNN号 (別電N) in text, in order."""
    folded = unicodedata.normalize("NFKC", text)
    found = []
    for m in _REFERENCE.finditer(folded):
        kind_word, number, mark, separate = m.groups()
        digits, repaired = read_digits(number)
        kind = REFERENCE_KINDS.get(kind_word) or _KIND_GUESSES.get(kind_word, "unread")
        found.append(Reference(
            text=m.group(0), kind=kind, kind_guessed=kind_word not in REFERENCE_KINDS, number=digits,
            separate_telegram=read_small_number(separate) if separate else None,
            span=m.span(), repaired=repaired or mark != "号",
        ))
    return found


def find_time(text: str) -> Reading | None:
    """HH時MM分 as HH:MM; None where there is none or it is not a time of day."""
    folded = unicodedata.normalize("NFKC", text)
    match = _TIME.search(folded)
    if match is None:
        return None
    (hour, r1), (minute, r2) = read_digits(match.group(1)), read_digits(match.group(2))
    if int(hour) > 24 or int(minute) > 59:
        return None
    return Reading(f"{int(hour):02d}:{int(minute):02d}", match.span(), r1 or r2)
