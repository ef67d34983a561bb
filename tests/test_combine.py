"""Two readings of a line combined character by character: two models (combine.combine_readings), two engines
(combine.combine_engines)."""

import json
from dataclasses import replace

import pytest

from cableocr.combine import (
    CombineRule,
    combine_chars,
    combine_engines,
    combine_readings,
    spaced,
    split_merged_lines,
)
from cableocr.engines import Reading, RecognizedLine
from cableocr.engines.fake import FakeEngine, load_reading, save_reading
from cableocr.models import Box, Char

LINE_BOX = Box(x0=100, y0=100, x1=140, y1=500)


def _line(text: str, confidences: list[float], box: Box = LINE_BOX) -> RecognizedLine:
    step = (box.y1 - box.y0) // len(text)
    chars = [Char(text=t, confidence=c, box=Box(x0=box.x0, y0=box.y0 + i * step, x1=box.x1, y1=box.y0 + (i + 1) * step))
             for i, (t, c) in enumerate(zip(text, confidences, strict=True))]
    return RecognizedLine(raw=text, box=box, chars=chars)


def _combined(first: RecognizedLine, other: RecognizedLine) -> RecognizedLine:
    reading, _ = combine_readings(Reading(lines=[first], engine="a"), Reading(lines=[other], engine="b"), 0.98)
    return reading.lines[0]


def test_where_the_models_agree_the_first_reading_stands_with_its_own_confidences():
    first = _line("外務大臣", [0.95, 0.96, 0.97, 0.98])
    line = _combined(first, _line("外務大臣", [0.99, 0.99, 0.99, 0.99]))
    assert [c.confidence for c in line.chars] == [0.95, 0.96, 0.97, 0.98]


def test_a_disputed_character_is_the_surer_one_at_the_confidence_the_dispute_allows():
    line = _combined(_line("外務大団", [0.99, 0.99, 0.99, 0.96]), _line("外務大臣", [0.99, 0.99, 0.99, 0.99]))
    assert line.raw == "外務大臣"
    # 0.99 against 0.96: 0.99·0.04 / (0.99·0.04 + 0.96·0.01)
    assert line.chars[3].confidence == pytest.approx(0.805, abs=0.001)
    assert line.chars[3].confidence < 0.9  # under the re-read and review bar, however sure each model was


def test_a_disputed_character_is_settled_by_the_words_it_makes_before_the_scores():
    line = _combined(_line("路から検計して", [0.99] * 3 + [0.99, 0.99] + [0.99] * 2),
                     _line("路から検討して", [0.99] * 3 + [0.99, 0.97] + [0.99] * 2))
    assert line.raw == "路から検討して"  # one word, 検討, against 検 and 計
    assert line.chars[4].confidence < 0.5  # the less sure reading: review sees it


@pytest.mark.parametrize("theirs", ["ロ", "口"])
def test_a_disputed_character_making_a_known_term_is_chosen_over_a_surer_one(theirs):
    """日ロ関係 read 日品関係 by Tesseract (0.79) and 日ロ by PP-OCR (0.61), seed 31: the dictionary
    cuts both into as many words, the lexicon's bilateral pairs know 日ロ (and 口 is ロ's shape)."""
    line = _combined(_line("日品関係", [0.99, 0.79, 0.99, 0.99]), _line(f"日{theirs}関係", [0.99, 0.61, 0.99, 0.99]))
    assert line.chars[1].text == theirs and line.chars[1].confidence < 0.5
    # 転電した against 転直した: janome makes fewer words of the wrong one (直し, a verb).
    line = _combined(_line("に転直した", [0.99, 0.99, 0.9, 0.99, 0.99]), _line("に転電した", [0.99, 0.99, 0.8, 0.99, 0.99]))
    assert line.raw == "に転電した"


def test_the_words_are_counted_with_modern_kanji_and_the_kana_as_typed():
    """(クリストファー・國務長官): the dictionary does not hold the old form 國, so that 較務長官 made
    fewer words and Tesseract's 較 at 0.64 beat PP-OCR's 國 at 0.90 (seed 37). Counted as 国務長官,
    the two make as many words, and the surer stands. The typist's kana are not restored: 思つた
    makes fewer words than 思つだ, where 思った and 思っだ make as many."""
    line = _combined(_line("ー・較務長官", [0.99, 0.99, 0.64, 0.99, 0.99, 0.99]),
                     _line("ー・國務長官", [0.99, 0.99, 0.90, 0.99, 0.99, 0.99]))
    assert line.raw == "ー・國務長官"
    line = _combined(_line("と思つた次第", [0.99, 0.99, 0.99, 0.80, 0.99, 0.99]),
                     _line("と思つだ次第", [0.99, 0.99, 0.99, 0.95, 0.99, 0.99]))
    assert line.raw == "と思つた次第"


