"""Any resolution: the character size measured, every page read at one working scale, boxes in the
pixels of the page as ingested; pages at 150, 200 and 600 dpi and a 1-bit TIFF read within the
poor-page bound."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from cableocr.cleanup import clean_page, working_scale
from cableocr.config import CleanupConfig, Settings
from cableocr.evaluate import STAMP_WORDS, character_error_rate
from cableocr.imaging import character_size
from cableocr.models import Box
from cableocr.synth import Conditions, generate, load_truth, seed_files

SEEDS = {p.name[:3]: p for p in seed_files()}
POOR_PAGE_BOUND = 0.015  # the CER a poor page must read within (issue 16's target for poor pages)
DELIVERIES = {"150 dpi": (Conditions(dpi=150), "png"), "200 dpi": (Conditions(dpi=200), "png"),
              "600 dpi": (Conditions(dpi=600), "png"), "1-bit 300 dpi": (Conditions(bilevel=True), "tiff")}


def _grey(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """Page 1 of seed 004, horizontal, at the clean level, delivered each way: name -> (path, truth page)."""
    pages = {}
    for name, (conditions, fmt) in DELIVERIES.items():
        folder = tmp_path_factory.mktemp(name.replace(" ", "-"))
        truth = load_truth(generate(SEEDS["004"], folder, "horizontal", "clean", fmt, 21, truth_dir=folder / "truth",
                                    conditions=conditions))
        pages[name] = (folder / truth.pages[0].file, truth)
    return pages


def test_the_character_size_follows_the_resolution(generated):
    page = _grey(generated[("004", "horizontal", "clean")].folder / "5517-horizontal-clean-p1.png")
    at_300 = character_size(page)
    assert 30 <= at_300 <= 44
    for scale in (0.5, 2.0):
        resized = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        assert character_size(resized) == pytest.approx(scale * at_300, rel=0.12)


def test_a_page_near_the_working_scale_is_not_resampled_and_a_150_dpi_page_is_doubled(generated):
    page = _grey(generated[("004", "horizontal", "clean")].folder / "5517-horizontal-clean-p1.png")
    same, scale, _, step = working_scale(page, CleanupConfig())
    assert scale == 1.0 and same is page and step.params["scale"] == 1.0
    half = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    doubled, scale, _, _ = working_scale(half, CleanupConfig())
    assert scale == pytest.approx(2.0, rel=0.15) and doubled.shape[0] == pytest.approx(2 * half.shape[0], rel=0.15)


def test_a_blank_page_is_left_at_its_own_scale():
    blank = np.full((1000, 700), 250, np.uint8)
    assert working_scale(blank, CleanupConfig())[1] == 1.0


def test_boxes_of_a_resampled_page_map_back_to_the_pixels_it_was_ingested_in(delivered):
    path, _ = delivered["150 dpi"]
    page = _grey(path)
    cleaned = clean_page(page, CleanupConfig())
    scale = next(s for s in cleaned.steps if s.name == "working_scale").params["scale"]
    assert scale > 1.5
    height, width = cleaned.image.shape
    back = cleaned.box_to_source(Box(x0=0, y0=0, x1=width, y1=height))
    assert abs(back.x1 - page.shape[1]) <= 3 and abs(back.y1 - page.shape[0]) <= 3


@pytest.fixture(scope="module")
def delivered_readings(delivered, tesseract):
    """Each delivered page through the page stage with both engines, once."""
    from cableocr.ingest import load_page
    from cableocr.pipeline import ingest_one, page_store, read_page_image, reading_engines

    settings = Settings()

    def read(item):
        name, (path, truth) = item
        out = path.parent / "out"
        source = ingest_one(path, path.parent, out, settings).pages[0]
        return name, (read_page_image(source, load_page(source, page_store(out)), settings, *reading_engines(settings)),
                      truth)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(read, delivered.items()))


@pytest.mark.slow
@pytest.mark.tesseract
@pytest.mark.parametrize("delivery", list(DELIVERIES))
def test_a_page_at_any_resolution_or_in_1_bit_reads_within_the_poor_page_bound(delivered_readings, delivery):
    page, truth = delivered_readings[delivery]
    drawn = truth.pages[0]
    expected = "".join(ln.text for ln in drawn.lines if not any(w in ln.text for w in STAMP_WORDS))
    read = "".join(ln.text for ln in page.lines if ln.role != "noise")
    assert character_error_rate(expected, read) <= POOR_PAGE_BOUND
    # Boxes are in the pixels of the page as ingested, whatever scale it was read at.
    assert all(0 <= ln.box.x0 < ln.box.x1 <= page.width + 2 and 0 <= ln.box.y0 < ln.box.y1 <= page.height + 2
               for ln in page.lines)
    # The truth's boxes are at the page's own dpi: the first drawn line is where a line was read.
    drawn_first = drawn.lines[0].box
    assert any(ln.box.x0 < drawn_first[2] and drawn_first[0] < ln.box.x1 and ln.box.y0 < drawn_first[3]
               and drawn_first[1] < ln.box.y1 for ln in page.lines)


# The fields a cable's first page carries (the end mark, a forwarding list, speakers may stand on
# a later page, and only the first page is delivered here).
FIRST_PAGE_FIELDS = {"cable_number", "date_sent", "sending_post", "addressee", "sender", "classification",
                     "precedence", "subject", "serial_number", "primary_bureau", "receiving_office", "date_received",
                     "time_sent", "time_received", "handling", "references", "separate_telegram"}


@pytest.mark.slow
@pytest.mark.tesseract
@pytest.mark.parametrize("delivery", list(DELIVERIES))
def test_no_field_is_wrong_and_unflagged_at_any_resolution(delivered_readings, delivery):
    """The hostile review found references[0] = 551 (the page says 5513) and handling absent,
    both accepted, on a 150-dpi scan: under the shipped policy, a field is right or flagged."""
    from cableocr.assemble import assemble
    from cableocr.evaluate import score_fields
    from cableocr.fields import extract_fields
    from cableocr.policy import default_policy

    page, truth = delivered_readings[delivery]
    (cable,), _ = assemble([page])
    judged = score_fields(truth, extract_fields(cable, default_policy()), delivery)
    wanted = FIRST_PAGE_FIELDS if len(truth.pages) > 1 else {o.field for o in judged}
    outcomes = [o for o in judged if o.field in wanted]
    assert len(outcomes) >= 12
    assert [(o.field, o.ours, o.truth) for o in outcomes if o.auto and not o.correct] == []
