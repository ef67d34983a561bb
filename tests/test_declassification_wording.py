"""The declassification stamp's wording read into the page's lines, where the layout did not find
the stamp's frame, is taken out of them and kept as a stamp's reading (ocr.declassification_set_apart)."""

import numpy as np
import pytest

from cableocr.cleanup import IDENTITY, Cleaned
from cableocr.engines import Reading, RecognizedLine
from cableocr.models import Box, Char
from cableocr.ocr import declassification_set_apart


def _row(text: str, x0: int = 100, y: int = 280) -> RecognizedLine:
    chars = [Char(text=t, confidence=0.99, box=Box(x0=x0 + 40 * i, y0=y, x1=x0 + 40 * i + 40, y1=y + 40))
             for i, t in enumerate(text)]
    return RecognizedLine(raw=text, box=Box.union([c.box for c in chars]), chars=chars)


def _cleaned() -> Cleaned:
    return Cleaned(image=np.zeros((10, 10), np.uint8), steps=[], skew_deg=0.0, background=np.zeros((10, 10)),
                   to_source=IDENTITY, character_px=40.0)


@pytest.mark.parametrize(("read", "kept", "stamp"), [
    ("電信写外交記再・情報公開室", "電信写", ["外交記再・情報公開室"]),  # run on from the row it stands on
    ("外交記録·情報公開室秘密指定解除", "", ["外交記録·情報公開室", "秘密指定解除"]),  # both lines, read as one
    ("秘密拡定解除", "", ["秘密拡定解除"]),  # a character misread
    ("以课外交信·情報公開室", "以课", ["外交信·情報公開室"]),  # 記録 read 信, its ・ another dot (seed 32)
])
def test_the_stamps_wording_leaves_the_line_and_is_kept_as_a_stamp(read, kept, stamp):
    reading, stamps, step = declassification_set_apart(Reading(lines=[_row(read)], engine="fake"), _cleaned(),
                                                       "horizontal")
    assert ["".join(c.text for c in ln.chars) for ln in reading.lines] == ([kept] if kept else [])
    assert sorted(text for _, text in stamps) == sorted(stamp) and step.params["set_apart"] == len(stamp)
    if kept:
        assert reading.lines[0].box.x1 == 100 + 40 * len(kept)  # the line's box shrinks to what is left
    assert stamps[0][1] in read and stamps[0][0].x0 >= 100


@pytest.mark.parametrize("read", [
    "秘密指定の文書は取扱注意とする",  # the cable's own words, a part of one stamp line
    "第1646号秘至急",  # a classification
    "情報公開の件",
])
def test_the_cables_own_words_stay(read):
    reading, stamps, _ = declassification_set_apart(Reading(lines=[_row(read)], engine="fake"), _cleaned(),
                                                    "horizontal")
    assert reading.lines[0].raw == read and stamps == []
