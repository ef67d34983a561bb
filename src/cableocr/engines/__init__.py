"""OCR engines behind one small interface, registered in one place (ENGINES)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from cableocr.config import OcrConfig
from cableocr.files import sha256_of
from cableocr.models import Box, Char, Orientation, WritingMode


@dataclass(frozen=True)
class RecognizedLine:
    """One line (or vertical column) as the engine gave it, in the pixels it was handed."""

    raw: str
    box: Box
    chars: list[Char] = field(default_factory=list)
    writing_mode: WritingMode | None = None  # None: the page's; set on a block read the other way
    second_reading: str | None = None  # the line's other reading (raw), where it was read twice
    read_by: tuple[str, ...] = ()  # the engines whose readings made it, where more than one read the page
    chars_agreed: int | None = None  # characters the engines read alike, where two read it
    # Characters one of the engine's models read and another did not, too unsure to keep on one
    # model's word: left out of chars, and kept aside for a second engine to confirm.
    set_aside: tuple[Char, ...] = ()


@dataclass(frozen=True)
class Reading:
    lines: list[RecognizedLine]
    engine: str  # name and model, e.g. "tesseract 5.3.0 jpn_vert psm 5"

    @property
    def mean_confidence(self) -> float:
        confs = [c.confidence for ln in self.lines for c in ln.chars if c.confidence is not None]
        return sum(confs) / len(confs) if confs else 0.0


@dataclass(frozen=True)
class EngineIdentity:
    """What a reading came from, for the provenance: the engine, its version, and each model
    file with its SHA-256."""

    name: str
    version: str
    models: dict[str, str]  # model file name -> sha256

    def describe(self) -> str:
        return f"{self.name} {self.version}"


@cache
def file_sha256(path: Path) -> str:
    """A model file's hash, once per process (model files do not change under a run)."""
    return sha256_of(path)


class OcrEngine(Protocol):
    """An engine takes a page, block or line image and the writing direction, and returns lines
    with characters, boxes (in the pixels it was handed) and confidences (0..1)."""

    name: str

    def probe(self) -> EngineIdentity:
        """The engine's identity, checked once; raises MissingTool naming the remedy when a
        piece of its installation is missing."""
        ...

    def recognize(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        """Read a whole page (or block) in the given writing direction."""
        ...

    def recognize_line(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        """Read an image holding a single line (or vertical column)."""
        ...

    def recognize_regions(self, image: np.ndarray, regions: list[Region], cfg: OcrConfig) -> list[RecognizedLine | None]:
        """Read each region of the image as one line (or column) in its direction, where
        another reader found the lines: one reading per region, in the image's pixels (None
        where nothing was read)."""
        ...

    # What an engine has beyond reading (an engine without it returns [] or a None orientation).
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
        """Whether the page lies sideways or upside down (confidence 0 where it cannot tell)."""
        ...

    def misses(self, mode: WritingMode) -> frozenset[str]:
        """Characters the engine is known to leave out in this direction (measured), so that
        another engine's reading of them is not outvoted by their absence."""
        ...


@dataclass(frozen=True)
class Region:
    """Where a line (or column) lies on an image, and which way it reads."""

    box: Box
    mode: WritingMode


def pad_region(box: Box, mode: WritingMode, share: float, shape: tuple[int, ...]) -> Box:
    """The box grown by `share` of its size across the line on every side (a line's size across
    it is about one character), kept inside the image."""
    across = (box.y1 - box.y0) if mode == "horizontal" else (box.x1 - box.x0)
    pad = int(round(share * across))
    return Box(x0=max(box.x0 - pad, 0), y0=max(box.y0 - pad, 0),
               x1=min(box.x1 + pad, shape[1]), y1=min(box.y1 + pad, shape[0]))


def regions_one_by_one(engine: OcrEngine, image: np.ndarray, regions: list[Region],
                       cfg: OcrConfig) -> list[RecognizedLine | None]:
    """recognize_regions for an engine that reads a line at a time: each region cropped (with
    the padding a line re-read has) and read alone, its characters put back in the image's pixels."""
    read: list[RecognizedLine | None] = []
    for region in regions:
        box = pad_region(region.box, region.mode, cfg.region_padding, image.shape)
        lines = engine.recognize_line(image[box.y0 : box.y1, box.x0 : box.x1], region.mode, cfg).lines
        chars = [c.model_copy(update={"box": c.box.shifted(box.x0, box.y0)}) for ln in lines for c in ln.chars
                 if c.text.strip()]
        read.append(RecognizedLine(raw=" ".join(ln.raw for ln in lines), box=region.box, chars=chars) if chars
                    else None)
    return read


class ReadsOnly:
    """For an engine that only reads: it has no other line segmentations, no other models and no
    orientation detector (the extras of the protocol that only Tesseract has)."""

    name: str

    def recognize_line_other_ways(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> list[Reading]:
        return []

    def recognize_with_other_models(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig,
                                    line: bool = False) -> list[Reading]:
        return []

    def detect_orientation(self, image: np.ndarray, cfg: OcrConfig) -> Orientation:
        return Orientation(method=self.name, note=f"{self.name} does not detect orientation")


def _tesseract() -> OcrEngine:
    from cableocr.engines.tesseract import TesseractEngine

    return TesseractEngine()


def _rapidocr() -> OcrEngine:
    from cableocr.engines.rapid import RapidOcrEngine

    return RapidOcrEngine()


# Every engine, by the name settings use. Adding an engine is writing its class and a line here.
ENGINES: dict[str, Callable[[], OcrEngine]] = {"tesseract": _tesseract, "rapidocr": _rapidocr}


def get_engine(name: str) -> OcrEngine:
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(ENGINES)}")
    return ENGINES[name]()