def test_the_words_never_choose_a_small_kana_the_typist_did_not_type():
    line = _combined(_line("行つている", [0.99, 0.99, 0.99, 0.99, 0.99]),
                     _line("行っている", [0.99, 0.95, 0.99, 0.99, 0.99]))
    assert line.raw == "行つている"


@pytest.mark.parametrize(("confidence", "kept"), [(0.99, True), (0.95, False)])
def test_a_character_only_one_model_read_is_kept_only_when_read_very_surely(confidence, kept):
    line = _combined(_line("和需要", [confidence, 0.99, 0.99]), _line("需要", [0.99, 0.99]))
    assert line.raw == ("和需要" if kept else "需要")


def test_a_line_the_other_model_did_not_read_as_one_line_is_the_first_reading():
    first = _line("外務大団", [0.99, 0.99, 0.99, 0.96])
    elsewhere = _line("外務大臣", [0.99] * 4, Box(x0=300, y0=100, x1=340, y1=500))
    assert _combined(first, elsewhere) == first
    halves = [_line("外務", [0.99] * 2, Box(x0=100, y0=100, x1=140, y1=300)),
              _line("大臣", [0.99] * 2, Box(x0=100, y0=300, x1=140, y1=500))]
    reading, changed = combine_readings(Reading(lines=[first], engine="a"), Reading(lines=halves, engine="b"), 0.98)
    assert reading.lines == [first] and changed == 0


@pytest.mark.tesseract
@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_vertical_pages_are_read_by_both_vertical_models_and_say_so(ocr_results, layout):
    """The page record names every model that read it: jpn_vert and Japanese_vert on a vertical
    page (with how their readings were combined), jpn alone on a horizontal one."""
    manifest, out = ocr_results[("004", layout, "clean")]
    document = json.loads((out / manifest.cables[0].path).read_text(encoding="utf-8"))
    ocr = next(s for s in document["pages"][0]["steps"] if s["name"] == "ocr")
    if layout == "vertical":
        assert "jpn_vert" in ocr["params"]["engine"] and "Japanese_vert" in ocr["params"]["engine"]
        assert "fewer words" in ocr["params"]["combined_by"]
    else:
        assert "Japanese" not in ocr["params"]["engine"] and "combined_by" not in ocr["params"]


# Two engines (combine.combine_engines, ocr.read_with_second_engine), driven by the fake engine.

ROW = Box(x0=100, y0=100, x1=500, y1=140)


def _row(text: str, confidences: list[float], box: Box = ROW) -> RecognizedLine:
    step = (box.x1 - box.x0) // len(text)
    chars = [Char(text=t, confidence=c, box=Box(x0=box.x0 + i * step, y0=box.y0, x1=box.x0 + (i + 1) * step, y1=box.y1))
             for i, (t, c) in enumerate(zip(text, confidences, strict=True))]
    return RecognizedLine(raw=text, box=box, chars=chars)


def _engines(first: list[RecognizedLine], second: list[RecognizedLine], mode="horizontal", misses=frozenset(),
             lone_min=0.98, second_only_min=0.9):
    rule = CombineRule(lone_min, agreement_raises=True, other_misses=misses)
    return combine_engines(Reading(lines=first, engine="one"), Reading(lines=second, engine="two"), mode, rule,
                           second_only_min)


def test_where_two_engines_agree_a_character_is_surer_than_either_reading():
    reading, agreement = _engines([_row("外務大臣", [0.9, 0.6, 0.99, 0.5])], [_row("外務大臣", [0.9, 0.99, 0.6, 0.5])])
    confidences = [c.confidence for c in reading.lines[0].chars]
    assert confidences[0] == pytest.approx(0.988, abs=0.001)  # 0.81 / (0.81 + 0.01)
    assert confidences[1] > 0.99 and confidences[2] > 0.99
    assert confidences[3] == pytest.approx(0.5)  # two coin tosses agreeing prove nothing
    assert agreement.chars_agreed == 4 and agreement.chars_disputed == 0
    assert reading.lines[0].read_by == ("one", "two") and reading.lines[0].chars_agreed == 4


def test_where_two_engines_differ_the_words_settle_it_and_the_confidence_shows_the_dispute():
    reading, agreement = _engines([_row("路から検計して", [0.99] * 7)], [_row("路から検討して", [0.99, 0.99, 0.99, 0.99, 0.97, 0.99, 0.99])])
    line = reading.lines[0]
    assert line.raw == "路から検討して"
    assert line.chars[4].confidence < 0.5
    assert agreement.chars_disputed == 1 and line.chars_agreed == 6


