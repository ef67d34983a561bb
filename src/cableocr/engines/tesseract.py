"""Tesseract: hOCR with one box and one confidence per character.

Recognition runs in the process through tesserocr, each model loaded once per thread and kept: a
tesseract process per reading (pytesseract) spent 0.17 s loading its model and 0.09 s writing the
image as PNG before it read anything, about 3.5 s of a page's 11.7 s at 14 readings a page
(cProfile, 34 generated pages). tesserocr is built against Debian's libtesseract (make deps
installs its headers), so the library that reads is the binary's own version with the same
models, and reads as the binary does; the binary still detects orientation (psm 0).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytesseract

from cableocr.config import OcrConfig
from cableocr.engines import (
    EngineIdentity,
    Reading,
    RecognizedLine,
    Region,
    file_sha256,
    regions_one_by_one,
)
from cableocr.errors import EngineError, MissingTool
from cableocr.models import Box, Char, Orientation, WritingMode

# The right model and page-segmentation mode per writing direction (measured: design/ocr-notes.md).
MODELS: dict[WritingMode, tuple[str, int]] = {"horizontal": ("jpn", 6), "vertical": ("jpn_vert", 5)}
# For one line: psm 13 (a raw line, no layout analysis). Against psm 7 (a single text line) it
# took the generated seed pages' mean CER from 0.32% to 0.15% (clean), 0.76% to 0.71% (medium)
# and 5.56% to 5.48% (poor), and read the 豪 that psm 7 read as 長. Tesseract has no
# single-column mode, so a vertical line is read as a vertical block.
LINE_MODELS: dict[WritingMode, tuple[str, int]] = {"horizontal": ("jpn", 13), "vertical": ("jpn_vert", 5)}
# The other line segmentations, for a line read more than one way (psm 7 read 首 where psm 13 and
# the page reading read 間).
OTHER_LINE_SEGMENTATIONS: dict[WritingMode, tuple[int, ...]] = {"horizontal": (7,), "vertical": ()}
# A second model whose readings ocr combines with the first's. On the 15 generated vertical seed
# pages the script model Japanese_vert (Debian's tesseract-ocr-script-jpan-vert) alone read
# clean pages at 1.27% CER against jpn_vert's 1.41%, and its errors were others (it reads
# 外務大臣 and upright APEC, GNP, NAFTA; jpn_vert reads 統, 非, 殿). Horizontal: the script
# model Japanese was never better than jpn (design/ocr-notes.md), so there is none.
OTHER_MODELS: dict[WritingMode, tuple[str, ...]] = {"horizontal": (), "vertical": ("Japanese_vert",)}
PACKAGES = {"jpn": "tesseract-ocr-jpn", "jpn_vert": "tesseract-ocr-jpn-vert", "osd": "tesseract-ocr-osd",
            "Japanese_vert": "tesseract-ocr-script-jpan-vert"}
_LINE_CLASSES = {"ocr_line", "ocr_textfloat", "ocr_header", "ocr_caption"}
_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_CHAR = re.compile(r"x_bboxes (\d+) (\d+) (\d+) (\d+); x_conf ([\d.]+)")
_NS = "{http://www.w3.org/1999/xhtml}"

# Tesseract single-threaded, each page on a core: measured 2x faster than its own threading when
# pages run side by side on the cores. OpenMP reads this when the library loads, so tesserocr is
# imported only after it is set.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
import tesserocr  # noqa: E402


def installed_models() -> set[str]:
    """The models Tesseract has. (pytesseract.get_languages leaves out the capitalised script
    models, such as Japanese_vert.)"""
    listing = subprocess.run([pytesseract.pytesseract.tesseract_cmd, "--list-langs"], capture_output=True,
                             text=True, check=False)
    return {line.strip() for line in listing.stdout.splitlines()[1:] if line.strip()}


@cache
def probe() -> str:
    """Tesseract's version, once; raises MissingTool with the remedy when a piece is missing."""
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = installed_models()
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise MissingTool("Tesseract is not installed. Install tesseract-ocr (make deps does)") from exc
    for model, package in PACKAGES.items():
        if model not in languages:
            raise MissingTool(f"Tesseract lacks the {model} model. Install {package} (make deps does)")
    if library_version() != version:
        raise MissingTool(f"tesserocr runs Tesseract {library_version()}, the installed binary is {version}: "
                          "build it against the installed library with `pip install --force-reinstall "
                          "--no-binary tesserocr tesserocr` (make venv does)")
    return version


