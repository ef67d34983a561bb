"""Deskew, direction and redactions on generator pages with known answers (no OCR needed)."""

import re

import numpy as np
import pytest
from PIL import Image

from cableocr.cleanup import clean_page
from cableocr.config import CleanupConfig, OcrConfig
from cableocr.layout import analyse_layout


def _load(gen, page=0):
    return np.asarray(Image.open(gen.folder / gen.truth.pages[page].file).convert("L"))


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
@pytest.mark.parametrize("seed", ["000", "004"])
def test_deskew_undoes_the_generators_skew(generated, seed, layout):
    gen = generated[(seed, layout, "medium")]
    cleaned = clean_page(_load(gen), CleanupConfig())
    assert cleaned.skew_deg == pytest.approx(-gen.truth.pages[0].skew_deg, abs=0.15)
    assert any(s.name == "deskew" and s.params["angle_deg"] == cleaned.skew_deg for s in cleaned.steps)


def test_clean_pages_are_left_unrotated(generated):
    cleaned = clean_page(_load(generated[("000", "horizontal", "clean")]), CleanupConfig())
    assert cleaned.skew_deg == 0.0


@pytest.mark.parametrize("level", ["clean", "medium"])
@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_direction_and_redactions_per_page(generated, layout, level):
    gen = generated[("000", layout, level)]
    for number, truth_page in enumerate(gen.truth.pages):
        layout_found = analyse_layout(clean_page(_load(gen, number), CleanupConfig()), OcrConfig())
        assert layout_found.writing_mode == layout
        assert len(layout_found.redactions) == len(truth_page.redactions)


NOTICE = re.compile(r"^(注意|\d\s*[.．])")


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_the_notice_box_is_one_framed_cell_holding_the_notice(generated, layout):
    """The handling-notice box is found as the form's one framed cell, holding every notice
    line the generator drew and nothing else."""
    gen = generated[("004", layout, "medium")]
    cleaned = clean_page(_load(gen), CleanupConfig())
    (cell,) = analyse_layout(cleaned, OcrConfig()).cells
    box = cleaned.box_to_source(cell)  # in the scan's pixels, as the truth is
    held = {}
    for line in gen.truth.pages[0].lines:
        x, y = (line.box[0] + line.box[2]) / 2, (line.box[1] + line.box[3]) / 2
        held[line.text] = box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1
    assert sum(held.values()) == 3
    assert all(bool(NOTICE.match(text)) == inside for text, inside in held.items())


def _column_page(dot: tuple[int, int]) -> np.ndarray:
    """Two columns of 28-px 'characters' at a 40-px pitch, and one small dot (4 x 5 px)."""
    page = np.full((600, 400), 255, np.uint8)
    for x in (150, 250):
        for y in range(40, 560, 40):
            if not (x == 250 and y in (200, 240)):  # an empty cell in the right column
                page[y : y + 28, x : x + 28] = 0
    page[dot[1] : dot[1] + 5, dot[0] : dot[0] + 4] = 0
    return page


@pytest.mark.parametrize(("dot", "kept"), [
    ((262, 218), True),   # alone in its cell, centred in the column: a full stop set upright
    ((205, 218), False),  # between two columns: a speck
    ((262, 580), False),  # under the column's end: nothing under it
])
def test_a_speck_sized_mark_centred_in_a_column_is_kept(dot, kept):
    from cableocr.imaging import Components, marks_in_columns, small_isolated

    blobs = Components(255 - _column_page(dot))
    small, _ = small_isolated(blobs, 24, 12, keep_clusters=True)
    assert small[dot[1] + 2, dot[0] + 2]  # a speck by size and isolation
    marks, count = marks_in_columns(blobs, small, 24, 60)
    assert bool(marks[dot[1] + 2, dot[0] + 2]) is kept and count == int(kept)


def _marks_kept(page: np.ndarray) -> tuple[np.ndarray, int]:
    from cableocr.imaging import Components, marks_in_columns, small_isolated

    blobs = Components(255 - page)
    small, _ = small_isolated(blobs, 24, 12, keep_clusters=True)
    return marks_in_columns(blobs, small, 24, 60)


def test_a_full_stop_under_a_narrow_digit_is_kept():
    """The notice's 1. in a column: the 1 is a stroke a few pixels wide, its middle half a
    pixel or two, and the stop under it stands a little to its side."""
    page = np.full((300, 200), 255, np.uint8)
    page[40:68, 98:102] = 0  # the 1
    page[88:93, 101:105] = 0  # its full stop, in a cell of its own
    page[120:148, 86:114] = 0  # the character after it
    marks, count = _marks_kept(page)
    assert count == 1 and marks[90, 102]


def _row_page(mark: tuple[int, int]) -> np.ndarray:
    """Two rows of 36-px 'characters' at a 40-px pitch with a gap of two cells in the lower row
    (a bracket's and a 、's cells: their ink stands apart), and one small mark (8 x 9 px, as
    large as a noisy page's speck)."""
    page = np.full((300, 640), 255, np.uint8)
    for y in (60, 140):
        for x in range(40, 560, 40):
            if not (y == 140 and x in (280, 320)):
                page[y : y + 36, x : x + 30] = 0
    page[mark[1] : mark[1] + 9, mark[0] : mark[0] + 8] = 0
    return page


