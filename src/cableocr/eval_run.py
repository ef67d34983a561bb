"""`cableocr eval`: generate cables with known answers, run the pipeline on them, and measure.

Pages are read once and kept in the page cache under WORK/out, so a second run (after a change
to extraction or to the thresholds) re-reads nothing.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cableocr.config import Settings
from cableocr.errors import InputError
from cableocr.evaluate import FieldOutcome, PageOutcome, held_out, score_fields, score_page
from cableocr.models import CableDocument
from cableocr.pipeline import run_batch
from cableocr.synth import Truth, load_truth, write_eval_batch


@dataclass(frozen=True)
class EvalResult:
    fields: list[FieldOutcome]
    pages: list[PageOutcome]
    cables_expected: int
    cables_found: int
    # With --fit-to: every cable's fields judged by a policy fitted on the other half.
    cross_validated: list[FieldOutcome] | None = None


def generate(work: Path, count: int, random_seed: int, progress: Callable[[], None] = lambda: None) -> list[Truth]:
    """The first count cables of the seed in WORK/batch (those already there kept). A batch
    folder holding more is refused: the pipeline reads every file in it."""
    extra = sorted((work / "batch" / "truth").glob("eval-*.truth.json"))[count:]
    if extra:
        raise InputError(f"{work / 'batch'} holds {count + len(extra)} generated cables, more than the {count} "
                         "asked for, and every file in it would be read: give a fresh --work, or the same --cables")
    truths = []
    for path in write_eval_batch(work / "batch", count, random_seed):
        truths.append(load_truth(path))
        progress()
    return truths


def run(work: Path, truths: list[Truth], settings: Settings, workers: int = 2,
        on_page: Callable[[], None] = lambda: None) -> EvalResult:
    """Run the pipeline over WORK/batch into WORK/out and score every cable and page."""
    out = work / "out"

    def counted(read, sources) -> Iterable:
        if workers <= 1:
            for page in map(read, sources):
                on_page()
                yield page
            return
        # Worker processes, not threads: cleanup, layout and the combination of readings are
        # Python holding the GIL, and two threads were measured to use little more than one core.
        # Spawned, not forked: a fork copies the caller's threads' locks (Prefect's, onnxruntime's).
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for page in pool.map(read, sources):
                on_page()
                yield page

    manifest = run_batch(work / "batch", out, settings, map_pages=counted)
    # A truth by each of its pages (file, index): cables may share a file (a PDF of several) or
    # run over several files (page images).
    by_page = {(page.file, page.index): truth for truth in truths for page in truth.pages}
    fields, pages, seen = [], [], set()
    for cable in manifest.cables:
        document = CableDocument.model_validate_json((out / cable.path).read_bytes())
        truth = by_page.get((document.source[0].file, document.source[0].index))
        if truth is None or id(truth) in seen:  # a cable split in two: its second part is not scored
            continue
        seen.add(id(truth))
        fields += score_fields(truth, document.fields, _stem(truth))
        for page in document.pages:
            index = next((i for i, p in enumerate(truth.pages)
                          if (p.file, p.index) == (page.source.file, page.source.index)), None)
            if index is not None:
                pages.append(score_page(truth, index, page))
    # A cable the pipeline did not find: every field of it missed.
    for truth in truths:
        if id(truth) not in seen:
            fields += [FieldOutcome(_stem(truth), name, truth.layout, truth.level, truth.variant, False, False, 0.0,
                                    "cable not found", str(value), ("missing",), truth.form,
                                    truth.conditions.typeface, held_out(truth)) for name, value in truth.fields.items()]
    return EvalResult(fields, pages, len(truths), len(seen))


def _stem(truth: Truth) -> str:
    """The cable's name: its first file's stem (eval-0012-p1.png: eval-0012), and where it does
    not open its file, the page it opens on (both.pdf from page 3: both@3)."""
    first = truth.pages[0]
    stem = Path(first.file).stem.split("-p")[0]
    return stem if first.index == 0 else f"{stem}@{first.index + 1}"
