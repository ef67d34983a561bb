"""Write the committed sample batch: both seed cables, one as a PDF, one as page images, plus a
vertical rendering. Deterministic: the same files every time."""

from __future__ import annotations

import sys
from pathlib import Path

from cableocr.synth import generate, seed_files

SAMPLE = [
    # (seed number prefix, layout, level, format, random seed, file stem)
    ("000", "horizontal", "medium", "pdf", 11, "cable-5515-scan"),
    ("004", "horizontal", "medium", "jpeg", 12, "cable-5517-scan"),
    ("004", "vertical", "medium", "jpeg", 13, "cable-5517-vertical"),
]


def main(out: Path) -> None:
    seeds = {p.name[:3]: p for p in seed_files()}
    for prefix, layout, level, fmt, seed, stem in SAMPLE:
        generate(seeds[prefix], out, layout, level, fmt, seed, stem=stem, truth_dir=out / "truth")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"sample batch in {out}: {total / 2**20:.2f} MiB")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "scans"))
