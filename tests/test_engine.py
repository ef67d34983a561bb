"""Tesseract's hOCR as parsed: one box and one confidence per character."""

from concurrent.futures import ThreadPoolExecutor

import cv2
import pytesseract

from cableocr.config import OcrConfig
from cableocr.engines.tesseract import MODELS, TesseractEngine, parse_hocr
from cableocr.models import Box

HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body><div class='ocr_page' title='bbox 0 0 500 1000'>
<span class='ocr_line' id='line_1_1' title="bbox 404 255 448 500">
 <span class='ocrx_word' title='bbox 405 255 447 297; x_wconf 93'>
  <span class='ocrx_cinfo' title='x_bboxes {c1}; x_conf 99.0'>日</span></span>
 <span class='ocrx_word' title='bbox 405 300 447 384; x_wconf 90'>
  <span class='ocrx_cinfo' title='x_bboxes {c2}; x_conf 95.5'>米</span>
  <span class='ocrx_cinfo' title='x_bboxes {c3}; x_conf 80.0'>国</span></span>
</span></div></body></html>"""


def test_good_character_boxes_are_kept():
    hocr = HOCR.format(c1="405 255 447 297", c2="405 300 447 340", c3="405 342 447 384")
    (line,) = parse_hocr(hocr.encode(), vertical=True)
    assert line.raw == "日 米国"
    assert [c.box for c in line.chars][1] == Box(x0=405, y0=300, x1=447, y1=340)
    assert [c.confidence for c in line.chars] == [0.99, 0.955, 0.8]


def test_broken_vertical_character_boxes_are_rebuilt_from_the_word_box():
    # What Tesseract 5.3 writes for jpn_vert: x 0 and y in a rotated frame.
    hocr = HOCR.format(c1="0 803 0 845", c2="0 810 0 850", c3="0 852 0 894")
    (line,) = parse_hocr(hocr.encode(), vertical=True)
    boxes = [c.box for c in line.chars]
    assert boxes[0] == Box(x0=405, y0=255, x1=447, y1=297)
    assert boxes[1] == Box(x0=405, y0=300, x1=447, y1=342) and boxes[2] == Box(x0=405, y0=342, x1=447, y1=384)


def _binary_reading(image, model: str, psm: int):
    """The page as the tesseract binary reads it, one process per reading."""
    hocr = pytesseract.image_to_pdf_or_hocr(image, lang=model, config=f"--psm {psm} --dpi 300 -c hocr_char_boxes=1",
                                            extension="hocr")
    return parse_hocr(hocr, vertical=model.endswith("_vert"))


def _strip_of(generated, layout: str):
    page = sorted(generated[("000", layout, "medium")].folder.glob("*.png"))[0]
    image = cv2.imread(str(page), cv2.IMREAD_GRAYSCALE)
    height, width = image.shape
    return image[: height // 3] if layout == "horizontal" else image[:, width * 2 // 3 :]


def test_the_kept_loaded_models_read_as_the_binary_does(generated, tesseract):
    """tesserocr, built against Debian's libtesseract, gives the binary's lines exactly: the same
    characters, boxes and confidences."""
    engine, cfg = TesseractEngine(), OcrConfig()
    for layout in ("horizontal", "vertical"):
        strip = _strip_of(generated, layout)
        expected = _binary_reading(strip, *MODELS[layout])
        assert sum(len(line.chars) for line in expected) > 20
        with ThreadPoolExecutor(max_workers=2) as pool:  # two threads at once, each its own model
            readings = list(pool.map(engine.recognize, [strip] * 2, [layout] * 2, [cfg] * 2))
        assert all(reading.lines == expected for reading in readings)