def test_a_line_the_second_engine_read_in_two_pieces_is_combined_with_both():
    first = _row("平成5年9月28日国連発", [0.99] * 11 + [0.6])
    pieces = [_row("平成5年9月28日", [0.99] * 9, Box(x0=100, y0=102, x1=400, y1=138)),
              _row("国連発", [0.99] * 3, Box(x0=420, y0=101, x1=500, y1=139))]
    reading, agreement = _engines([first], list(reversed(pieces)))
    assert reading.lines[0].raw.replace(" ", "") == "平成5年9月28日国連発"
    assert agreement.lines_combined == 1 and agreement.lines_second_only == 0
    assert reading.lines[0].chars[-1].confidence > 0.99


def test_a_line_only_the_second_engine_read_is_added_only_when_read_surely():
    below = Box(x0=100, y0=300, x1=500, y1=340)
    reading, agreement = _engines([_row("外務大臣", [0.99] * 4)],
                                  [_row("外務大臣", [0.99] * 4), _row("総番号", [0.97] * 3, below),
                                   _row("ーー", [0.5, 0.5], Box(x0=100, y0=500, x1=200, y1=540))])
    assert [ln.raw for ln in reading.lines] == ["外務大臣", "総番号"]
    assert reading.lines[1].read_by == ("two",) and agreement.lines_second_only == 1


def test_a_second_engine_line_across_two_first_engine_lines_is_not_added_again():
    upper, lower = _row("外務", [0.99] * 2, Box(x0=100, y0=100, x1=300, y1=140)), _row("大臣", [0.99] * 2, Box(x0=300, y0=100, x1=500, y1=140))
    reading, agreement = _engines([upper, lower], [_row("外務大臣", [0.99] * 4)])
    assert "".join(ln.raw for ln in reading.lines) == "外務大臣" and agreement.lines_second_only == 0


def test_the_second_engines_padded_box_of_the_same_column_is_combined_with_it():
    """PP-OCR pads its boxes across the line (58 px where Tesseract's column is 40): the same
    column, combined, not left to the first engine alone."""
    first = _line("総番号768aoc", [0.99] * 6 + [0.93, 0.97, 0.89])
    padded = _line("総番号768853", [0.99] * 9, Box(x0=91, y0=92, x1=149, y1=560))
    reading, agreement = _engines([first], [padded], mode="vertical")
    assert agreement.lines_combined == 1 and reading.lines[0].raw.replace(" ", "") == "総番号768853"


def test_a_line_of_the_second_engine_is_combined_with_the_one_line_it_fits_not_twice():
    """A declassification stamp over the notice (seed 31 eval-0188): Tesseract read a jumble
    whose box reaches over both rows beside it, and each row on its own as well. Each row of the
    second engine is combined once, with the row it fits, and the notice is not read twice."""
    one, two = Box(x0=100, y0=100, x1=500, y1=140), Box(x0=100, y0=150, x1=600, y1=190)
    jumble = _row("衝座", [0.6, 0.6], Box(x0=180, y0=110, x1=900, y1=180))
    first = [_row("本電の複製", [0.99] * 5, one), _row("本電に関する", [0.99] * 6, two), jumble]
    second = [_row("本電の複製", [0.99] * 5, Box(x0=95, y0=96, x1=505, y1=144)),
              _row("本電に関する", [0.99] * 6, Box(x0=95, y0=146, x1=605, y1=194))]
    reading, agreement = _engines(first, second)
    text = "".join(ln.raw for ln in reading.lines)
    assert text.count("本電の複製") == 1 and text.count("本電に関する") == 1
    assert agreement.lines_combined == 2


def test_a_first_engine_line_over_three_columns_is_cut_into_the_columns_the_second_read():
    """A round stamp over three columns: Tesseract read them as one jumbled line. Each column
    the second engine read is a line of its own with the first's characters standing in it;
    a column the first also read on its own is not doubled."""
    serial = _line("総番号768853", [0.99] * 9, Box(x0=300, y0=100, x1=340, y1=500))
    jumble = RecognizedLine(raw="平成人OECD代発", box=Box(x0=100, y0=100, x1=340, y1=900), chars=[
        *_line("平成", [0.99] * 2, Box(x0=100, y0=100, x1=140, y1=180)).chars,
        Char(text="人", confidence=0.6, box=Box(x0=200, y0=300, x1=240, y1=340)),
        *_line("OECD代発", [0.99] * 6, Box(x0=100, y0=600, x1=140, y1=900)).chars])
    columns = [_line("総番号768853", [0.99] * 9, Box(x0=292, y0=95, x1=348, y1=505)),
               _line("主管欧亜局長", [0.99] * 6, Box(x0=192, y0=95, x1=248, y1=400)),
               _line("平成元年9月22日OECD代発", [0.99] * 15, Box(x0=92, y0=95, x1=148, y1=905))]
    first = Reading(lines=[serial, jumble], engine="one")
    split, count = split_merged_lines(first, Reading(lines=columns, engine="two"), "vertical")
    assert count == 1
    assert ["".join(c.text for c in ln.chars) for ln in split.lines] == ["総番号768853", "人", "平成OECD代発"]
    reading, _ = _engines(split.lines, columns, mode="vertical")
    texts = [ln.raw.replace(" ", "") for ln in reading.lines]
    assert texts.count("総番号768853") == 1 and "平成元年9月22日OECD代発" in texts and "主管欧亜局長" in texts