@pytest.mark.parametrize(("mark", "kept"), [
    ((300, 167), True),   # 、 at the row's foot, in a cell of its own after a character
    ((300, 150), False),  # in the row's middle: a speck
    ((575, 167), False),  # past the row's end: nothing beside it on the right
])
def test_a_mark_at_a_rows_foot_on_a_noisy_page_is_kept(mark, kept):
    from cableocr.imaging import Components, marks_in_rows, small_isolated

    blobs = Components(255 - _row_page(mark))
    specks, _ = small_isolated(blobs, 80, 20)
    assert specks[mark[1] + 4, mark[0] + 4]  # a noisy page's speck by size and isolation
    marks, count = marks_in_rows(blobs, specks, 80, 60)
    assert bool(marks[mark[1] + 4, mark[0] + 4]) is kept and count == int(kept)


def _page_with_text_and_a_rule() -> np.ndarray:
    """A white page of dark 'characters' (blocks a character high), with a form's vertical rule
    that stops at its frame."""
    page = np.full((1400, 1000), 255, np.uint8)
    for y in range(150, 1250, 60):
        for x in range(120, 880, 45):
            page[y : y + 30, x : x + 4] = 20  # a vertical stroke
            page[y + 12 : y + 16, x - 10 : x + 14] = 20  # a horizontal stroke across it
    page[200:1200, 500:503] = 0  # a ruled line inside the frame
    return page


def test_a_streak_from_edge_to_edge_is_painted_out_and_a_rule_is_kept():
    from cableocr.cleanup import remove_streaks

    page = _page_with_text_and_a_rule()
    streaked = page.copy()
    streaked[:, 300:304] = np.minimum(streaked[:, 300:304], 170)  # a light drum streak, edge to edge
    cleaned, step, streaks = remove_streaks(streaked, CleanupConfig())
    assert (step.params["down"], step.params["across"]) == (1, 0)
    (streak,) = streaks
    assert streak.ends == ((302.0, 0.0), (302.0, 1400.0)) and streak.width == 4
    assert cleaned[:100, 298:306].min() > 200  # the streak in the margin: gone
    assert cleaned[600:1000, 500:503].max() < 50  # the rule: kept
    crossing = [y for y in range(150, 1250, 60) if page[y + 12, 300] < 100]
    assert crossing and all(cleaned[y + 13, 300] < 100 for y in crossing)  # strokes across it go on
    untouched, step, streaks = remove_streaks(page, CleanupConfig())
    assert (step.params["down"], step.params["across"]) == (0, 0) and np.array_equal(untouched, page)
    assert streaks == []


def test_a_frame_round_a_word_is_taken_off_and_its_characters_and_the_forms_cells_are_kept():
    """A boxed stamp (至急 in its frame) is read as junk with its frame (恒久): the frame goes, the
    characters inside stay, and neither a square character (口) nor the form's large cells go."""
    from cableocr.layout import erase_word_frames

    page = np.full((600, 900), 255, np.uint8)
    character = 37
    page[100:152, 100:103] = page[100:152, 190:193] = 0  # the word's frame: 1.4 characters tall
    page[100:103, 100:193] = page[149:152, 100:193] = 0
    page[112:140, 115:140] = page[112:140, 150:178] = 0  # two "characters" inside, blobs of their own
    page[300:330, 100:103] = page[300:330, 127:130] = page[300:303, 100:130] = page[327:330, 100:130] = 0  # 口
    page[400:560, 300:303] = page[400:560, 800:803] = page[400:403, 300:803] = page[557:560, 300:803] = 0  # a cell
    erased, count = erase_word_frames(page, np.full_like(page, 255), character)
    assert count == 1
    assert (erased[100:103, 100:193] == 255).all() and (erased[100:152, 190:193] == 255).all()
    assert (erased[112:140, 115:140] == 0).all() and (erased[112:140, 150:178] == 0).all()
    assert (erased[300:330, 100:103] == 0).all() and (erased[400:560, 300:303] == 0).all()


def test_pieces_of_one_redaction_bar_are_one_box_and_bars_on_neighbouring_lines_stay_apart():
    from cableocr.layout import joined_bars
    from cableocr.models import Box

    pieces = [Box(x0=1374, y0=204, x1=1424, y1=267), Box(x0=1368, y0=305, x1=1419, y1=408),
              Box(x0=1363, y0=427, x1=1414, y1=522)]  # a faded vertical bar, broken in three
    assert joined_bars(pieces, gap=41) == [Box(x0=1363, y0=204, x1=1424, y1=522)]  # that page's characters: 41 px
    rows = [Box(x0=300, y0=400, x1=700, y1=440), Box(x0=300, y0=460, x1=700, y1=500)]  # two dated lines' times
    assert joined_bars(rows, gap=37) == rows
    far = [Box(x0=100, y0=100, x1=140, y1=300), Box(x0=100, y0=400, x1=140, y1=600)]  # two characters' gap apart
    assert joined_bars(far, gap=37) == far
