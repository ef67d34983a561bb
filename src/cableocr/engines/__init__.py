"""OCR engines behind one small interface; a dict of them is enough."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from cableocr.config import OcrConfig
from cableocr.models import Box, Char, Orientation, WritingMode


@dataclass(frozen=True)
class RecognizedLine:
    """One line (or vertical column) as the engine gave it, in the pixels it was handed."""

    raw: str
    box: Box
    chars: list[Char] = field(default_factory=list)
    writing_mode: WritingMode | None = None  # None: the page's; set on a block read the other way
    second_reading: str | None = None  # the line's other reading (raw), where it was read twice


@dataclass(frozen=True)
class Reading:
    lines: list[RecognizedLine]
    engine: str  # name and model, e.g. "tesseract 5.3.0 jpn_vert psm 5"

    @property
    def mean_confidence(self) -> float:
        confs = [c.confidence for ln in self.lines for c in ln.chars if c.confidence is not None]
        return sum(confs) / len(confs) if confs else 0.0


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        """Read a whole page (or block) in the given writing direction."""
        ...

    def recognize_line(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        """Read an image holding a single line (or vertical column)."""
        ...

    def recognize_line_other_ways(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> list[Reading]:
        """Read a single line once per other line segmentation the engine has (besides
        recognize_line's): readings of the line to keep the surest of."""
        ...

    def recognize_with_other_models(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig,
                                    line: bool = False) -> list[Reading]:
        """Read the page (or, with line, the single line) once per other model the engine has
        for the direction, besides recognize's: readings for ocr to combine with its own."""
        ...

    def detect_orientation(self, image: np.ndarray, cfg: OcrConfig) -> Orientation:
        """Whether the page lies sideways or upside down."""
        ...


def get_engine(name: str) -> OcrEngine:
    from cableocr.engines.tesseract import TesseractEngine

    engines: dict[str, type] = {"tesseract": TesseractEngine}
    if name not in engines:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(engines)}")
    return engines[name]()