def _chars(text: str, x: tuple[int, int], y0: int, step: int = 40) -> list[Char]:
    return [Char(text=t, confidence=0.99, box=Box(x0=x[0], y0=y0 + i * step, x1=x[1], y1=y0 + (i + 1) * step))
            for i, t in enumerate(text)]


def test_a_column_two_overlapping_first_engine_lines_each_read_in_part_is_kept_whole():
    """Tesseract on a clean 400-dpi page (eval seed 31): two lines, each two columns wide, each
    holding a stretch of the middle column read well (the second after a jumble from the next
    column). The column is one line, the two stretches joined once, not lost to both."""
    left, middle, right = (100, 140), (200, 240), (300, 340)
    upper = RecognizedLine(raw="", box=Box(x0=200, y0=100, x1=340, y1=900), chars=_chars("ロシアの改革努力", middle, 100))
    lower = RecognizedLine(raw="", box=Box(x0=100, y0=100, x1=240, y1=900), chars=[
        *_chars("邊缶", left, 300), *_chars("努力に対しては", middle, 340)])
    right_column = RecognizedLine(raw="", box=Box(x0=300, y0=100, x1=340, y1=900), chars=_chars("もちろん", right, 100))
    columns = [_line("もちろん", [0.99] * 4, Box(x0=292, y0=95, x1=348, y1=300)),
               _line("ロシアの改革努力に対しては", [0.99] * 13, Box(x0=192, y0=95, x1=248, y1=620)),
               _line("代を構ちく", [0.99] * 5, Box(x0=92, y0=95, x1=148, y1=300))]
    split, count = split_merged_lines(Reading(lines=[right_column, upper, lower], engine="one"),
                                      Reading(lines=columns, engine="two"), "vertical")
    texts = ["".join(c.text for c in ln.chars) for ln in split.lines]
    assert count == 2 and texts.count("ロシアの改革努力に対しては") == 1 and "もちろん" in texts
    assert not any("ロシアの" in t for t in texts if t != "ロシアの改革努力に対しては")


@pytest.mark.parametrize(("first_read", "second_read", "kept"), [
    ("1.本電の", "1本電の", "1.本電の"),  # the notice's paragraph number in a column
    ("別電1:(総理", "別電1(総理", "別電1:(総理"),  # PP-OCR leaves out a column's colon
    ("第45.号", "第45号", "第45号"),  # a full stop alone after a serial's digits: a speck
    ("本.電の", "本電の", "本電の"),
    ("1..本電の", "1.本電の", "1.本電の"),  # one stop read twice, the second agreed by both engines
    ("往電第55号:(総理", "往電第55号(総理", "往電第55号:(総理"),  # a reference's colon
    ("平成:9年11月", "平成9年11月", "平成9年11月"),  # a colon after no number: a speck
    ("本省着:外務", "本省着外務", "本省着外務"),
])
def test_a_column_colon_and_a_paragraphs_full_stop_are_kept_from_the_first_reading(first_read, second_read, kept):
    from cableocr.engines.rapid import MISSES

    mark = first_read.index(":") if ":" in first_read else first_read.index(".")
    first = _line(first_read, [0.7 if i == mark else 0.99 for i in range(len(first_read))])
    reading, _ = _engines([first], [_line(second_read, [0.99] * len(second_read))], mode="vertical",
                          misses=MISSES["vertical"])
    assert "".join(c.text for c in reading.lines[0].chars) == kept


def test_a_line_the_second_engine_read_in_two_pieces_along_it_is_not_cut():
    first = _row("平成5年9月28日国連発", [0.99] * 12)
    pieces = Reading(lines=[_row("平成5年9月28日", [0.99] * 9, Box(x0=100, y0=102, x1=400, y1=138)),
                            _row("国連発", [0.99] * 3, Box(x0=420, y0=101, x1=500, y1=139))], engine="two")
    split, count = split_merged_lines(Reading(lines=[first], engine="one"), pieces, "horizontal")
    assert count == 0 and split.lines == [first]


def test_what_the_second_engine_is_known_to_miss_is_kept_from_the_first_reading():
    first = _line("努力、して", [0.99, 0.99, 0.7, 0.99, 0.99])
    reading, _ = _engines([first], [_line("努力して", [0.99] * 4)], mode="vertical", misses=frozenset("、"))
    assert reading.lines[0].raw == "努力、して"
    # A character the second engine reads well, read by the first alone and not surely, is not kept.
    reading, _ = _engines([_line("和需要", [0.7, 0.99, 0.99])], [_line("需要", [0.99, 0.99])], mode="vertical",
                          misses=frozenset("、"))
    assert reading.lines[0].raw == "需要"


