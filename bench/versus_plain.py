"""Benchmark: cableocr against plain Tesseract on the same generated pages, in one run.

Plain Tesseract is what an archivist would run without cableocr: `tesseract PAGE - -l jpn`
(`-l jpn_vert` on vertical pages), default page segmentation, no cleanup. cableocr is the whole
page stage (orientation, deskew, flattening, binarisation, despeckle, layout, OCR, re-reads),
uncached, timed stage by stage. Both are compared with the generator's text of the page (NFKC,
white space removed; the masked stamp and the redacted text are not in it). One page at a time,
so the seconds are comparable.

Printed per layout and degradation level: pages, plain and cableocr CER (the mean of the pages'
CERs, and pooled: all edits over all characters), their ratio, seconds per page of each; then the
share of lines read in the direction they were drawn in, redaction boxes found, and the time of
cleanup and layout against the time of OCR (the orientation check is Tesseract's, and is shown
both ways: counted as cleanup, and apart). With --turned, each page is also laid at 90, 180 and
270 degrees and read, and the pages stood upright are counted.

Usage: python bench/versus_plain.py [--per-group N] [--work DIR] [--cables N] [--turned]
(DIR: a folder written by `cableocr eval --work DIR`, or one this writes with --cables N;
default output/eval)
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean

import cv2
from rapidfuzz.distance import Levenshtein

from cableocr.config import Settings
from cableocr.engines import get_engine
from cableocr.evaluate import STAMP_WORDS, character_error_rate, score_page
from cableocr.ingest import load_page
from cableocr.pipeline import ingest_one, page_store, read_page_image
from cableocr.synth import load_truth, write_eval_batch
from cableocr.text import comparison_form

TARGETS = {"clean": 0.005, "medium": 0.02, "poor": 0.05}
STAGES = ("orientation", "cleanup and layout", "ocr")


def plain_tesseract(path: Path, vertical: bool) -> str:
    model = "jpn_vert" if vertical else "jpn"
    done = subprocess.run(["tesseract", str(path), "-", "-l", model], capture_output=True, text=True,
                          check=True, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    return done.stdout


@dataclass
class Group:
    plain_cer: list[float] = field(default_factory=list)
    ours_cer: list[float] = field(default_factory=list)
    plain_edits: int = 0
    ours_edits: int = 0
    chars: int = 0
    plain_s: list[float] = field(default_factory=list)
    ours_s: list[float] = field(default_factory=list)
    lines: int = 0
    right_direction: int = 0
    redactions: int = 0
    redactions_found: int = 0
    stage_s: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))


class TimedEngine:
    """The engine, with the seconds spent in its orientation check and in its readings."""

    def __init__(self, engine):
        self.engine, self.name = engine, engine.name
        self.seconds = {"orientation": 0.0, "ocr": 0.0}

    def _timed(self, stage: str, method: str, *args, **kwargs):
        started = time.perf_counter()
        try:
            return getattr(self.engine, method)(*args, **kwargs)
        finally:
            self.seconds[stage] += time.perf_counter() - started

    def detect_orientation(self, *args):
        return self._timed("orientation", "detect_orientation", *args)

    def recognize(self, *args):
        return self._timed("ocr", "recognize", *args)

    def recognize_line(self, *args):
        return self._timed("ocr", "recognize_line", *args)

    def recognize_line_other_ways(self, *args):
        return self._timed("ocr", "recognize_line_other_ways", *args)

    def recognize_with_other_models(self, *args, **kwargs):
        return self._timed("ocr", "recognize_with_other_models", *args, **kwargs)


def timed_page(path: Path, settings: Settings):
    """The page through cableocr's page stage, uncached: (page, {stage: seconds}). OCR is the
    time inside the engine's readings, orientation its orientation check (run only where the
    page read as it lies is doubtful), and cleanup and layout the rest of the page stage (so it
    also holds the OCR stage's own parsing: counted against cleanup, not for it)."""
    with tempfile.TemporaryDirectory() as out:
        source = ingest_one(path, path.parent, Path(out), settings).pages[0]
        image = load_page(source, page_store(Path(out)))
        engine = TimedEngine(get_engine(settings.ocr.engine))
        started = time.perf_counter()
        page = read_page_image(source, image, settings, engine)
        total = time.perf_counter() - started
    return page, {**engine.seconds, "cleanup and layout": total - sum(engine.seconds.values())}


def measure(truth, index: int, batch: Path, settings: Settings, group: Group) -> None:
    drawn = truth.pages[index]
    expected = "".join(ln.text for ln in drawn.lines if not any(w in ln.text for w in STAMP_WORDS))
    path = batch / drawn.file
    started = time.perf_counter()
    plain = plain_tesseract(path, truth.layout == "vertical")
    group.plain_s.append(time.perf_counter() - started)
    page, times = timed_page(path, settings)
    group.ours_s.append(sum(times.values()))
    for stage, seconds in times.items():
        group.stage_s[stage] += seconds
    read = "".join(ln.text for ln in page.lines if ln.role != "noise")
    group.plain_cer.append(character_error_rate(expected, plain))
    group.ours_cer.append(character_error_rate(expected, read))
    reference = comparison_form(expected)
    group.chars += len(reference)
    group.plain_edits += Levenshtein.distance(reference, comparison_form(plain))
    group.ours_edits += Levenshtein.distance(reference, comparison_form(read))
    outcome = score_page(truth, index, page)
    group.lines += outcome.lines
    group.right_direction += outcome.right_direction
    group.redactions += outcome.redactions
    group.redactions_found += outcome.redactions_found


# The clockwise turn that stands a page upright -> how to lay the upright page down that way.
LAID_DOWN = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def turned_right(path: Path, settings: Settings) -> tuple[int, int]:
    """The page laid at 90, 180 and 270 degrees, each read: (pages stood upright, pages)."""
    upright = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    right = 0
    with tempfile.TemporaryDirectory() as folder:
        for turn, lay in LAID_DOWN.items():
            laid = Path(folder) / f"{path.stem}-{turn}.png"
            cv2.imwrite(str(laid), cv2.rotate(upright, lay))
            page, _ = timed_page(laid, settings)
            step = next(s for s in page.steps if s.name == "orientation")
            right += step.params["rotated_cw"] == turn
    return right, len(LAID_DOWN)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("output/eval"))
    parser.add_argument("--per-group", type=int, default=4, help="pages per layout and level")
    parser.add_argument("--cables", type=int, default=0, help="generate this many eval cables first (seeds first)")
    parser.add_argument("--turned", action="store_true", help="also read each page laid at 90/180/270 degrees")
    args = parser.parse_args()
    batch = args.work / "batch"
    if args.cables:
        write_eval_batch(batch, args.cables)
    truths = [load_truth(p) for p in sorted((batch / "truth").glob("*.truth.json"))]
    chosen: dict[tuple[str, str], list] = {}
    for truth in truths:
        for index in range(len(truth.pages)):
            pages = chosen.setdefault((truth.layout, truth.level), [])
            if len(pages) < args.per_group:
                pages.append((truth, index))
    settings = Settings()
    groups: dict[tuple[str, str], Group] = {}
    for key, pages in sorted(chosen.items()):
        groups[key] = Group()
        for truth, index in pages:
            measure(truth, index, batch, settings, groups[key])
    report(groups)
    if args.turned:
        counts = [turned_right(batch / truth.pages[index].file, settings)
                  for pages in chosen.values() for truth, index in pages]
        print(f"pages laid at 90/180/270 degrees and stood upright: {sum(r for r, _ in counts)}/{sum(n for _, n in counts)}")