def _box(title: str, pattern: re.Pattern[str] = _BBOX) -> Box:
    x0, y0, x1, y1 = (int(v) for v in pattern.search(title).groups()[:4])
    return Box(x0=x0, y0=y0, x1=x1, y1=y1)


def _inside(inner: Box, outer: Box, slack: int = 4) -> bool:
    return (inner.x1 - inner.x0 > 1 and inner.y1 - inner.y0 > 1
            and inner.x0 >= outer.x0 - slack and inner.y0 >= outer.y0 - slack
            and inner.x1 <= outer.x1 + slack and inner.y1 <= outer.y1 + slack)


def _word_chars(word: ET.Element, vertical: bool) -> list[Char]:
    """The word's characters. Tesseract's character boxes are wrong on vertical text (x 0, y in
    a rotated frame); where they do not sit inside the word's own box, the word box is split."""
    found = []
    for cinfo in word.iter(f"{_NS}span"):
        if cinfo.get("class") != "ocrx_cinfo" or not (cinfo.text or "").strip():
            continue
        if match := _CHAR.search(cinfo.get("title", "")):
            x0, y0, x1, y1 = (int(v) for v in match.groups()[:4])
            found.append((cinfo.text, Box(x0=x0, y0=y0, x1=x1, y1=y1), round(float(match.group(5)) / 100.0, 4)))
    if not found:
        return []
    word_box = _box(word.get("title", ""))
    if not all(_inside(box, word_box) for _, box, _ in found):
        boxes = word_box.split(len(found), vertical)
        found = [(text, box, conf) for (text, _, conf), box in zip(found, boxes, strict=True)]
    return [Char(text=text, box=box, confidence=conf) for text, box, conf in found]


def parse_hocr(hocr: bytes, vertical: bool = False) -> list[RecognizedLine]:
    """Lines with their words' characters. Word breaks become single spaces in `raw`."""
    root = ET.fromstring(hocr)
    lines = []
    for span in root.iter(f"{_NS}span"):
        if span.get("class") not in _LINE_CLASSES:
            continue
        words, chars = [], []
        for word in span.iter(f"{_NS}span"):
            if word.get("class") != "ocrx_word":
                continue
            word_chars = _word_chars(word, vertical)
            if word_chars:
                words.append("".join(c.text for c in word_chars))
                chars.extend(word_chars)
        if words:
            lines.append(RecognizedLine(raw=" ".join(words), box=_box(span.get("title", "")), chars=chars))
    return lines


@cache
def tessdata() -> Path | None:
    """Where Tesseract keeps its models (from its own listing)."""
    listing = subprocess.run([pytesseract.pytesseract.tesseract_cmd, "--list-langs"], capture_output=True,
                             text=True, check=False)
    found = re.search(r'"(.+?)"', listing.stdout.splitlines()[0] if listing.stdout else "")
    return Path(found.group(1)) if found else None


@cache
def library_version() -> str:
    """The version of the Tesseract library tesserocr runs (its first line: "tesseract 5.5.4")."""
    return tesserocr.tesseract_version().split()[1]


@cache
def identity() -> EngineIdentity:
    version, folder = probe(), tessdata()
    models = {}
    for model in PACKAGES:
        path = folder / f"{model}.traineddata" if folder else None
        if path and path.is_file():
            models[path.name] = file_sha256(path)
    return EngineIdentity(name="tesseract", version=version, models=models)