def test_a_mark_the_second_engine_misses_is_not_kept_where_its_ink_is_speck_sized():
    """本省着 with a speck under it read as 。 by the first engine alone (seed 25 eval-0031: 。 kept
    at 0.69 after 中国発): a 。 a tenth of the characters' size goes; one of a third stays."""
    def column_with_mark(mark_size):
        chars = [Char(text=t, confidence=0.99, box=Box(x0=100, y0=100 + 40 * i, x1=140, y1=140 + 40 * i))
                 for i, t in enumerate("本省着")]
        chars.append(Char(text="。", confidence=0.69, box=Box(x0=120, y0=222, x1=120 + mark_size, y1=222 + mark_size)))
        return RecognizedLine(raw="本省着。", box=Box(x0=100, y0=100, x1=140, y1=240), chars=chars)

    misses, second = frozenset("、。"), [_line("本省着", [0.99] * 3, Box(x0=100, y0=100, x1=140, y1=220))]
    speck, _ = _engines([column_with_mark(4)], second, mode="vertical", misses=misses)
    mark, _ = _engines([column_with_mark(13)], second, mode="vertical", misses=misses)
    assert speck.lines[0].raw == "本省着" and mark.lines[0].raw == "本省着。"


def test_a_bracket_the_second_engine_misses_is_not_kept_where_its_ink_is_speck_sized():
    """A speck after 93号 at a column's foot read ) by the first engine alone (seed 27 eval-0043, at
    0.59): a turned bracket is wide across its column, so one under 0.3 of a character goes."""
    def column_with_bracket(text, width):
        chars = [Char(text=t, confidence=0.99, box=Box(x0=100, y0=100 + 40 * i, x1=140, y1=140 + 40 * i))
                 for i, t in enumerate(text)]
        end = 100 + 40 * len(text)
        chars.append(Char(text=")", confidence=0.59, box=Box(x0=110, y0=end + 4, x1=110 + width, y1=end + 9)))
        return RecognizedLine(raw=text + ")", box=Box(x0=100, y0=100, x1=140, y1=end + 20), chars=chars)

    def combined(text, width):
        second = [_line(text, [0.99] * len(text), Box(x0=100, y0=100, x1=140, y1=100 + 40 * len(text)))]
        reading, _ = _engines([column_with_bracket(text, width)], second, mode="vertical", misses=frozenset("()"))
        return reading.lines[0].raw

    assert combined("93号", 9) == "93号" and combined("93号", 26) == "93号)"
    # A bracket closing one its line opened is kept however small its box (a faded (別電5), cut short).
    assert combined("(別電5", 4) == "(別電5)"


def test_a_bracket_one_engine_alone_read_is_kept_where_it_pairs_with_one_its_line_holds():
    """(総理) in a column: Tesseract lost the (, PP-OCR read it under the lone-character bar (seed
    37's vertical poor pages lost 36 such halves). Where the line holds the bracket's other half,
    the pair confirms it, whichever engine read it; a bracket pairing with nothing still goes."""
    def column(text, confidences):
        return _line(text, confidences, Box(x0=100, y0=100, x1=140, y1=100 + 40 * len(text)))

    def combined(first_text, second_text, unsure_at):
        confidences = [0.7 if i == unsure_at else 0.99 for i in range(len(second_text))]
        reading, _ = _engines([column(first_text, [0.99] * len(first_text))], [column(second_text, confidences)],
                              mode="vertical")
        return reading.lines[0].raw

    assert combined("総理)ロシア", "(総理ロシア", 0) == "(総理)ロシア"
    assert combined("(了", "(了)", 2) == "(了)"
    assert combined("総理ロシア", "(総理ロシア", 0) == "総理ロシア"
    assert combined("(総理)", "(総理))", 4) == "(総理)"


def models_of(first_text: str, confidences: list[float], second_text: str) -> Reading:
    """A line read by two models of the first engine, combined: the second read second_text."""
    first, other = _line(first_text, confidences), _line(second_text, [0.99] * len(second_text))
    return combine_readings(Reading(lines=[first], engine="jpn_vert"), Reading(lines=[other], engine="vert"), 0.98)[0]


