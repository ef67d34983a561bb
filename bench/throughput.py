"""Benchmark: pages per minute, body CER and field accuracy on the committed sample batch.

Runs the pipeline on 2 workers without Prefect's start-up (that is measured separately by
issue 8), compares every cable with the generator's ground truth in scans/truth, and prints
the figures. Usage: python bench/throughput.py [BATCH]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cableocr.evaluate import character_error_rate, score_fields
from cableocr.models import CableDocument
from cableocr.pipeline import run_batch
from cableocr.synth import load_truth


def main(batch: Path) -> None:
    truths = [load_truth(p) for p in sorted((batch / "truth").glob("*.truth.json"))]
    by_file = {page.file: truth for truth in truths for page in truth.pages}
    with tempfile.TemporaryDirectory() as out, ThreadPoolExecutor(max_workers=2) as pool:
        started = time.perf_counter()
        manifest = run_batch(batch, Path(out), map_pages=pool.map)
        seconds = time.perf_counter() - started
        pages = sum(len(f.pages) for f in manifest.files)
        print(f"batch: {batch} ({pages} pages, {len(manifest.cables)} cables, 2 workers)")
        print(f"throughput: {pages / seconds * 60:.1f} pages/minute ({seconds:.1f} s)")
        right = total = 0
        for cable in manifest.cables:
            document = CableDocument.model_validate_json((Path(out) / cable.path).read_bytes())
            truth = by_file[document.source[0].file]
            cer = character_error_rate(truth.body_text, document.text)
            outcomes = score_fields(truth, document.fields, cable.cable_id)
            wrong = [o.field for o in outcomes if not o.correct]
            right, total = right + len(outcomes) - len(wrong), total + len(outcomes)
            print(f"  {cable.cable_id:<14} {truth.layout:<10} {truth.level:<6} body CER {cer:6.2%}  "
                  f"fields wrong: {', '.join(wrong) or 'none'}; flagged for review: {cable.needs_review}")
    print(f"field accuracy: {right}/{total} = {right / total:.1%}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "scans"))