def report(groups: dict[tuple[str, str], Group]) -> None:
    print("| layout, level | pages | plain CER (mean / pooled) | cableocr CER (mean / pooled) | target | ratio (mean) "
          "| plain s/page | cableocr s/page |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (layout, level), g in groups.items():
        plain, ours = mean(g.plain_cer), mean(g.ours_cer)
        ratio = f"{ours / plain:.2f}" if plain else "-"
        print(f"| {layout} {level} | {len(g.ours_cer)} | {plain:.2%} / {g.plain_edits / g.chars:.2%} "
              f"| {ours:.2%} / {g.ours_edits / g.chars:.2%} | ≤ {TARGETS[level]:.1%} | {ratio} "
              f"| {mean(g.plain_s):.1f} | {mean(g.ours_s):.1f} |")
    lines = sum(g.lines for g in groups.values())
    right = sum(g.right_direction for g in groups.values())
    redactions = sum(g.redactions for g in groups.values())
    found = sum(g.redactions_found for g in groups.values())
    print(f"\nlines read in the direction they were drawn in: {right}/{lines}; redaction boxes found: {found}/{redactions}")
    stage = {k: sum(g.stage_s[k] for g in groups.values()) for k in STAGES}
    pages = sum(len(g.ours_cer) for g in groups.values())
    print("seconds per page: " + ", ".join(f"{k} {v / pages:.2f}" for k, v in stage.items()))
    print(f"cleanup and layout / OCR: {stage['cleanup and layout'] / stage['ocr']:.1%} without the orientation "
          f"check, {(stage['orientation'] + stage['cleanup and layout']) / stage['ocr']:.1%} with it (target ≤ 25%)")


if __name__ == "__main__":
    main()