def test_a_character_one_model_read_and_the_second_engine_confirms_is_kept():
    """A character jpn_vert read at 0.93 and Japanese_vert lost, which PP-OCR read at 0.94 (日ロ関係,
    seed 25 eval-0007). Each combination alone would drop it as one reader's; set aside by the
    models' combination, it is kept where the second engine reads it at its place."""
    box = Box(x0=95, y0=100, x1=145, y1=500)
    tesseract = models_of("外務大臣", [0.99, 0.99, 0.93, 0.99], "外務臣")
    assert tesseract.lines[0].raw == "外務臣" and [c.text for c in tesseract.lines[0].set_aside] == ["大"]
    pp_ocr = [_line("外務大臣", [0.99, 0.99, 0.94, 0.99], box)]
    both, _ = _engines(tesseract.lines, pp_ocr, mode="vertical")
    assert both.lines[0].raw == "外務大臣" and both.lines[0].chars[2].confidence > 0.99
    assert both.lines[0].chars[2].box == tesseract.lines[0].set_aside[0].box  # the box from the ink
    # Read by the second engine alone (no model of the first read it there), it goes as before.
    alone, _ = _engines([_line("外務臣", [0.99] * 3)], pp_ocr, mode="vertical")
    assert alone.lines[0].raw == "外務臣"
    # PP-OCR reads a character of the same shape (the katakana カ for 力; seed 31 eval-0015, ロ for
    # 口): the same ink, two readers. Another shape there is no confirmation.
    tesseract = models_of("協力関係", [0.99, 0.93, 0.99, 0.99], "協関係")
    katakana = [_line("協カ関係", [0.99, 0.66, 0.99, 0.99], box)]
    assert [c.text for c in _engines(tesseract.lines, katakana, mode="vertical")[0].lines[0].chars] == list("協力関係")
    other = [_line("協本関係", [0.99, 0.94, 0.99, 0.99], box)]
    assert _engines(tesseract.lines, other, mode="vertical")[0].lines[0].raw == "協関係"
    # 日ロ itself is one of the lexicon's terms: the ロ that completes it is kept by the models alone.
    assert models_of("日口関係", [0.99, 0.93, 0.99, 0.99], "日関係").lines[0].raw == "日口関係"
    # A speck read as a full stop by one model and by the second engine stays a speck.
    specks = models_of("分.本", [0.99, 0.93, 0.99], "分本")
    both, _ = _engines(specks.lines, [_line("分.本", [0.99, 0.94, 0.99], Box(x0=95, y0=100, x1=145, y1=500))],
                       mode="vertical")
    assert [c.text for c in specks.lines[0].set_aside] == ["."] and both.lines[0].raw == "分本"


def test_a_digit_only_one_engine_read_on_a_number_is_kept_and_left_unsure():
    """総番号(TA)91297 read by the first engine, 9129 by the second (seed 15 eval-0059: a serial
    filed a digit short, unflagged): the lone 7 stays, at no more than a coin toss, so the serial
    is reviewed; the specks after it, read by the first alone, go as before."""
    first = _line("号91297.・", [0.99, 0.99, 0.99, 0.99, 0.99, 0.97, 0.96, 0.97])
    reading, _ = _engines([first], [_line("号9129", [0.99] * 5)], mode="vertical", misses=frozenset("、"))
    line = reading.lines[0]
    assert line.raw == "号91297"
    assert line.chars[-1].confidence <= 0.5 and min(c.confidence for c in line.chars[:-1]) > 0.9
    # A lone digit before the number, read by the second alone, goes on it too; a lone digit
    # beside no digit is a speck's reading and goes.
    reading, _ = _engines([_line("第441号", [0.99] * 5)], [_line("第2441号", [0.99, 0.9, 0.99, 0.99, 0.99, 0.99])],
                          mode="vertical")
    assert reading.lines[0].raw == "第2441号"
    reading, _ = _engines([_line("外務大臣1", [0.99] * 4 + [0.9])], [_line("外務大臣", [0.99] * 4)], mode="vertical")
    assert reading.lines[0].raw == "外務大臣"
    # A digit after a speck that parted it from the number (4月1.6日 for 4月16日): the digit stays, the speck goes.
    reading, _ = _engines([_line("4月1日", [0.99] * 4)], [_line("4月1.6日", [0.99, 0.99, 0.99, 0.9, 0.9, 0.99])],
                          mode="vertical")
    assert reading.lines[0].raw == "4月16日" and reading.lines[0].chars[3].confidence <= 0.5


def test_the_spaces_of_a_combined_line_come_from_the_gaps_between_its_characters():
    chars = [Char(text=t, confidence=0.99, box=Box(x0=x, y0=0, x1=x + 40, y1=40))
             for t, x in zip("5年9月", (0, 40, 120, 160), strict=True)]
    assert spaced(chars, "horizontal") == "5年 9月"


def _layout(image):
    from cableocr.layout import PageLayout

    return PageLayout(writing_mode="horizontal", profile_ratio=2.0, redactions=[], stamps=[], ocr_image=image, steps=[])


