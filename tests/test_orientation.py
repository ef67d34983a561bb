"""Pages scanned sideways or upside down are turned upright, and every box still points at the
right place on the page as scanned."""

import json

import pytest
from conftest import two_worker_processes
from PIL import Image

from cableocr.config import OcrConfig, Settings
from cableocr.fields import FOUNDATION_FIELDS
from cableocr.pipeline import run_batch

pytestmark = pytest.mark.tesseract
# Turn needed to stand the page upright (clockwise) -> how the scan lies (PIL turns anticlockwise).
TURNS = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}


def _turned_box(box, turn_cw, width, height):
    """A box of the upright page, on the scan that needs turning by turn_cw to stand upright."""
    x0, y0, x1, y1 = box
    if turn_cw == 90:  # the scan lies turned 90° anticlockwise: (x, y) -> (y, W - x)
        return (y0, width - x1, y1, width - x0)
    if turn_cw == 180:
        return (width - x1, height - y1, width - x0, height - y0)
    return (height - y1, x0, height - y0, x1)


@pytest.fixture(scope="module")
def turned(generated, tmp_path_factory):
    gen = generated[("004", "horizontal", "clean")]
    upright = Image.open(gen.folder / gen.truth.pages[0].file)
    batch = tmp_path_factory.mktemp("turned")
    for turn, transpose in TURNS.items():
        upright.transpose(transpose).save(batch / f"turned-{turn}.png")
    vertical = generated[("004", "vertical", "clean")]
    Image.open(vertical.folder / vertical.truth.pages[0].file).transpose(TURNS[90]).save(batch / "vertical-90.png")
    out = tmp_path_factory.mktemp("out")
    # Orientation is Tesseract's to find (the second engine has no detector): read with it alone.
    tesseract_alone = Settings(ocr=OcrConfig(second_engine=None))
    with two_worker_processes() as pool:  # the four pages two at a time
        manifest = run_batch(batch, out, tesseract_alone, map_pages=pool.map)
    return manifest, out, gen.truth, upright.size, vertical.truth


def _document(manifest, out, file_name):
    for cable in manifest.cables:
        document = json.loads((out / cable.path).read_text(encoding="utf-8"))
        if document["source"][0]["file"] == file_name:
            return document
    raise AssertionError(f"no cable from {file_name}")


@pytest.mark.parametrize("turn", sorted(TURNS))
def test_a_turned_page_is_read_upright(turned, turn):
    manifest, out, truth, (width, height), _ = turned
    document = _document(manifest, out, f"turned-{turn}.png")
    orientation = next(s for s in document["pages"][0]["steps"] if s["name"] == "orientation")
    assert orientation["params"]["rotated_cw"] == turn
    assert {k: document["fields"][k]["value"] for k in FOUNDATION_FIELDS} == {k: truth.fields[k] for k in FOUNDATION_FIELDS}
    number_line = next(ln for ln in truth.pages[0].lines if ln.text.startswith("第"))
    expected = _turned_box(number_line.box, turn, width, height)
    box = document["fields"]["cable_number"]["box"]
    centre = ((box["x0"] + box["x1"]) / 2, (box["y0"] + box["y1"]) / 2)
    assert expected[0] <= centre[0] <= expected[2] and expected[1] <= centre[1] <= expected[3]


def test_a_vertical_page_lying_sideways_is_read_upright_in_columns(turned):
    """A vertical page turned 90° shows its columns as rows: it must be stood up, not read as
    a horizontal page."""
    manifest, out, _, _, truth = turned
    document = _document(manifest, out, "vertical-90.png")
    page = document["pages"][0]
    orientation = next(s for s in page["steps"] if s["name"] == "orientation")
    assert orientation["params"]["rotated_cw"] == 90 and page["writing_mode"] == "vertical"
    assert {k: document["fields"][k]["value"] for k in FOUNDATION_FIELDS} == {k: truth.fields[k] for k in FOUNDATION_FIELDS}


def test_an_upright_page_read_surely_is_not_checked(ocr_results):
    """Tesseract's orientation check (about 0.5 s) runs only where the page read as it lies is
    doubtful: an upright clean page is read once, and its step says why it was not checked."""
    manifest, out = ocr_results[("004", "horizontal", "clean")]
    document = json.loads((out / manifest.cables[0].path).read_text(encoding="utf-8"))
    orientation = next(s for s in document["pages"][0]["steps"] if s["name"] == "orientation")
    assert orientation["params"]["rotated_cw"] == 0
    assert orientation["params"]["method"].endswith("not checked")
    assert "under 0.9 confidence" in orientation["params"]["note"]
