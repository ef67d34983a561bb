"""PP-OCRv6 (small detection and recognition models) through rapidocr and onnxruntime.

The models are the ones the rapidocr wheel ships (Apache-2.0); nothing is fetched at run time.
Settings measured on the seed cables (design/ocr-notes.md): the angle classifier is off (it
turns vertical columns upside down into junk), and onnxruntime runs one thread per call, as
the pages are spread over the cores. The session is made once per worker thread and reused.

Characters: the recogniser is a CTC model. Each character's confidence is the probability the
model gave it at the time step where it was emitted (rapidocr's per-character scores, not the
line's mean), and its box is where that time step falls along the detected line box (rapidocr's
word boxes, one per character): a box from the model's alignment, not from the ink.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cableocr.config import OcrConfig
from cableocr.engines import (
    EngineIdentity,
    Reading,
    ReadsOnly,
    RecognizedLine,
    Region,
    file_sha256,
    pad_region,
)
from cableocr.errors import EngineError, MissingTool
from cableocr.models import Box, Char, WritingMode

PACKAGES = ("rapidocr", "onnxruntime")
MODEL_FILES = ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx")
PARAMS: dict[str, Any] = {
    "Global.use_cls": False,
    "Global.log_level": "error",
    # Detection on the page scaled to at most 1600 px a side: on the seed pages (raw, both
    # layouts, three levels) it read as at rapidocr's 2000 (CER within ±0.4 points a page) in
    # 2.4 s against 4.0 s; at 1400, some pages read a point worse.
    "Global.max_side_len": 1600,
    # Each detected line recognised alone, not six at a time: in a batch every line is padded to
    # the widest one's length and the padding is computed too. On 35 pages of held-out text (7
    # typefaces, 150-600 dpi, 1-bit, PDF, effects; both layouts) PP-OCR alone read in 80.6 s
    # against 100.4 s, and the whole page stage's mean CER was 2.16% against 2.14%.
    "Rec.rec_batch_num": 1,
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}
# Measured on the vertical seed pages (design/ocr-notes.md): PP-OCR leaves out almost exactly
# the characters whose glyph is turned or moved in vertical writing; and, seen on eval seed 29's
# vertical pages, the colon after 別電1 and the full stop of the notice's 1. (set upright in a
# cell of their own; a lone full stop is kept only after a paragraph's number: combine._lone).
MISSES: dict[WritingMode, frozenset[str]] = {
    "vertical": frozenset("、。（）()ー:：.．"),
    "horizontal": frozenset(),
}
_sessions = threading.local()
log = logging.getLogger(__name__)


def _models_folder() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


@cache
def probe() -> EngineIdentity:
    """rapidocr's identity, once: its version and onnxruntime's, and the hashes of the model
    files the wheel ships. Raises MissingTool naming the package when a piece is missing."""
    for package in PACKAGES:
        try:
            metadata.version(package)
        except metadata.PackageNotFoundError as exc:
            raise MissingTool(f"the second OCR engine needs the Python package {package}: "
                              f"pip install {package} (make deps does)") from exc
    folder = _models_folder()
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise MissingTool(f"rapidocr lacks its model files {', '.join(missing)} in {folder}: "
                          "reinstall rapidocr (pip install --force-reinstall rapidocr)")
    version = f"{metadata.version('rapidocr')} onnxruntime {metadata.version('onnxruntime')} PP-OCRv6 small"
    return EngineIdentity(name="rapidocr", version=version,
                          models={name: file_sha256(folder / name) for name in MODEL_FILES})


def _session():
    """This thread's rapidocr session: made once, then reused for every page and line."""
    if not hasattr(_sessions, "ocr"):
        probe()
        from rapidocr import RapidOCR

        _sessions.ocr = RapidOCR(params=PARAMS)
    return _sessions.ocr


def _char_boxes(chars: list[tuple[str, float, list]], line_box: Box) -> list[Char]:
    found = []
    for text, score, quad in chars:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        box = Box(x0=int(min(xs)), y0=int(min(ys)), x1=int(np.ceil(max(xs))), y1=int(np.ceil(max(ys))))
        found.append(Char(text=text, box=box if box.area else line_box, confidence=round(float(score), 4)))
    return found


def _split_evenly(text: str, box: Box, score: float, vertical: bool) -> list[Char]:
    """Where the engine gave no box per character: the line's box cut in equal parts, each
    character at the line's score."""
    boxes = box.split(max(len(text), 1), vertical)
    return [Char(text=t, box=b, confidence=round(score, 4)) for t, b in zip(text, boxes, strict=False)]


def _direction(box: Box, page_mode: WritingMode) -> WritingMode:
    """A box 1.5 times as tall as wide is a column (rapidocr turns such boxes to read them), 1.5
    times as wide as tall a row; a squarer one (a character or two) goes the page's way."""
    width, height = box.x1 - box.x0, box.y1 - box.y0
    if height >= 1.5 * width:
        return "vertical"
    return "horizontal" if width >= 1.5 * height else page_mode


