"""An engine that replays recorded readings: for unit tests of what is done with engine output."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cableocr.config import OcrConfig
from cableocr.engines import EngineIdentity, Reading, ReadsOnly, RecognizedLine, Region
from cableocr.models import Box, Char, WritingMode


@dataclass
class FakeEngine(ReadsOnly):
    """Replays one recorded reading per writing direction, whatever image it is handed, and
    keeps the calls it was given. misses: what it claims to leave out in each direction."""

    readings: dict[WritingMode, Reading]
    name: str = "fake"
    missing: dict[WritingMode, frozenset[str]] = field(default_factory=dict)
    calls: list[tuple[str, WritingMode, tuple[int, ...]]] = field(default_factory=list)

    def probe(self) -> EngineIdentity:
        return EngineIdentity(name=self.name, version="recorded", models={})

    def recognize(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        self.calls.append(("recognize", mode, image.shape))
        return self.readings[mode]

    def recognize_line(self, image: np.ndarray, mode: WritingMode, cfg: OcrConfig) -> Reading:
        self.calls.append(("recognize_line", mode, image.shape))
        return self.readings[mode]

    def recognize_regions(self, image: np.ndarray, regions: list[Region], cfg: OcrConfig) -> list[RecognizedLine | None]:
        """For each region, the recorded lines of its direction lying mostly inside it, as one."""
        self.calls.append(("recognize_regions", regions[0].mode if regions else "horizontal", image.shape))
        read: list[RecognizedLine | None] = []
        for region in regions:
            inside = [ln for ln in self.readings[region.mode].lines
                      if region.box.shared_area(ln.box) >= 0.6 * max(ln.box.area, 1)]
            chars = [c for ln in inside for c in ln.chars]
            read.append(RecognizedLine(raw=" ".join(ln.raw for ln in inside), box=region.box, chars=chars)
                        if chars else None)
        return read

    def misses(self, mode: WritingMode) -> frozenset[str]:
        return self.missing.get(mode, frozenset())


def save_reading(reading: Reading, path: Path) -> None:
    """A reading as JSON, to be replayed (load_reading)."""
    lines = [{**{k: v for k, v in vars(line).items() if k not in ("box", "chars", "set_aside")},
              "box": line.box.model_dump(), "chars": [c.model_dump() for c in line.chars],
              "set_aside": [c.model_dump() for c in line.set_aside]} for line in reading.lines]
    path.write_text(json.dumps({"engine": reading.engine, "lines": lines}, ensure_ascii=False), encoding="utf-8")


def load_reading(path: Path) -> Reading:
    data = json.loads(path.read_text(encoding="utf-8"))
    lines = []
    for line in data["lines"]:
        chars = [_char(c) for c in line["chars"]]
        lines.append(RecognizedLine(**{**line, "box": Box(**line["box"]), "chars": chars,
                                       "read_by": tuple(line.get("read_by", ())),
                                       "set_aside": tuple(_char(c) for c in line.get("set_aside", ()))}))
    return Reading(lines=lines, engine=data["engine"])


def _char(recorded: dict) -> Char:
    return Char(text=recorded["text"], box=Box(**recorded["box"]), confidence=recorded["confidence"])
