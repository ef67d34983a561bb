"""Two models' readings of a line combined character by character (ocr.combine_readings)."""

import json

import pytest

from cableocr.engines import Reading, RecognizedLine
from cableocr.models import Box, Char
from cableocr.ocr import combine_readings

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
