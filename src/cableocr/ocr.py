"""Cleaned page -> lines and characters with boxes and confidences, in source-page pixels."""

from __future__ import annotations

import logging

from cableocr.cleanup import Cleaned
from cableocr.config import OcrConfig
from cableocr.engines import OcrEngine, Reading, RecognizedLine
from cableocr.layout import PageLayout
from cableocr.models import Char, Line, Page, PageSource, Step, WritingMode
from cableocr.text import normalize, remove_engine_spaces

log = logging.getLogger(__name__)


def _to_line(line: RecognizedLine, number: int, mode: WritingMode, cleaned: Cleaned) -> Line:
    chars = [
        Char(text=c.text, box=cleaned.box_to_source(c.box), confidence=c.confidence)
        for c in line.chars
    ]
    confs = [c.confidence for c in chars if c.confidence is not None]
    return Line(
        id=f"l{number}",
        text=remove_engine_spaces(line.raw),
        raw=line.raw,
        normalized=normalize(line.raw),
        box=cleaned.box_to_source(line.box),
        confidence=round(sum(confs) / len(confs), 4) if confs else None,
        writing_mode=mode,
        chars=chars,
    )


def _read(layout: PageLayout, engine: OcrEngine, cfg: OcrConfig) -> tuple[WritingMode, Reading, Step]:
    """Read in the layout's direction; where it is undecided, read both ways and keep the
    reading with the higher mean character confidence, recording both scores."""
    if layout.writing_mode is not None:
        reading = engine.recognize(layout.ocr_image, layout.writing_mode, cfg)
        return layout.writing_mode, reading, Step(name="ocr", params={"engine": reading.engine})
    readings = {m: engine.recognize(layout.ocr_image, m, cfg) for m in ("horizontal", "vertical")}
    mode: WritingMode = max(readings, key=lambda m: readings[m].mean_confidence)
    step = Step(
        name="ocr",
        params={
            "engine": readings[mode].engine,
            "direction_chosen_by": "higher mean confidence of both readings",
            "horizontal_confidence": round(readings["horizontal"].mean_confidence, 4),
            "vertical_confidence": round(readings["vertical"].mean_confidence, 4),
        },
    )
    return mode, readings[mode], step


def read_page(source: PageSource, cleaned: Cleaned, layout: PageLayout, engine: OcrEngine,
              cfg: OcrConfig, size: tuple[int, int]) -> Page:
    """OCR one cleaned page. size is the ingested page's (width, height)."""
    mode, reading, ocr_step = _read(layout, engine, cfg)
    lines = [_to_line(ln, i, mode, cleaned) for i, ln in enumerate(reading.lines)]
    issues = [] if lines else ["no text found on the page"]
    return Page(
        source=source,
        width=size[0],
        height=size[1],
        writing_mode=mode,
        engine=reading.engine,
        steps=[*cleaned.steps, *layout.steps, ocr_step],
        lines=lines,
        redactions=layout.redactions,
        stamps=layout.stamps,
        issues=issues,
    )
