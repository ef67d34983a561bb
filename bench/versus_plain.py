"""Benchmark: cableocr against plain Tesseract on the same generated pages, in one run.

Plain Tesseract is what an archivist would run without cableocr: `tesseract PAGE - -l jpn`
(`-l jpn_vert` on vertical pages), default page segmentation, no cleanup. cableocr is the whole
page stage (orientation, deskew, flattening, despeckle, layout, OCR, re-reads), uncached. Both
are compared with the generator's text of the page (NFKC, white space removed; the masked
stamp and the redacted text are not in it). One page at a time, so the seconds are comparable.

Usage: python bench/versus_plain.py [--per-group N] [--work DIR]
(DIR: a folder written by `cableocr eval --work DIR`; default output/eval)
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path
from statistics import mean

from cableocr.config import Settings
from cableocr.evaluate import STAMP_WORDS, character_error_rate
from cableocr.pipeline import ingest_one, process_page
from cableocr.synth import load_truth


def plain_tesseract(path: Path, vertical: bool) -> str:
    model = "jpn_vert" if vertical else "jpn"
    done = subprocess.run(["tesseract", str(path), "-", "-l", model], capture_output=True, text=True,
                          check=True, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("output/eval"))
    parser.add_argument("--per-group", type=int, default=4, help="pages per layout and level")
    args = parser.parse_args()
    batch = args.work / "batch"
    truths = [load_truth(p) for p in sorted((batch / "truth").glob("*.truth.json"))]
    groups: dict[tuple[str, str], list] = {}
    for truth in truths:
        for index in range(len(truth.pages)):
            group = groups.setdefault((truth.layout, truth.level), [])
            if len(group) < args.per_group:
                group.append((truth, index))
    settings = Settings()
    print(f"{'layout':<11}{'level':<8}{'pages':>6}{'plain CER':>11}{'cableocr CER':>14}{'ratio':>8}"
          f"{'plain s/page':>14}{'cableocr s/page':>17}")
    for (layout, level), pages in sorted(groups.items()):
        plain_cer, ours_cer, plain_s, ours_s = [], [], [], []
        for truth, index in pages:
            drawn = truth.pages[index]
            expected = "".join(ln.text for ln in drawn.lines if not any(w in ln.text for w in STAMP_WORDS))
            path = batch / drawn.file
            started = time.perf_counter()
            text = plain_tesseract(path, layout == "vertical")
            plain_s.append(time.perf_counter() - started)
            plain_cer.append(character_error_rate(expected, text))
            with tempfile.TemporaryDirectory() as out:
                source = ingest_one(path, batch, Path(out), settings).pages[0]
                started = time.perf_counter()
                page = process_page(source, Path(out), settings)
                ours_s.append(time.perf_counter() - started)
            read = "".join(ln.text for ln in page.lines if ln.role != "noise")
            ours_cer.append(character_error_rate(expected, read))
        plain, ours = mean(plain_cer), mean(ours_cer)
        ratio = f"{ours / plain:.2f}" if plain else "-"
        print(f"{layout:<11}{level:<8}{len(pages):>6}{plain:>11.2%}{ours:>14.2%}{ratio:>8}"
              f"{mean(plain_s):>14.1f}{mean(ours_s):>17.1f}")


if __name__ == "__main__":
    main()
