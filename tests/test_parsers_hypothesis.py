"""The date, number and reference parsers on odd input: kanji numerals, full-width digits, OCR
confusions (0/O, 1/l/|, 号/弓). They must never crash, and where the input holds a real value
they must find it. Expected values come from datetime and from the numbers drawn, not from the
parsers."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cableocr.dates import parse_era_date
from cableocr.numbers import find_cable_number, find_references, find_time

# Era name and first day (public history, not the program's table).
HEISEI, SHOWA = dt.date(1989, 1, 8), dt.date(1926, 12, 25)
KANJI_DIGITS = "〇一二三四五六七八九"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CONFUSE = {"0": "O", "1": "l"}


def kanji(n: int) -> str:
    """1..99 as the form writes kanji numerals: 十, 二十八, 三十一."""
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else KANJI_DIGITS[tens] + "十")) + (KANJI_DIGITS[ones] if ones else "")


def era_form(date: dt.date, style: str) -> str:
    era, start = ("平成", HEISEI) if date >= HEISEI else ("昭和", SHOWA)
    year = date.year - start.year + 1
    if style == "kanji":
        return f"{era}{'元' if year == 1 else kanji(year)}年{kanji(date.month)}月{kanji(date.day)}日"
    text = f"{era}{'元' if year == 1 else year}年{date.month}月{date.day}日"
    return text.translate(FULL_WIDTH) if style == "full-width" else text


dates = st.dates(min_value=dt.date(1927, 1, 1), max_value=dt.date(2018, 12, 31))
junk = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(date=dates, style=st.sampled_from(["arabic", "kanji", "full-width"]), before=st.sampled_from(["", "　", "・"]),
       after=st.sampled_from(["", "国連発", "　本省着", "01時00分英国発"]))
def test_an_era_date_in_any_numeral_style_reads_back(date, style, before, after):
    parsed = parse_era_date(before + era_form(date, style) + after)
    assert parsed is not None and parsed.iso == date.isoformat() and parsed.valid_in_era


@given(date=st.dates(min_value=dt.date(1945, 1, 1), max_value=dt.date(1999, 12, 31)))
def test_a_western_two_digit_year_reads_as_the_1900s(date):
    parsed = parse_era_date(f"{date.year % 100:02d}年{date.month}月{date.day}日")
    assert parsed is not None and parsed.iso == date.isoformat()


@given(date=dates)
def test_a_digit_read_as_a_letter_is_mended_and_marked(date):
    text = era_form(date, "arabic")
    assume(any(c in CONFUSE for c in text))
    confused = "".join(CONFUSE.get(c, c) for c in text)
    parsed = parse_era_date(confused)
    assert parsed is not None and parsed.iso == date.isoformat() and parsed.repaired


@given(text=junk)
@settings(max_examples=300)
def test_no_input_crashes_the_parsers(text):
    parse_era_date(text)
    parse_era_date(text, loose=True)
    find_cable_number(text)
    find_references(text)
    find_time(text)


@given(era=st.sampled_from(["平成", "昭和"]), year=st.integers(1, 99), month=st.integers(0, 19), day=st.integers(0, 39))
def test_a_date_that_does_not_exist_is_not_returned(era, year, month, day):
    start = HEISEI if era == "平成" else SHOWA
    try:
        real = dt.date(start.year + year - 1, month, day)
    except ValueError:
        real = None
    parsed = parse_era_date(f"{era}{year}年{month}月{day}日")
    assert (parsed is None) == (real is None)
    if parsed:
        # Outside the era's years (平成99年 is after 令和 began): read, but said so.
        assert parsed.valid_in_era == (start <= real < (dt.date(2019, 5, 1) if era == "平成" else HEISEI))


@given(number=st.integers(1, 99999), width=st.sampled_from(["half", "full"]), mark=st.sampled_from(["号", "弓"]),
       confuse=st.booleans(), tail=st.sampled_from(["", "極秘大至急", "　秘　至急"]))
def test_the_cable_number_in_any_form(number, width, mark, confuse, tail):
    digits = str(number)
    written = "".join(CONFUSE.get(c, c) for c in digits) if confuse else digits
    if width == "full":
        written = written.translate(FULL_WIDTH)
    assume(any(c.isdigit() for c in written))  # a run of letters only is never taken for a number
    reading = find_cable_number(f"第{written}{mark}{tail}")
    assert reading is not None and reading.value == digits
    assert reading.repaired == (mark == "弓" or written.translate(str.maketrans("０１２３４５６７８９", "0123456789")) != digits)


@given(kind=st.sampled_from(["往電", "来電", "貴電"]), number=st.integers(1, 99999),
       separate=st.one_of(st.none(), st.integers(1, 19)), kanji_separate=st.booleans())
def test_references_as_structured_objects(kind, number, separate, kanji_separate):
    sep_text = "" if separate is None else f"別電{kanji(separate) if kanji_separate else separate}"
    (reference,) = find_references(f"{kind}第{number}号{sep_text}：本文")
    assert reference.kind == {"往電": "outgoing", "来電": "incoming", "貴電": "yours"}[kind]
    assert reference.number == str(number)
    assert reference.separate_telegram == (None if separate is None else str(separate))


def test_a_reference_is_not_the_cable_number():
    assert find_cable_number("往電第5513号別電2") is None
    assert find_cable_number("第5515号 極秘").value == "5515"


@given(hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_times(hour, minute):
    assert find_time(f"74年10月30日{hour:02d}時{minute:02d}分英国発").value == f"{hour:02d}:{minute:02d}"
    assert find_time(f"{hour}時{minute + 60}分") is None