@pytest.mark.parametrize("reads", ["regions", "page"])
def test_the_page_step_names_the_second_engine_and_counts_what_the_combination_did(reads):
    import numpy as np

    from cableocr.config import OcrConfig
    from cableocr.ocr import read_with_second_engine

    second = FakeEngine({"horizontal": Reading(lines=[_row("外務大臣", [0.99] * 4)], engine="fake recorded")})
    first = Reading(lines=[_row("外務大団", [0.99, 0.99, 0.99, 0.9])], engine="tesseract")
    reading, step = read_with_second_engine(first, _layout(np.full((600, 600), 255, np.uint8)), "horizontal",
                                            second, OcrConfig(second_engine_reads=reads))
    assert reading.lines[0].raw == "外務大臣" and reading.lines[0].read_by == ("tesseract", "fake recorded")
    assert step.name == "second_engine" and step.params["engine"] == "fake recorded"
    assert step.params["lines_combined"] == 1 and step.params["chars_disputed"] == 1
    # Reading regions, the second engine is handed the first's lines, not asked to find them.
    assert second.calls == [("recognize_regions" if reads == "regions" else "recognize", "horizontal", (600, 600))]


@pytest.mark.parametrize("reads", ["page", "regions"])
def test_a_line_that_files_a_cable_keeps_the_second_engines_reading_as_its_second_reading(reads):
    """Where the second engine reads each line, it is the second reading of the lines that file
    a cable (the first engine no longer reads them twice): a reading whose errors are its own."""
    import numpy as np

    from cableocr.config import OcrConfig
    from cableocr.ocr import read_with_second_engine

    below = ROW.shifted(0, 200)
    number, body = _row("第5513号", [0.99] * 6), _row("本電の複製", [0.99] * 5, below)
    seen = Reading(lines=[_row("第5518号", [0.99] * 6), _row("本電の復製", [0.99] * 5, below)], engine="fake recorded")
    reading, _ = read_with_second_engine(Reading(lines=[number, body], engine="tesseract"),
                                         _layout(np.full((600, 600), 255, np.uint8)), "horizontal",
                                         FakeEngine({"horizontal": seen}), OcrConfig(second_engine_reads=reads))
    assert reading.lines[0].second_reading == "第5518号"
    assert reading.lines[1].second_reading is None


def test_a_failing_second_engine_leaves_the_first_reading_and_says_why():
    import numpy as np

    from cableocr.config import OcrConfig
    from cableocr.errors import EngineError
    from cableocr.ocr import read_with_second_engine

    class Failing(FakeEngine):
        def recognize(self, image, mode, cfg):
            raise EngineError("rapidocr failed: out of memory")

        def recognize_regions(self, image, regions, cfg):
            raise EngineError("rapidocr failed: out of memory")

    first = Reading(lines=[_row("外務大臣", [0.99] * 4)], engine="tesseract")
    for reads in ("regions", "page"):
        reading, step = read_with_second_engine(first, _layout(np.full((60, 60), 255, np.uint8)), "horizontal",
                                                Failing({}), OcrConfig(second_engine_reads=reads))
        assert reading is first and "out of memory" in step.params["failed"]


def test_a_recorded_reading_replays_as_it_was_read(tmp_path):
    recorded = Reading(lines=[_row("第5515号", [0.99, 0.9, 0.8, 0.99, 0.97, 0.99])], engine="rapidocr 3.10.0")
    recorded = replace(recorded, lines=[replace(recorded.lines[0], set_aside=tuple(_line("口", [0.93]).chars))])
    save_reading(recorded, tmp_path / "page.json")
    assert load_reading(tmp_path / "page.json") == recorded


def test_the_second_engine_probe_names_the_package_when_it_is_missing(monkeypatch):
    from importlib import metadata

    from cableocr.engines import rapid
    from cableocr.errors import MissingTool

    real = metadata.version

    def version(package):
        if package == "onnxruntime":
            raise metadata.PackageNotFoundError(package)
        return real(package)

    rapid.probe.cache_clear()
    monkeypatch.setattr(rapid.metadata, "version", version)
    with pytest.raises(MissingTool, match="pip install onnxruntime"):
        rapid.probe()
    rapid.probe.cache_clear()


def test_a_page_the_first_engine_fails_on_is_read_by_the_second_alone():
    """Tesseract was seen to die of a signal on a few poor pages: the page is then the second
    engine's reading, the failure named among its issues, not a lost page."""
    import numpy as np
    from PIL import Image, ImageDraw

    from cableocr.config import Settings
    from cableocr.errors import EngineError
    from cableocr.models import PageSource
    from cableocr.pipeline import read_page_image
    from cableocr.synth.render import font

    class Crashing(FakeEngine):
        def recognize(self, image, mode, cfg):
            raise EngineError("Tesseract (jpn) failed: (-8, '')")

    page = Image.new("L", (1200, 600), 255)
    ImageDraw.Draw(page).text((100, 200), "外務大臣殿　波多野大使", font=font(44), fill=0)
    second = FakeEngine({mode: Reading(lines=[_row("外務大臣殿", [0.99] * 5)], engine="fake 1")
                         for mode in ("horizontal", "vertical")}, name="fake")
    read = read_page_image(PageSource(file="p.png", index=0, sha256="x"), np.asarray(page), Settings(),
                           Crashing({}), second)
    # (The fake replays its one reading for every crop it is handed: each line is that reading.)
    assert read.lines and all(ln.text == "外務大臣殿" for ln in read.lines)
    assert any("failed" in issue and "read by fake alone" in issue for issue in read.issues)
    assert read.steps[-1].name == "first_engine_failed"


