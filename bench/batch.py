"""Benchmark: a large generated batch through `cableocr run`, as an archivist runs it.

Prints, each measured by running the real command (Prefect included) on generated pages:
- throughput on N pages with 2 workers: pages per minute, and the ratio of cableocr's wall time
  to (plain Tesseract's summed time on the same pages / cores), and to (one plain PP-OCR pass
  plus one plain Tesseract pass per page, summed, / cores): the two engines' own cost;
- scaling: the first S pages with 1 worker and with 2 workers;
- peak memory of the run for 20 pages and for N pages: the most the cableocr process and every
  process under it (worker processes; Tesseract now reads inside them) held at once, sampled every 0.2 s;
- resume: a rerun of the finished N-page batch, as a share of the first run;
- fixed start-up: `cableocr run` on a one-page batch minus the OCR time of that page, with the
  local Prefect server (`cableocr server`) and with Prefect's ephemeral API;
- where the time goes, on the S scaling pages: the run's own stages without Prefect (ingest;
  page reading in 2 worker processes; assembly, fields and outputs), each against one plain pass
  of each engine over those pages, beside the 2-worker `cableocr run` of the same pages.

Usage: python bench/batch.py [--pages 200] [--scaling-pages 40] [--work DIR]
Pages come from `cableocr eval`'s generator (WORK/gen); they are generated once and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import psutil

from cableocr.config import Settings
from cableocr.pipeline import ingest_one, read_stored_page, run_batch
from cableocr.synth import load_truth, write_eval_batch

CORES = os.cpu_count() or 1
CABLEOCR = str(Path(sys.executable).with_name("cableocr"))


def generated_pages(work: Path, wanted: int) -> list[tuple[Path, bool]]:
    """(page file, is vertical) for the first `wanted` generated pages, generating as needed."""
    gen = work / "gen"
    if not (gen / "truth").is_dir() or _count_pages(gen) < wanted:
        shutil.rmtree(gen, ignore_errors=True)
        write_eval_batch(gen, count=wanted, random_seed=8)  # about 1.1 pages a cable
    pages = []
    for truth_path in sorted((gen / "truth").glob("*.truth.json")):
        truth = load_truth(truth_path)
        pages += [(gen / page.file, truth.layout == "vertical") for page in truth.pages]
    return pages[:wanted]


def _count_pages(gen: Path) -> int:
    return sum(1 for p in gen.iterdir() if p.suffix == ".png")


def batch_of(pages: list[tuple[Path, bool]], folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path, _ in pages:
        os.link(path, folder / path.name)
    return folder


def plain_seconds(pages: list[tuple[Path, bool]]) -> list[float]:
    """Plain Tesseract, one page at a time, single-threaded: the OCR itself, page by page."""
    seconds = []
    for path, vertical in pages:
        started = time.perf_counter()
        subprocess.run(["tesseract", str(path), "-", "-l", "jpn_vert" if vertical else "jpn"], check=True,
                       capture_output=True, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
        seconds.append(time.perf_counter() - started)
    return seconds


def plain_rapidocr_seconds(pages: list[tuple[Path, bool]]) -> list[float]:
    """Plain PP-OCR (rapidocr, one thread), one page at a time: its own reading of each page."""
    from cableocr.engines import get_engine

    engine, seconds = get_engine("rapidocr"), []
    engine.recognize(cv2.imread(str(pages[0][0]), cv2.IMREAD_GRAYSCALE), "horizontal", Settings().ocr)  # loaded once
    for path, vertical in pages:
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        started = time.perf_counter()
        engine.recognize(image, "vertical" if vertical else "horizontal", Settings().ocr)
        seconds.append(time.perf_counter() - started)
    return seconds


def stage_seconds(batch: Path, out: Path, workers: int = 2) -> dict[str, float]:
    """The run's own stages, without Prefect (pipeline.run_batch, as `cableocr eval` runs it):
    ingest (in this process), page reading (cleanup, layout, both engines, in `workers` spawned
    processes, each loading its engines once), and assembly, fields and outputs (in this
    process, as the flow's last task)."""
    shutil.rmtree(out, ignore_errors=True)
    marks: dict[str, float] = {}

    def read_on_workers(read, sources):
        marks["reading"] = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            pages = list(pool.map(read, sources))
        marks["read"] = time.perf_counter()
        return pages

    started = time.perf_counter()
    run_batch(batch, out, Settings(), map_pages=read_on_workers)
    return {"ingest": marks["reading"] - started, "page reading": marks["read"] - marks["reading"],
            "assembly, fields and outputs": time.perf_counter() - marks["read"]}


def _tree_rss(process: psutil.Process) -> int:
    """Bytes resident in the process and every process under it, now."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:  # ended between the listing and the reading
            continue
    return total


def cableocr_run(batch: Path, out: Path, workers: int, fresh: bool = True, ephemeral: bool = False) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `cableocr run`, its child processes included."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ)
    if ephemeral:
        env["CABLEOCR_PREFECT_API"] = "ephemeral"
    command = [CABLEOCR, "run", str(batch), "--out", str(out), "--workers", str(workers)]
    started = time.perf_counter()
    running = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    watched, peak = psutil.Process(running.pid), 0
    while running.poll() is None:
        with contextlib.suppress(psutil.Error):  # the run ended between poll and reading
            peak = max(peak, _tree_rss(watched))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    stdout, stderr = running.communicate()
    if running.returncode not in (0, 2):
        raise SystemExit(f"cableocr run failed ({running.returncode}):\n{stdout[-2000:]!r}\n{stderr[-2000:]!r}")
    return seconds, peak / 2**20


def ocr_seconds_of(batch: Path, work: Path) -> float:
    """The page stage alone (cleanup, layout, OCR) on the one page of batch, uncached."""
    settings = Settings()
    files = [ingest_one(p, batch, work, settings) for p in sorted(batch.iterdir())]
    started = time.perf_counter()
    for f in files:
        for source in f.pages:
            read_stored_page(source, work, settings)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("output/bench-batch"))
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--scaling-pages", type=int, default=40)
    args = parser.parse_args()
    work = args.work.resolve()
    subprocess.run([CABLEOCR, "server"], check=True, capture_output=True)  # as `make run` leaves it
    pages = generated_pages(work, args.pages)
    big = batch_of(pages, work / f"batch-{len(pages)}")
    small = batch_of(pages[:20], work / "batch-20")
    print(f"{len(pages)} generated pages (clean, medium, poor; horizontal and vertical), {CORES} cores")

    plain_each, plain_pp_each = plain_seconds(pages), plain_rapidocr_seconds(pages)
    plain, plain_pp = sum(plain_each), sum(plain_pp_each)
    wall, peak_big = cableocr_run(big, work / "out-big", workers=2)
    print(f"throughput: {len(pages) / wall * 60:.1f} pages/minute ({wall:.0f} s for {len(pages)} pages, 2 workers; "
          "target >= 20)")
    print(f"plain Tesseract: {plain:.0f} s summed, {plain / CORES:.0f} s over {CORES} cores; "
          f"ratio cableocr / plain = {wall / (plain / CORES):.2f}")
    both = (plain + plain_pp) / CORES
    print(f"plain PP-OCR: {plain_pp:.0f} s summed; one pass of each engine per page over {CORES} cores: {both:.0f} s; "
          f"ratio cableocr / both = {wall / both:.2f} (target <= 1.3)")

    again, _ = cableocr_run(big, work / "out-big", workers=2, fresh=False)
    print(f"resume: rerun of the finished batch {again:.1f} s = {again / wall:.1%} of the first run (target < 5%)")

    _, peak_small = cableocr_run(small, work / "out-small", workers=2)
    print(f"peak memory, child processes included: {peak_small:.0f} MiB for 20 pages, {peak_big:.0f} MiB for "
          f"{len(pages)} pages = {peak_big / peak_small:.2f}x (targets: <= 3072 MiB, <= 1.2x)")

    scaling = batch_of(pages[:args.scaling_pages], work / "batch-scaling")
    one, _ = cableocr_run(scaling, work / "out-scaling", workers=1)
    two, _ = cableocr_run(scaling, work / "out-scaling", workers=2)
    print(f"scaling on {args.scaling_pages} pages: 1 worker {one:.0f} s, 2 workers {two:.0f} s, "
          f"speed-up {one / two:.2f} (target >= 1.8)")
    engines = (sum(plain_each[:args.scaling_pages]) + sum(plain_pp_each[:args.scaling_pages])) / 2
    stages = stage_seconds(scaling, work / "out-stages")
    print(f"where the time goes on those {args.scaling_pages} pages (one pass of each plain engine over 2 workers: "
          f"{engines:.0f} s): " + ", ".join(f"{name} {s:.0f} s ({s / engines:.2f}x)" for name, s in stages.items())
          + f"; all {sum(stages.values()):.0f} s ({sum(stages.values()) / engines:.2f}x) without Prefect, "
          f"{two:.0f} s ({two / engines:.2f}x) as `cableocr run`")

    single = batch_of(pages[:1], work / "batch-1")
    ocr = ocr_seconds_of(single, work / "ocr-1")
    for label, ephemeral in (("local Prefect server", False), ("Prefect ephemeral API", True)):
        cableocr_run(single, work / "out-1", workers=2, ephemeral=ephemeral)  # imports warm, as a user's second run
        wall_one, _ = cableocr_run(single, work / "out-1", workers=2, ephemeral=ephemeral)
        print(f"start-up ({label}): {wall_one:.1f} s for one page - {ocr:.1f} s of its OCR = "
              f"{wall_one - ocr:.1f} s (target < 5 s)")


if __name__ == "__main__":
    main()
