"""Cleaned page -> lines and characters with boxes and confidences, in source-page pixels."""

from __future__ import annotations

import numpy as np

from cableocr.cleanup import Cleaned
from cableocr.config import OcrConfig
from cableocr.engines import OcrEngine, Reading, RecognizedLine
from cableocr.layout import PageLayout
from cableocr.models import Box, Char, Line, Page, PageSource, Step, WritingMode
from cableocr.text import normalize, remove_engine_spaces

BLANK_PAGE = "blank page: no text found, not read"


def _shift(line: RecognizedLine, dx: int, dy: int) -> list[Char]:
    return [
        c.model_copy(update={"box": Box(x0=c.box.x0 + dx, y0=c.box.y0 + dy, x1=c.box.x1 + dx, y1=c.box.y1 + dy)})
        for c in line.chars
    ]


def _mean(chars: list[Char]) -> float:
    confs = [c.confidence for c in chars if c.confidence is not None]
    return sum(confs) / len(confs) if confs else 0.0


def reread_weak_lines(reading: Reading, image: np.ndarray, mode: WritingMode, engine: OcrEngine,
                      cfg: OcrConfig) -> tuple[Reading, Step]:
    """Read again, on its own, every line with a doubtful character, and keep the reading the
    engine is surer of. Alone on its crop a line is read without its neighbours' noise (measured
    on the sample: 首/間, 継承/継基, 問題/間題 set right). A re-reading that is not one line of
    about the same length (characters lost, or a line read twice) is not taken, whatever its
    score."""
    lines, weak, replaced = [], 0, 0
    pad = cfg.reread_padding_px
    for line in reading.lines:
        confs = [c.confidence for c in line.chars if c.confidence is not None]
        if not confs or min(confs) >= cfg.reread_below or weak >= cfg.reread_max_lines:
            lines.append(line)
            continue
        weak += 1
        x0, y0 = max(line.box.x0 - pad, 0), max(line.box.y0 - pad, 0)
        crop = image[y0 : line.box.y1 + pad, x0 : line.box.x1 + pad]
        again = engine.recognize_line(crop, mode, cfg)
        if len(again.lines) != 1:  # a crop read as several lines is not a reading of this one
            lines.append(line)
            continue
        chars = _shift(again.lines[0], x0, y0)
        same_length = abs(len(chars) - len(line.chars)) <= max(1, len(line.chars) // 10)
        if same_length and _mean(chars) > _mean(line.chars):
            lines.append(RecognizedLine(raw=again.lines[0].raw, box=line.box, chars=chars))
            replaced += 1
        else:
            lines.append(line)
    step = Step(name="reread_weak_lines", params={
        "below_confidence": cfg.reread_below, "lines_reread": weak, "readings_replaced": replaced,
    })
    return Reading(lines=lines, engine=reading.engine), step


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
    if layout.blank:
        return Page(source=source, width=size[0], height=size[1], writing_mode="horizontal", engine="none",
                    steps=[*cleaned.steps, *layout.steps], issues=[BLANK_PAGE])
    mode, reading, ocr_step = _read(layout, engine, cfg)
    reading, reread_step = reread_weak_lines(reading, layout.ocr_image, mode, engine, cfg)
    lines = [_to_line(ln, i, mode, cleaned) for i, ln in enumerate(reading.lines)]
    issues = [] if lines else ["no text found on the page"]
    return Page(
        source=source,
        width=size[0],
        height=size[1],
        writing_mode=mode,
        engine=reading.engine,
        steps=[*cleaned.steps, *layout.steps, ocr_step, reread_step],
        lines=lines,
        redactions=layout.redactions,
        stamps=layout.stamps,
        issues=issues,
    )