def test_ink_after_a_lines_last_character_that_no_engine_read_is_measured_in_character_sizes():
    """A column 総番号525 (30-pixel characters): a digit's worth of ink after it that no character
    read covers measures most of a character; a speck, a tenth or two; the last digit's own ink
    standing out of its box (an engine's box ended short) and another line's characters, none."""
    import numpy as np

    from cableocr.ocr import ink_after_end

    def column(ink: list[tuple[int, int, int, int]]) -> np.ndarray:
        image = np.full((400, 100), 255, np.uint8)
        for x0, y0, x1, y1 in ink:
            image[y0:y1, x0:x1] = 0
        return image

    boxes = [Box(x0=40, y0=20 + 30 * i, x1=70, y1=48 + 30 * i) for i in range(6)]
    line = RecognizedLine(raw="総番号525", box=Box.union(boxes),
                          chars=[Char(text=t, confidence=0.99, box=b) for t, b in zip("総番号525", boxes, strict=True)])
    read = [c.box for c in line.chars]
    digit_after = column([(45, 205, 65, 230)])  # the 8 of 525880 under a stamp, 25 pixels long
    assert ink_after_end(line, digit_after, "vertical", read) >= 0.8
    speck = column([(55, 210, 59, 214)])
    assert ink_after_end(line, speck, "vertical", read) < 0.2
    own_ink = column([(45, 170, 65, 205)])  # the last 5 drawn past the foot of its box
    assert ink_after_end(line, own_ink, "vertical", read) == 0
    next_line = Box(x0=40, y0=205, x1=70, y1=233)  # a character another line read
    assert ink_after_end(line, digit_after, "vertical", [*read, next_line]) == 0


def test_a_mark_paired_with_a_character_read_apart_from_it_keeps_both():
    """機密班(電話 in a column (seed 33 eval-0003): Tesseract read 機密(電 (班 lost, the ( at 0.0),
    PP-OCR 機密班電 (the ( lost, as it is known to). Aligned by text, ( and 班 pair; they stand
    apart down the column, so both are kept, in their order. Paired where they stand together,
    a dispute as before."""
    def column(chars):
        return [Char(text=t, confidence=c, box=Box(x0=100, y0=y, x1=140, y1=y + 36)) for t, c, y in chars]

    first = column([("機", 0.95, 100), ("密", 0.99, 140), ("(", 0.0, 230), ("電", 0.99, 270)])
    other = column([("機", 0.99, 100), ("密", 0.99, 140), ("班", 1.0, 180), ("電", 0.99, 270)])
    rule = CombineRule(0.98, agreement_raises=True, other_misses=frozenset("()"))
    assert "".join(c.text for c in combine_chars(first, other, rule).chars) == "機密班(電"
    together = column([("機", 0.99, 100), ("密", 0.99, 140), ("班", 1.0, 225), ("電", 0.99, 270)])
    assert "".join(c.text for c in combine_chars(first, together, rule).chars) == "機密班電"
    # A mark paired with a mark is one mark read two ways, however far PP-OCR's box ran ahead
    # (seed 35: 総番号((TA) from Tesseract's ( and PP-OCR's （ a character and a half apart).
    serial = column([("号", 0.99, 100), ("(", 0.99, 190), ("T", 0.99, 230)])
    ahead = column([("号", 0.99, 100), ("（", 0.99, 130), ("T", 0.99, 230)])
    assert len(combine_chars(serial, ahead, rule).chars) == 3


def test_a_letter_one_engine_alone_read_is_kept_where_it_completes_one_of_the_project_terms():
    """日ロ関係 in a column (seed 37): Tesseract lost the ロ, PP-OCR read it as 口 (the same shape) at
    0.95, under the lone-character bar. With its neighbours it makes 日ロ, a term of the lexicon,
    which they do not make without it; a lone letter that completes no term still goes."""
    def combined(first_text, second_text, unsure_at):
        confidences = [0.95 if i == unsure_at else 0.99 for i in range(len(second_text))]
        reading, _ = _engines([_row(first_text, [0.99] * len(first_text))], [_row(second_text, confidences)])
        return reading.lines[0].raw

    assert combined("して日関係を", "して日口関係を", 3) == "して日口関係を"
    assert combined("に転した", "に転電した", 2) == "に転電した"
    assert combined("需要", "和需要", 0) == "需要"
