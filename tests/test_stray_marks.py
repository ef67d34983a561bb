"""Specks read as marks are dropped from the engines' lines (ocr.stray_marks_dropped): marks no line
begins with, marks after a line's last character, a middle dot beside a mark, a full stop after a
mark, and a full stop after a kana or kanji on a page whose full stop is 。."""

import pytest

from cableocr.engines import Reading, RecognizedLine
from cableocr.models import Box, Char
from cableocr.ocr import stray_marks_dropped, without_stray_marks


def _column(text: str) -> RecognizedLine:
    chars = [Char(text=t, confidence=0.99, box=Box(x0=100, y0=100 + 40 * i, x1=140, y1=140 + 40 * i))
             for i, t in enumerate(text)]
    return RecognizedLine(raw=text, box=Box(x0=100, y0=100, x1=140, y1=100 + 40 * len(text)), chars=chars)


@pytest.mark.parametrize(("read", "kept"), [
    ("・外務大臣殿", "外務大臣殿"),  # a speck before a column's first character, read alike by both engines
    ("。本省", "本省"),
    (")・日米関係", "日米関係"),
    ("別電5・", "別電5"),
    ("(TA)91297.", "(TA)91297"),  # a speck after a serial: the serial's own last digit stands
    ("電信写-", "電信写"),
    ("-.本電の取扱い", "本電の取扱い"),
])
def test_stray_marks_at_a_lines_ends_go(read, kept):
    line = without_stray_marks(_column(read), "vertical")
    assert line is not None and "".join(c.text for c in line.chars) == kept and line.raw == kept


@pytest.mark.parametrize("read", [
    "本電の取扱いは慎重を期せられたい。",  # a full stop of the text ends its line
    "連絡ありたい、",
    "(了)",
    "ウルグァイ・ラウンド",  # a middle dot inside the line
    "1.",  # a paragraph's number alone on its line
    "No.",
    "「総理」",
])
def test_marks_a_line_may_begin_or_end_with_stay(read):
    assert without_stray_marks(_column(read), "vertical") == _column(read)


@pytest.mark.parametrize(("read", "gone"), [
    ("ーーーーーーーーーーーーーーーーーーーーー一", True),  # a hand's underline in the margin
    ("ーーーーーナーーーーダの~て", True),
    ("|ーーーーーーーーー", True),
    ("パートナーシップ", False),  # ー in words, never three together
    ("日米首のう会談ーーー", False),  # a run, but the line is text
])
def test_a_rule_read_as_dashes_goes(read, gone):
    assert (without_stray_marks(_column(read), "vertical") is None) is gone


def test_a_line_of_stray_marks_alone_goes_and_the_step_counts_what_went():
    reading = Reading(lines=[_column("・"), _column("外務省."), _column("本省着")], engine="one")
    kept, step = stray_marks_dropped(reading, "vertical")
    assert ["".join(c.text for c in ln.chars) for ln in kept.lines] == ["外務省", "本省着"]
    assert step.params["dropped"] == 2 and step.params["lines_dropped"] == 1


def test_a_full_stop_after_a_word_is_a_speck_where_the_page_ends_its_sentences_with_maru():
    lines = [_column("外務大臣殿.本省着"), _column("総番号.1.本電"), _column("連絡ありたい。"), _column("行わないこと。"),
             _column("期せられたい。"), _column("第.2441号")]
    kept, _ = stray_marks_dropped(Reading(lines=lines, engine="one"), "vertical")
    assert ["".join(c.text for c in ln.chars) for ln in kept.lines] == [
        # before a digit it stays: a digit lost there is the number rules' to flag (1. is a number)
        "外務大臣殿本省着", "総番号.1.本電", "連絡ありたい。", "行わないこと。", "期せられたい。", "第.2441号"]
    # A page typed with ． for its full stop keeps them.
    academic = [_column("検討した.次に"), _column("報告する.以上")]
    kept, step = stray_marks_dropped(Reading(lines=academic, engine="one"), "horizontal")
    assert kept.lines == academic and step.params["dropped"] == 0


@pytest.mark.parametrize(("read", "kept"), [
    ("いる。・本電", "いる。本電"),  # a middle dot parts two words; beside a mark it is a speck
    ("第8号)・日米", "第8号)日米"),
    ("政治・安保", "政治・安保"),
    ("ウルグァイ・ラウンド", "ウルグァイ・ラウンド"),
    ("43・44年度", "43・44年度"),  # it may part two numbers
])
def test_a_middle_dot_beside_a_mark_is_a_speck(read, kept):
    line = without_stray_marks(_column(read), "vertical")
    kept_line, _ = stray_marks_dropped(Reading(lines=[line], engine="one"), "vertical")
    assert "".join(c.text for c in kept_line.lines[0].chars) == kept


@pytest.mark.parametrize(("read", "kept"), [
    ("仏、.イタリア", "仏、イタリア"),  # a speck after a mark, on any page: no full stop follows one
    ("いる。.また", "いる。また"),
    ("デトロイト).、英", "デトロイト)、英"),
    ("(電話、.2171", "(電話、.2171"),  # before a digit it stays, for the number's own rules
    ("1.本電", "1.本電"),
    ("1..本電", "1.本電"),  # one stop read twice
])
def test_a_full_stop_after_a_mark_is_a_speck(read, kept):
    academic = [_column("検討した.次に"), _column("報告する.以上")]  # a ．page: the rule holds there too
    reading, _ = stray_marks_dropped(Reading(lines=[_column(read), *academic], engine="one"), "horizontal")
    assert "".join(c.text for c in reading.lines[0].chars) == kept
