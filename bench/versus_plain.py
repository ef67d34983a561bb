"""Benchmark: cableocr against the plain engines on the same generated pages, in one run.

Plain Tesseract is what an archivist would run without cableocr: `tesseract PAGE - -l jpn`
(`-l jpn_vert` on vertical pages), default page segmentation, no cleanup. Plain rapidocr is
PP-OCRv6 on the page as it is (angle classifier off, lines put in the page's reading order).
"tesseract only" is cableocr's page stage without its second engine, and cableocr the whole page
stage (working scale, orientation, deskew, flattening, binarisation, despeckle, layout, OCR by
both engines, re-reads, the combination), uncached, timed stage by stage. Each is compared with
the generator's text of the page (NFKC, white space removed; the masked stamp and the redacted
text are not in it). One page at a time, so the seconds are comparable.

Printed per group of pages, layout and degradation level: the CER of each reader (the mean of
the pages' CERs, and pooled: all edits over all characters), cableocr's ratio to plain
Tesseract, seconds per page of each; then the share of lines read in the direction they were
drawn in, redaction boxes found, and the time of cleanup and layout against the time of OCR
(the orientation check is shown both ways: counted as cleanup, and apart). With --turned, each
page is also laid at 90, 180 and 270 degrees and read, and the pages stood upright are counted.

The default pages are the seed cables' (those every setting was measured on: a figure on them
is a fit, not a proof). --conditions reads instead pages of cable text no setting was tuned on,
under every typeface, resolution, effect and delivery the generator makes, one typeface and one
effect held out of all fitting (HELD_OUT).

Usage: python bench/versus_plain.py [--per-group N] [--work DIR] [--cables N] [--turned] [--conditions [--rows 0,3]]
(DIR: a folder written by `cableocr eval --work DIR`, or one this writes with --cables N or
--conditions; default output/eval)
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
import numpy as np
from rapidfuzz.distance import Levenshtein

from cableocr.config import Settings
from cableocr.engines import get_engine
from cableocr.evaluate import STAMP_WORDS, character_error_rate, score_page
from cableocr.ingest import load_page
from cableocr.ocr import reading_order
from cableocr.pipeline import ingest_one, page_store, read_page_image
from cableocr.synth import generate, load_truth, parse_seed, seed_files, write_eval_batch
from cableocr.synth.conditions import EFFECTS, Conditions
from cableocr.synth.heldout import heldout_cable
from cableocr.synth.render import TYPEFACES
from cableocr.text import comparison_form, remove_engine_spaces

TARGETS = {"clean": 0.003, "medium": 0.007, "poor": 0.015}  # issue 16's, on every typeface, resolution and level
STAGES = ("orientation", "cleanup and layout", "ocr", "second engine")


def plain_tesseract(path: Path, vertical: bool) -> str:
    model = "jpn_vert" if vertical else "jpn"
    done = subprocess.run(["tesseract", str(path), "-", "-l", model], capture_output=True, text=True,
                          check=True, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    return done.stdout


def plain_rapidocr(path: Path, vertical: bool) -> str:
    """PP-OCRv6 on the page as it is, its lines in the page's reading order."""
    mode = "vertical" if vertical else "horizontal"
    reading = get_engine("rapidocr").recognize(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), mode, Settings().ocr)
    return "".join(remove_engine_spaces(line.raw) for line in reading_order(reading.lines, mode))


READERS = ("plain tesseract", "plain rapidocr", "tesseract only", "cableocr")


@dataclass
class Group:
    cer: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in READERS})
    edits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(READERS, 0))
    seconds: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in READERS})
    chars: int = 0
    lines: int = 0
    right_direction: int = 0
    redactions: int = 0
    redactions_found: int = 0
    stage_s: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))


class TimedEngine:
    """The engine, with the seconds spent in its orientation check and in its readings (counted
    under reading_stage)."""

    def __init__(self, engine, reading_stage: str = "ocr"):
        self.engine, self.name, self.stage = engine, engine.name, reading_stage
        self.seconds = {"orientation": 0.0, reading_stage: 0.0}

    def _timed(self, stage: str, method: str, *args, **kwargs):
        stage = self.stage if stage == "ocr" else stage
        started = time.perf_counter()
        try:
            return getattr(self.engine, method)(*args, **kwargs)
        finally:
            self.seconds[stage] += time.perf_counter() - started

    def probe(self):
        return self.engine.probe()

    def misses(self, mode):
        return self.engine.misses(mode)

    def detect_orientation(self, *args):
        return self._timed("orientation", "detect_orientation", *args)

    def recognize(self, *args):
        return self._timed("ocr", "recognize", *args)

    def recognize_line(self, *args):
        return self._timed("ocr", "recognize_line", *args)

    def recognize_regions(self, *args):
        return self._timed("ocr", "recognize_regions", *args)

    def recognize_line_other_ways(self, *args):
        return self._timed("ocr", "recognize_line_other_ways", *args)

    def recognize_with_other_models(self, *args, **kwargs):
        return self._timed("ocr", "recognize_with_other_models", *args, **kwargs)


