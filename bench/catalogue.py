"""Benchmark: generated cables loaded into the catalogue, and full-text queries timed.

The cables are the generator's variants of the seeds (synth.vary: other numbers, dates, posts,
names, subjects, body sentences), drawn but not degraded or OCRed (evaluate.cable_as_drawn:
what a perfect reader gives), then assembled, their fields extracted, aligned with their seed's
translation and written as a batch output (manifest and cable JSONs), as `cableocr run` writes
them. The output is made once under WORK and reused. Timed: `cableocr catalogue`'s load of it
(and a second load, which replaces the rows), and queries through `cableocr search`'s function.

Usage: python bench/catalogue.py [--cables 1000] [--work DIR]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from cableocr.align import align_cable
from cableocr.catalogue import load_batches, search
from cableocr.config import Settings
from cableocr.evaluate import cable_as_drawn
from cableocr.export import write_cable_json, write_manifest
from cableocr.fields import extract_fields
from cableocr.models import Manifest, ManifestCable
from cableocr.pipeline import build_document
from cableocr.synth import drawn_truth, seed_files
from cableocr.synth.seed import parse_seed
from cableocr.synth.vary import vary
from cableocr.translation import parse_translation

QUERIES = ("首脳会談", "首脳", "外務大臣", "大統領", "APEC", "国連総会", "United States", "Prime Minister", "no such words")


def generated_output(work: Path, count: int) -> Path:
    """count generated cables written as a batch output in WORK/out (made once)."""
    out = work / "out"
    if (out / "manifest.json").is_file() and len(Manifest.model_validate_json(
            (out / "manifest.json").read_bytes()).cables) == count:
        return out
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    seeds = [(parse_seed(p), parse_translation(p)[0]) for p in seed_files()]
    rng = np.random.default_rng(19)
    summaries = []
    for i in range(count):
        seed, translation = seeds[i % len(seeds)]
        spec, variant = vary(seed, rng)
        truth = drawn_truth(spec, "vertical" if i % 3 == 2 else "horizontal", variant)
        cable = cable_as_drawn(truth, prefix=f"c{i:04d}-")
        fields = extract_fields(cable, settings.fields.policy)
        document = build_document(cable, f"cable-{i:04d}-{fields['cable_number'].value}", fields, settings)
        document = align_cable(document, translation, settings.fields.policy)
        path = write_cable_json(document, out)
        summaries.append(ManifestCable(cable_id=document.cable_id, path=path.name,
                                       cable_number=fields["cable_number"].value, date_sent=None,
                                       sender=None, classification=None, needs_review=len(document.needs_review)))
        if (i + 1) % 100 == 0:
            print(f"  {i + 1} cables generated", flush=True)
    write_manifest(Manifest(batch=str(work / "batch"), files=[], cables=summaries), out)
    return out


def timed_ms(query: str, db: Path, runs: int = 5) -> tuple[float, int]:
    """Median milliseconds of a query over runs (after one warm-up), and its hits."""
    hits = search(db, query, limit=20)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        search(db, query, limit=20)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(hits)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cables", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path("output/bench-catalogue"))
    args = parser.parse_args()
    out = generated_output(args.work.resolve(), args.cables)
    db = args.work / "catalogue.sqlite"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    (loaded,) = load_batches([out], db)
    first = time.perf_counter() - started
    started = time.perf_counter()
    load_batches([out], db)
    again = time.perf_counter() - started
    print(f"load: {loaded.cables} cables, {loaded.lines} lines in {first:.1f} s "
          f"({loaded.cables / first:.0f} cables/s); loaded again (rows replaced) in {again:.1f} s; "
          f"database {db.stat().st_size / 2**20:.0f} MiB")
    for query in QUERIES:
        ms, hits = timed_ms(query, db)
        print(f"query {query!r}: {ms:.1f} ms median of 5, {hits} hits shown (target < 100 ms)")


if __name__ == "__main__":
    main()
