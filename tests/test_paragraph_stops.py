"""A paragraph's number at a line's start whose full stop neither engine read: the stop the ink
shows between the number and the word is added, unsure (ocr.paragraph_stops_from_ink)."""

import cv2
import numpy as np
import pytest

from cableocr.combine import ONE_READER
from cableocr.engines import Reading, RecognizedLine
from cableocr.models import Box, Char
from cableocr.ocr import paragraph_stops_from_ink

ONE, BOOK, WIRE = Box(x0=96, y0=20, x1=104, y1=56), Box(x0=82, y0=100, x1=118, y1=136), Box(x0=82, y0=140, x1=118, y1=176)


def _column(text: str = "1本電", boxes: tuple[Box, ...] = (ONE, BOOK, WIRE)) -> Reading:
    chars = [Char(text=t, confidence=0.99, box=b) for t, b in zip(text, boxes, strict=True)]
    return Reading(lines=[RecognizedLine(raw=text, box=Box.union(list(boxes)), chars=chars, writing_mode="vertical")],
                   engine="fake")


def _page(dots: list[tuple[int, int]]) -> np.ndarray:
    """A column of 36-px characters: the number, the dots given, the two words' ink."""
    page = np.full((220, 200), 255, np.uint8)
    for box in (ONE, BOOK, WIRE):
        cv2.rectangle(page, (box.x0, box.y0), (box.x1 - 1, box.y1 - 1), 0, -1)
    for x, y in dots:
        cv2.circle(page, (x, y), 4, 0, -1)
    return page


@pytest.mark.parametrize("one", [ONE, Box(x0=96, y0=20, x1=104, y1=40)])  # its box ending halfway down the stroke
def test_the_stop_the_ink_shows_is_added_unsure(one):
    reading, step = paragraph_stops_from_ink(_column(boxes=(one, BOOK, WIRE)), _page([(100, 78)]), "vertical")
    line = reading.lines[0]
    assert [c.text for c in line.chars] == ["1", ".", "本", "電"] and line.raw == "1.本電"
    assert line.chars[1].confidence == ONE_READER and step.params["added"] == 1
    assert line.chars[1].box.x0 >= 94 and line.chars[1].box.y1 <= 84


@pytest.mark.parametrize(("dots", "why"), [
    ([], "no ink between them"),
    ([(100, 70), (100, 88)], "two specks"),
    ([(120, 78)], "off the column's middle"),
])
def test_no_stop_is_added_where_the_ink_shows_none(dots, why):
    reading, step = paragraph_stops_from_ink(_column(), _page(dots), "vertical")
    assert reading.lines[0].raw == "1本電" and step.params["added"] == 0, why


@pytest.mark.parametrize("text", ["3号電", "本電1"])
def test_a_number_going_on_from_the_column_before_or_not_opening_the_line_gets_none(text):
    reading, _ = paragraph_stops_from_ink(_column(text), _page([(100, 78)]), "vertical")
    assert reading.lines[0].raw == text