def _line(text: str, score: float, quad: np.ndarray, words: Any, page_mode: WritingMode) -> RecognizedLine | None:
    text = text.strip()
    if not text:
        return None
    xs, ys = quad[:, 0], quad[:, 1]
    box = Box(x0=int(xs.min()), y0=int(ys.min()), x1=int(np.ceil(xs.max())), y1=int(np.ceil(ys.max())))
    mode = _direction(box, page_mode)
    chars = [c for c in _char_boxes(list(words or []), box) if c.text.strip()]
    if "".join(c.text for c in chars) != text.replace(" ", ""):
        chars = [c for c in _split_evenly(text, box, score, mode == "vertical") if c.text.strip()]
    # A line in the page's direction carries no direction of its own (RecognizedLine's rule).
    return RecognizedLine(raw=text, box=box, chars=chars, writing_mode=None if mode == page_mode else mode)


def _readable_box(box: Box, mode: WritingMode, shape: tuple[int, ...]) -> Box:
    """The box as rapidocr tells a row from a column (a box 1.5 times as tall as wide is a
    column): a row's box too tall for it (a character or two) widened to be read as a row, a
    column's too short for it left as it is (one character reads the same either way)."""
    width, height = box.x1 - box.x0, box.y1 - box.y0
    if mode == "horizontal" and height >= 1.5 * width:
        grow = (int(height / 1.4) - width + 1) // 2 + 1
        return box.model_copy(update={"x0": max(box.x0 - grow, 0), "x1": min(box.x1 + grow, shape[1])})
    return box


def _quad(box: Box) -> list[list[float]]:
    return [[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]]


def _crop(colour: np.ndarray, box: Box) -> np.ndarray:
    crop = colour[box.y0 : box.y1, box.x0 : box.x1]
    return np.ascontiguousarray(np.rot90(crop)) if crop.size and crop.shape[0] >= 1.5 * crop.shape[1] else crop


class RapidOcrEngine(ReadsOnly):
    name = "rapidocr"

    def probe(self) -> EngineIdentity:
        return probe()

    def recognize(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        """The page (or block): PP-OCR finds its lines and reads each. Lines as tall as 1.5
        times their width are columns (rapidocr turns them to read them); the rest are rows."""
        colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        try:
            result = _session()(colour, return_word_box=True, return_single_char_box=True)
        except MissingTool:
            raise
        except Exception as exc:  # onnxruntime and rapidocr raise their own types
            raise EngineError(f"rapidocr failed: {type(exc).__name__}: {exc}") from exc
        lines = []
        if getattr(result, "txts", None):
            words = result.word_results or [None] * len(result.txts)
            for text, score, quad, chars in zip(result.txts, result.scores, result.boxes, words, strict=False):
                if (line := _line(text, float(score), np.asarray(quad), chars, mode)) is not None:
                    lines.append(line)
        return Reading(lines=lines, engine=f"rapidocr {probe().version}")

    def recognize_line(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        return self.recognize(image, mode, cfg)

    def recognize_regions(self, image: np.ndarray, regions: list[Region], cfg: OcrConfig) -> list[RecognizedLine | None]:
        """Each region read by the recogniser alone, without PP-OCR's own detection (its costliest
        step), in batches as rapidocr reads its detected lines: the region padded as PP-OCR pads
        what it detects, a column turned to lie as a row (as rapidocr turns a box 1.5 times as
        tall as wide), the characters put back on the page by rapidocr's own mapping."""
        colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        boxes = [_readable_box(pad_region(r.box, r.mode, cfg.region_padding, image.shape), r.mode, image.shape)
                 for r in regions]
        crops = [_crop(colour, box) for box in boxes]
        wanted = [i for i, crop in enumerate(crops) if crop.size]
        if not wanted:
            return [None] * len(regions)
        session = _session()
        try:
            from rapidocr.ch_ppocr_rec import TextRecInput

            # The recogniser alone (rapidocr 3.10 loads it on first use; its __call__ always detects).
            recogniser = session._load_rec_model()
            rec = recogniser(TextRecInput(img=[crops[i] for i in wanted], return_word_box=True))
            quads = np.array([_quad(boxes[i]) for i in wanted], dtype=np.float32)
            rec = session.cal_rec_boxes([crops[i] for i in wanted], quads, rec, True)
        except Exception as exc:  # onnxruntime and rapidocr raise their own types
            raise EngineError(f"rapidocr failed: {type(exc).__name__}: {exc}") from exc
        read: list[RecognizedLine | None] = [None] * len(regions)
        for i, text, score, words in zip(wanted, rec.txts, rec.scores, rec.word_results, strict=True):
            line = _line(text, float(score), np.array(_quad(boxes[i])), words, regions[i].mode)
            read[i] = replace(line, box=regions[i].box, writing_mode=None) if line else None
        return read

    def misses(self, mode: WritingMode) -> frozenset[str]:
        return MISSES[mode]