def timed_page(path: Path, settings: Settings, second_engine: bool = True):
    """The page through cableocr's page stage, uncached: (page, {stage: seconds}). OCR is the
    time inside the first engine's readings, second engine the time inside the second's,
    orientation the orientation check (run only where the page read as it lies is doubtful),
    and cleanup and layout the rest of the page stage (so it also holds the parsing of the
    engines' output and their combination: counted against cleanup, not for it)."""
    with tempfile.TemporaryDirectory() as out:
        source = ingest_one(path, path.parent, Path(out), settings).pages[0]
        image = load_page(source, page_store(Path(out)))
        engine = TimedEngine(get_engine(settings.ocr.engine))
        wanted = second_engine and settings.ocr.second_engine
        second = TimedEngine(get_engine(settings.ocr.second_engine), "second engine") if wanted else None
        started = time.perf_counter()
        page = read_page_image(source, image, settings, engine, second)
        total = time.perf_counter() - started
    seconds = {**engine.seconds, **(second.seconds if second else {})}
    return page, {**seconds, "cleanup and layout": total - sum(seconds.values())}


def _score(group: Group, reader: str, expected: str, read: str, seconds: float) -> None:
    group.cer[reader].append(character_error_rate(expected, read))
    group.edits[reader] += Levenshtein.distance(comparison_form(expected), comparison_form(read))
    group.seconds[reader].append(seconds)


def _timed(read, *args) -> tuple[str, float]:
    started = time.perf_counter()
    text = read(*args)
    return text, time.perf_counter() - started


def _page_image(path: Path, index: int, folder: Path) -> Path:
    """The page as an image file the plain engines can read: a PDF's page rendered at its own
    resolution, as an archivist would with pdftoppm; an image file as it is."""
    if path.suffix.lower() != ".pdf":
        return path
    from pdf2image import convert_from_path

    rendered = folder / f"{path.stem}-{index}.png"
    convert_from_path(str(path), dpi=Settings().ingest.dpi, first_page=index + 1, last_page=index + 1,
                      grayscale=True)[0].save(rendered)
    return rendered


def measure(truth, index: int, batch: Path, settings: Settings, group: Group) -> None:
    drawn = truth.pages[index]
    expected = "".join(ln.text for ln in drawn.lines if not any(w in ln.text for w in STAMP_WORDS))
    path, vertical = batch / drawn.file, truth.layout == "vertical"
    group.chars += len(comparison_form(expected))
    with tempfile.TemporaryDirectory() as folder:
        image = _page_image(path, drawn.index, Path(folder))
        _score(group, "plain tesseract", expected, *_timed(plain_tesseract, image, vertical))
        _score(group, "plain rapidocr", expected, *_timed(plain_rapidocr, image, vertical))
    alone, alone_times = timed_page(path, settings, second_engine=False)
    _score(group, "tesseract only", expected, page_text(alone), sum(alone_times.values()))
    page, times = timed_page(path, settings)
    _score(group, "cableocr", expected, page_text(page), sum(times.values()))
    for stage, seconds in times.items():
        group.stage_s[stage] += seconds
    outcome = score_page(truth, index, page)
    group.lines += outcome.lines
    group.right_direction += outcome.right_direction
    group.redactions += outcome.redactions
    group.redactions_found += outcome.redactions_found


def page_text(page) -> str:
    return "".join(ln.text for ln in page.lines if ln.role != "noise")


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


# The conditions pages (--conditions): held-out cable text (synth.heldout) on the seeds' form,
# under each typeface, resolution, effect and delivery the generator makes. One typeface and one
# effect are held out of every fitting (HELD_OUT), so that their rows show unseen conditions.
HELD_OUT = {"typeface": "ipaex-gothic", "effect": "show_through"}
CONDITION_ROWS: list[tuple[Conditions, str, tuple[str, ...], str]] = [
    *[(Conditions(typeface=t), "png", ("horizontal", "vertical"), "medium") for t in TYPEFACES],
    *[(Conditions(dpi=d), "png", ("horizontal", "vertical"), "medium") for d in (150, 200, 400, 600)],
    *[(Conditions(dpi=d, bilevel=True), "tiff", ("horizontal", "vertical"), "clean") for d in (200, 300)],
    (Conditions(dpi=200), "pdf", ("horizontal", "vertical"), "medium"),
    *[(Conditions(effects=(e,)), "png", ("horizontal",), "medium") for e in EFFECTS],
    (Conditions(typeface="noto-sans", dpi=200, effects=EFFECTS), "pdf", ("horizontal", "vertical"), "poor"),
]


