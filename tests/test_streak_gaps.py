"""Where a painted-out drum streak crossed a line in a gap a character could have stood in, the
characters either side of the gap are held at ONE_READER (ocr.doubts_where_streaks_crossed)."""

import numpy as np

from cableocr.cleanup import IDENTITY, Cleaned, Streak
from cableocr.combine import ONE_READER
from cableocr.engines import Reading, RecognizedLine
from cableocr.models import Box, Char
from cableocr.ocr import doubts_where_streaks_crossed


def _row(parts: list[tuple[str, int]], y: int = 200) -> RecognizedLine:
    """A horizontal line of 40-px characters at 0.99: each part's text starting at its x."""
    chars = [Char(text=t, confidence=0.99, box=Box(x0=x0 + 40 * i, y0=y, x1=x0 + 40 * i + 40, y1=y + 40))
             for text, x0 in parts for i, t in enumerate(text)]
    return RecognizedLine(raw="".join(c.text for c in chars), box=Box.union([c.box for c in chars]), chars=chars)


def _cleaned(*streaks: Streak) -> Cleaned:
    return Cleaned(image=np.zeros((10, 10), np.uint8), steps=[], skew_deg=0.0, background=np.zeros((10, 10)),
                   to_source=IDENTITY, character_px=40.0, streaks=streaks)


DOWN = Streak(ends=((548.0, 0.0), (552.0, 3000.0)), width=4.0)  # a streak down the page, a little askew


def _confidences(line: RecognizedLine) -> dict[str, float]:
    return {c.text: c.confidence for c in line.chars}


def test_the_characters_beside_a_gap_a_streak_crossed_are_held():
    """昭和39年1 … 月28日: the 0 between 1 and 月 went with the streak."""
    reading = Reading(lines=[_row([("昭和39年1", 300), ("月28日", 560)])], engine="fake")
    held, step = doubts_where_streaks_crossed(reading, _cleaned(DOWN), "horizontal")
    confidences = _confidences(held.lines[0])
    assert confidences["1"] == ONE_READER and confidences["月"] == ONE_READER
    assert confidences["昭"] == 0.99 and step.params["characters_doubted"] == 2


def test_a_streak_through_a_character_or_past_a_line_changes_nothing():
    through = _row([("外務大臣殿", 440)])  # the streak crosses 大, no gap
    elsewhere = _row([("主管", 100)])  # the line ends before the streak
    along = Streak(ends=((0.0, 220.0), (3000.0, 220.0)), width=4.0)  # a streak along the row
    reading = Reading(lines=[through, elsewhere, _row([("昭和39年1", 300), ("月28日", 560)], y=400)], engine="fake")
    held, step = doubts_where_streaks_crossed(reading, _cleaned(along), "horizontal")
    assert held.lines == reading.lines and step.params["characters_doubted"] == 0
    held, _ = doubts_where_streaks_crossed(Reading(lines=[through, elsewhere], engine="fake"), _cleaned(DOWN),
                                           "horizontal")
    assert [_confidences(ln) for ln in held.lines] == [_confidences(through), _confidences(elsewhere)]


def test_a_streak_across_a_column_is_a_streak_down_a_row_turned():
    column_chars = [Char(text=t, confidence=0.99, box=Box(x0=300, y0=y, x1=340, y1=y + 40))
                    for t, y in (("第", 100), ("1", 140), ("号", 240))]
    column = RecognizedLine(raw="第1号", box=Box(x0=300, y0=100, x1=340, y1=280), chars=column_chars)
    across = Streak(ends=((0.0, 205.0), (2000.0, 207.0)), width=4.0)
    held, _ = doubts_where_streaks_crossed(Reading(lines=[column], engine="fake"), _cleaned(across), "vertical")
    assert [c.confidence for c in held.lines[0].chars] == [0.99, ONE_READER, ONE_READER]


def test_a_streak_is_kept_where_the_deskew_takes_it(generated):
    """A streak drawn down a skewed page: the cleaned page's streak maps back onto it."""
    from PIL import Image

    from cableocr.cleanup import clean_page
    from cableocr.config import CleanupConfig

    gen = generated[("000", "horizontal", "medium")]
    page = np.asarray(Image.open(gen.folder / gen.truth.pages[0].file).convert("L")).copy()
    x = page.shape[1] // 2 + 7
    page[:, x:x + 3] = np.minimum(page[:, x:x + 3], 150)
    cleaned = clean_page(page, CleanupConfig())
    assert abs(cleaned.skew_deg) > 0.1  # the page was turned: the streak with it
    (streak,) = cleaned.streaks
    for end in streak.ends:
        source_x, _ = cleaned.to_source @ np.array([*end, 1.0])
        assert abs(source_x - (x + 1.5)) <= 3
