"""Round receipt stamps: their ring and bars are found and erased before reading (round_stamps,
in cleanup), and what the engines read of the stamp's own text is set apart from the page's
lines (ocr.round_stamp_texts_set_apart)."""

import cv2
import numpy as np
import pytest
from PIL import Image

from cableocr.cleanup import IDENTITY, Cleaned, clean_page
from cableocr.config import CleanupConfig
from cableocr.engines import Reading, RecognizedLine
from cableocr.models import Box, Char
from cableocr.ocr import round_stamp_texts_set_apart
from cableocr.round_stamps import Ring


def _load(gen):
    return np.asarray(Image.open(gen.folder / gen.truth.pages[0].file).convert("L"))


def _stamped(page: np.ndarray, centre: tuple[int, int], radius: int) -> np.ndarray:
    """The page with a grey ring and two bars across it pressed over it (ink multiplies)."""
    layer = np.full_like(page, 255)
    cv2.circle(layer, centre, radius, 0, 5)
    for dy in (-radius // 4, radius // 4):
        cv2.line(layer, (centre[0] - radius + 20, centre[1] + dy), (centre[0] + radius - 20, centre[1] + dy), 0, 3)
    ink = (255 - layer.astype(np.float32)) / 255 * 0.6
    return (page * (1 - ink)).astype(np.uint8)


def _steps(cleaned: Cleaned) -> dict:
    return next(s.params for s in cleaned.steps if s.name == "round_stamps_erased")


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_a_ring_over_the_header_is_found_and_erased(generated, layout):
    page = _load(generated[("000", layout, "clean")])
    centre, radius = (int(0.6 * page.shape[1]), int(0.18 * page.shape[0])), 100
    cleaned = clean_page(_stamped(page, centre, radius), CleanupConfig())
    (ring,) = cleaned.round_stamps
    x, y = cleaned.to_source @ np.array([ring.x, ring.y, 1.0])
    assert abs(x - centre[0]) <= 4 and abs(y - centre[1]) <= 4
    assert _steps(cleaned)["count"] == 1
    # Where the ring ran over bare paper, the paper is back.
    image = cleaned.before_binarising if cleaned.before_binarising is not None else cleaned.image
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    xs = np.rint(ring.x + ring.radius * np.cos(angles)).astype(int)
    ys = np.rint(ring.y + ring.radius * np.sin(angles)).astype(int)
    before = clean_page(page, CleanupConfig())
    plain = before.before_binarising if before.before_binarising is not None else before.image
    bare = plain[ys, xs] > 200
    assert bare.sum() > 100 and (image[ys, xs][bare] > 200).mean() > 0.95


@pytest.mark.parametrize("case", ["000", "004"])
@pytest.mark.parametrize("level", ["clean", "medium"])
@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_pages_without_a_stamp_have_none_found(generated, case, layout, level):
    cleaned = clean_page(_load(generated[(case, layout, level)]), CleanupConfig())
    assert cleaned.round_stamps == () and _steps(cleaned)["count"] == 0


RING = Ring(x=1000.0, y=300.0, radius=150.0, width=5.0, coverage=1.0)


def _row(parts: list[tuple[str, int]], y: int = 280) -> RecognizedLine:
    """A horizontal line of 40-px characters: each part's text starting at its x."""
    chars = [Char(text=t, confidence=0.99, box=Box(x0=x0 + 40 * i, y0=y, x1=x0 + 40 * i + 40, y1=y + 40))
             for text, x0 in parts for i, t in enumerate(text)]
    return RecognizedLine(raw="".join(c.text for c in chars), box=Box.union([c.box for c in chars]), chars=chars)


def _cleaned() -> Cleaned:
    return Cleaned(image=np.zeros((10, 10), np.uint8), steps=[], skew_deg=0.0, background=np.zeros((10, 10)),
                   to_source=IDENTITY, character_px=40.0, round_stamps=(RING,))


def test_the_stamps_date_read_into_a_row_is_set_apart():
    """電信写 centred on the page, the stamp's 4.14.受付 read into its row far off inside the ring."""
    reading = Reading(lines=[_row([("電信写", 400), ("4.14.受付", 880)]), _row([("12.3", 940)], y=330)],
                      engine="fake")
    kept, (stamp,), step = round_stamp_texts_set_apart(reading, _cleaned(), "horizontal")
    assert [ln.raw for ln in kept.lines] == ["電信写"]
    assert kept.lines[0].box.x1 == 520
    assert stamp.text == "4.14.受付 12.3"
    assert step.params["runs_set_apart"] == 2


def test_the_cables_own_text_under_a_stamp_stays():
    """A line running into the ring keeps its characters there: 特秘 close after 第9539号 is
    the cable's, though it stands inside the ring."""
    reading = Reading(lines=[_row([("第9539号", 700), ("特秘", 960)])], engine="fake")
    kept, (stamp,), _ = round_stamp_texts_set_apart(reading, _cleaned(), "horizontal")
    assert [ln.raw for ln in kept.lines] == ["第9539号特秘"]
    assert stamp.text == ""


def test_a_round_stamp_is_an_illustration_of_the_alto_page(tmp_path):
    """The stamp's ring is a block of its own in ALTO, and the page stays valid ALTO 4.4."""
    import xml.etree.ElementTree as ET

    from cableocr.alto import alto_schema, page_alto
    from cableocr.models import Line, Page, PageSource, RoundStamp

    line = Line(id="p1-l0", text="電信写", raw="電信写", normalized="電信写", box=Box(x0=10, y0=10, x1=130, y1=50),
                confidence=0.99, writing_mode="horizontal",
                chars=[Char(text=t, confidence=0.99, box=Box(x0=10 + 40 * i, y0=10, x1=50 + 40 * i, y1=50))
                       for i, t in enumerate("電信写")])
    page = Page(source=PageSource(file="a.png", index=0, sha256="0"), width=1000, height=800, writing_mode="horizontal",
                engine="fake", lines=[line],
                round_stamps=[RoundStamp(box=Box(x0=600, y0=100, x1=800, y1=300), text="4.14.受付")])
    path = tmp_path / "p1.alto.xml"
    path.write_bytes(page_alto(page, "p1"))
    alto_schema().validate(str(path))
    (stamp,) = ET.parse(path).findall(".//{*}Illustration[@TYPE='round-stamp']")
    assert (stamp.get("HPOS"), stamp.get("VPOS"), stamp.get("WIDTH")) == ("600", "100", "200")