def write_conditions_batch(batch: Path, rows: list[int], random_seed: int = 7) -> None:
    """One page for each chosen row of CONDITION_ROWS and each of its layouts, with held-out text."""
    spec = parse_seed(seed_files()[-1])  # the one-page seed's form
    for i, (conditions, fmt, layouts, level) in enumerate(CONDITION_ROWS):
        for layout in layouts if i in rows else ():
            stem = f"cond-{i:02d}-{layout[0]}"
            if (batch / "truth" / f"{stem}.truth.json").exists():
                continue
            rng = np.random.default_rng([random_seed, i])
            generate(heldout_cable(spec, rng), batch, layout, level, fmt, random_seed * 1000 + i, stem=stem,
                     truth_dir=batch / "truth", variant="held-out text", conditions=conditions)


def _label(truth) -> str:
    c = truth.conditions
    held = (c.typeface == HELD_OUT["typeface"] and c.dpi == 300 and not c.effects) or c.effects == (HELD_OUT["effect"],)
    delivery = truth.pages[0].file.rsplit(".", 1)[-1]
    return f"{c.label()} {delivery}" + (" (held out)" if held else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("output/eval"))
    parser.add_argument("--per-group", type=int, default=4, help="pages per layout and level")
    parser.add_argument("--cables", type=int, default=0, help="generate this many eval cables first (seeds first)")
    parser.add_argument("--turned", action="store_true", help="also read each page laid at 90/180/270 degrees")
    parser.add_argument("--conditions", action="store_true",
                        help="read the conditions pages (typefaces, resolutions, effects, 1-bit, PDF) instead")
    parser.add_argument("--rows", default=None, help="with --conditions: only these rows of CONDITION_ROWS (0,3,7)")
    args = parser.parse_args()
    batch = args.work / ("conditions" if args.conditions else "batch")
    rows = [int(r) for r in args.rows.split(",")] if args.rows else list(range(len(CONDITION_ROWS)))
    if args.conditions:
        write_conditions_batch(batch, rows)
    elif args.cables:
        write_eval_batch(batch, args.cables)
    truths = [load_truth(p) for p in sorted((batch / "truth").glob("*.truth.json"))
              if not args.conditions or int(p.name.split("-")[1]) in rows]
    chosen: dict[tuple[str, str, str], list] = {}
    for truth in truths:
        label = _label(truth) if args.conditions else "seed pages, tuned on"
        for index in range(len(truth.pages)):
            pages = chosen.setdefault((label, truth.layout, truth.level), [])
            if len(pages) < args.per_group:
                pages.append((truth, index))
    settings = Settings()
    groups: dict[tuple[str, str, str], Group] = {}
    print_header()
    for key, pages in sorted(chosen.items()):
        groups[key] = Group()
        for truth, index in pages:
            measure(truth, index, batch, settings, groups[key])
        print_row(key, groups[key])  # as measured: a failure later loses nothing printed
    report(groups)
    if args.turned:
        counts = [turned_right(batch / truth.pages[index].file, settings)
                  for pages in chosen.values() for truth, index in pages]
        print(f"pages laid at 90/180/270 degrees and stood upright: {sum(r for r, _ in counts)}/{sum(n for _, n in counts)}")


def print_header() -> None:
    print("CER per layout and level, mean of the pages / pooled over their characters; seconds per page.")
    print("| pages made as | layout, level | pages | " + " | ".join(READERS) + " | target | cableocr / plain tesseract | "
          + " | ".join(f"{r} s" for r in READERS) + " |")
    print("|" + " --- |" * (5 + 2 * len(READERS)), flush=True)


def print_row(key: tuple[str, str, str], g: Group) -> None:
    label, layout, level = key
    cells = [f"{mean(g.cer[r]):.2%} / {g.edits[r] / g.chars:.2%}" for r in READERS]
    plain, ours = mean(g.cer["plain tesseract"]), mean(g.cer["cableocr"])
    ratio = f"{ours / plain:.2f}" if plain else "-"
    print(f"| {label} | {layout} {level} | {len(g.cer['cableocr'])} | " + " | ".join(cells) + f" | ≤ {TARGETS[level]:.1%} | "
          f"{ratio} | " + " | ".join(f"{mean(g.seconds[r]):.1f}" for r in READERS) + " |", flush=True)


def report(groups: dict[tuple[str, str, str], Group]) -> None:
    lines = sum(g.lines for g in groups.values())
    right = sum(g.right_direction for g in groups.values())
    redactions = sum(g.redactions for g in groups.values())
    found = sum(g.redactions_found for g in groups.values())
    print(f"\nlines read in the direction they were drawn in: {right}/{lines}; redaction boxes found: {found}/{redactions}")
    stage = {k: sum(g.stage_s[k] for g in groups.values()) for k in STAGES}
    pages = sum(len(g.cer["cableocr"]) for g in groups.values())
    print("cableocr seconds per page: " + ", ".join(f"{k} {v / pages:.2f}" for k, v in stage.items()))
    ocr = stage["ocr"] + stage["second engine"]
    print(f"cleanup and layout / OCR (both engines): {stage['cleanup and layout'] / ocr:.1%} without the orientation "
          f"check, {(stage['orientation'] + stage['cleanup and layout']) / ocr:.1%} with it (target ≤ 25%)")

if __name__ == "__main__":
    main()
