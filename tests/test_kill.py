"""No loss: `cableocr run` killed with SIGKILL at random moments, then run again, ends with the
same output as an uninterrupted run, and no output file is ever half written."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cableocr.pipeline import run_batch

SCANS = Path(__file__).resolve().parents[1] / "scans"
pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
OUTPUTS = (".json", ".jsonl", ".csv")


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.suffix in OUTPUTS}


def _no_half_files(out: Path) -> None:
    for path in out.iterdir():
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))  # raises on a truncated file
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                json.loads(line)


def test_killed_runs_rerun_to_the_same_output(tesseract, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SCANS / "cable-5517-scan-p1.jpg", batch / "cable.jpg")
    reference = tmp_path / "reference"
    run_batch(batch, reference)
    expected = _outputs(reference)
    cli = [sys.executable, "-m", "cableocr.cli", "run", str(batch), "--out"]
    for n, delay in enumerate(random.Random(7).uniform(1.0, 14.0) for _ in range(3)):
        out = tmp_path / f"killed-{n}"
        process = subprocess.Popen([*cli, str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True, env={**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR"})
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if out.exists():
            _no_half_files(out)
        run_batch(batch, out)
        assert _outputs(out) == expected, f"killed after {delay:.1f} s"
