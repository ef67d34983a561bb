"""Write the committed sample batch (see cableocr.synth.SAMPLE_BATCH). Deterministic."""

from __future__ import annotations

import sys
from pathlib import Path

from cableocr.synth import write_sample


def main(out: Path) -> None:
    write_sample(out)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"sample batch in {out}: {total / 2**20:.2f} MiB")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "scans"))