class TesseractEngine:
    name = "tesseract"

    def probe(self) -> EngineIdentity:
        return identity()

    def misses(self, mode: WritingMode) -> frozenset[str]:
        return frozenset()

    def recognize(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        return self._run(image, *MODELS[mode], cfg)

    def recognize_line(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        return self._run(image, *LINE_MODELS[mode], cfg)

    def recognize_regions(self, image: np.ndarray, regions: list[Region], cfg: OcrConfig) -> list[RecognizedLine | None]:
        return regions_one_by_one(self, image, regions, cfg)

    def recognize_line_other_ways(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> list[Reading]:
        model = LINE_MODELS[mode][0]
        return [self._run(image, model, psm, cfg) for psm in OTHER_LINE_SEGMENTATIONS[mode]]

    def recognize_with_other_models(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig,
                                    line: bool = False) -> list[Reading]:
        psm = (LINE_MODELS if line else MODELS)[mode][1]
        return [self._run(image, model, psm, cfg) for model in OTHER_MODELS[mode]]

    def detect_orientation(self, image: np.ndarray, cfg: OcrConfig) -> Orientation:
        """Tesseract's orientation detection (psm 0) at 105 dpi, first on the centre of the page
        (the middle 40% each way), then, where that holds too little text to be sure (orientation
        confidence under 2), on the whole page. Measured on 30 generated pages at 0/90/180/270:
        the centre then the whole page right 120 times of 120, 0.45 s a page against 0.64 s for
        the whole page alone (also 120 of 120); at 75 dpi the whole page was right 0 of 8."""
        probe()
        height, width = image.shape
        dy, dx = int(height * 0.3), int(width * 0.3)
        centre = self._osd(image[dy : height - dy, dx : width - dx], cfg)
        if isinstance(centre, Orientation) and centre.confidence >= 2.0:
            return centre.model_copy(update={"method": "tesseract osd, centre of the page"})
        whole = self._osd(image, cfg)
        if isinstance(whole, Orientation):
            return whole
        return Orientation(rotate_cw=0, confidence=0.0, method="tesseract osd",
                           note=f"orientation not detected: {whole[:80]}")

    def _osd(self, image: np.ndarray, cfg: OcrConfig) -> Orientation | str:
        """One orientation detection at 105 dpi; the reason as a string when there was too
        little text to tell."""
        small = cv2.resize(image, None, fx=0.35, fy=0.35, interpolation=cv2.INTER_AREA)
        try:
            osd = pytesseract.image_to_osd(small, config="--psm 0 --dpi 105", timeout=cfg.timeout_s,
                                           output_type=pytesseract.Output.DICT)
        except pytesseract.TesseractError as exc:  # too little text to tell
            return str(exc).strip()
        except RuntimeError as exc:
            raise EngineError(f"Tesseract orientation detection failed or timed out: {exc}") from exc
        return Orientation(rotate_cw=int(osd["rotate"]) % 360, confidence=round(float(osd["orientation_conf"]), 2),
                           method="tesseract osd")

    def _run(self, image: np.ndarray, model: str, psm: int, cfg: OcrConfig) -> Reading:
        version = probe()
        api = _loaded_model(model)
        api.SetPageSegMode(psm)
        pixels = _grey_bytes(image)
        height, width = image.shape[:2]
        api.SetImageBytes(pixels, width, height, 1, width)
        api.SetSourceResolution(300)
        if not api.Recognize(timeout=cfg.timeout_s * 1000):
            raise EngineError(f"Tesseract ({model}) failed or timed out after {cfg.timeout_s}s")
        hocr = _HOCR_DOCUMENT.format(page=api.GetHOCRText(0)).encode()
        api.Clear()
        lines = parse_hocr(hocr, vertical=model.endswith("_vert"))
        return Reading(lines=lines, engine=f"tesseract {version} {model} psm {psm}")


# The library's hOCR is the page's div alone; the parser wants the document around it.
_HOCR_DOCUMENT = '<html xmlns="http://www.w3.org/1999/xhtml"><body>{page}</body></html>'
_models_of_this_thread = threading.local()


def _loaded_model(model: str) -> tesserocr.PyTessBaseAPI:
    """The model, loaded once per thread (one tesserocr API must not be shared by threads; it lets
    go of the GIL while it reads, so threads read side by side)."""
    loaded = _models_of_this_thread.__dict__.setdefault("apis", {})
    if model not in loaded:
        folder = tessdata()
        try:
            loaded[model] = tesserocr.PyTessBaseAPI(path=f"{folder}/" if folder else "", lang=model,
                                                    variables={"hocr_char_boxes": "1"})
        except RuntimeError as exc:
            raise MissingTool(f"Tesseract could not load the {model} model from {folder}: {exc}") from exc
    return loaded[model]


def _grey_bytes(image: np.ndarray) -> bytes:
    """One byte a pixel, rows packed, as the library takes them."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(image, dtype=np.uint8).tobytes()
