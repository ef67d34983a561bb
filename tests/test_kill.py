"""No loss: `cableocr run` killed with SIGKILL while it writes, then run again, ends with the
same output as an uninterrupted run, and no output file is ever half written. The kills are
made when a temporary file appears (a write under way), not after fixed delays, so that they
land while files are written whatever the machine's speed."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cableocr.files import TEMPORARY_SUFFIX
from cableocr.pipeline import run_batch

SCANS = Path(__file__).resolve().parents[1] / "scans"
pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
OUTPUTS = (".json", ".jsonl", ".csv")
# Where each kill waits for a write: the page store (ingest), then the outputs (a cable's JSON,
# ALTO and PDF, the batch tables). Every one of these writes, the page cache's too, goes through
# the one atomic writer (cableocr.files.write_atomic).
WRITES = {"the page store": ".pages", "the outputs": "."}


def _outputs(out: Path) -> dict[str, bytes]:
    """OUT's outputs, the IIIF manifest's ids (under OUT's own file URL) made independent of where OUT is."""
    return {p.name: p.read_bytes().replace(out.resolve().as_uri().encode(), b"OUT") for p in out.iterdir()
            if p.is_file() and p.suffix in OUTPUTS}


def _no_half_files(out: Path) -> None:
    for path in out.iterdir():
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))  # raises on a truncated file
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                json.loads(line)


def _temporaries(folder: Path) -> list[Path]:
    try:
        return [folder / e.name for e in os.scandir(folder) if e.name.startswith(".") and e.name.endswith(TEMPORARY_SUFFIX)]
    except FileNotFoundError:
        return []


def _kill_during_a_write(cli: list[str], out: Path, folder: str) -> bool:
    """Run the command and kill it as soon as a temporary file appears in OUT/folder; whether
    the kill interrupted that write (the temporary was still there, not yet renamed)."""
    process = subprocess.Popen([*cli, str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env={**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR"})
    caught: list[Path] = []
    while process.poll() is None and not caught:  # the event is awaited: the run ends it at the latest
        if caught := _temporaries(out / folder):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            time.sleep(0.002)
    process.wait()
    return any(path.exists() for path in caught)


def _copy_if_absent(source: str, target: str) -> None:
    if not Path(target).exists():
        shutil.copy2(source, target)


def test_runs_killed_while_writing_rerun_to_the_same_output(tesseract, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SCANS / "cable-5517-scan-p1.jpg", batch / "cable.jpg")
    reference = tmp_path / "reference"
    run_batch(batch, reference)
    expected = _outputs(reference)
    cli = [sys.executable, "-m", "cableocr.cli", "run", str(batch), "--out"]
    out = tmp_path / "killed"
    interrupted = []
    for what, folder in WRITES.items():  # each run resumes from what the one before left
        if _kill_during_a_write(cli, out, folder):
            interrupted.append(what)
        _no_half_files(out)
        if what == "the page store":
            # The page's reading as an uninterrupted run writes it: the next run then costs its
            # writes, not a reading of the page (what the reading gives is tested elsewhere).
            shutil.copytree(reference / ".cache" / "pages", out / ".cache" / "pages", dirs_exist_ok=True,
                            copy_function=_copy_if_absent)
    assert interrupted, "no kill landed while a file was written"
    run_batch(batch, out)
    assert _outputs(out) == expected, f"killed while writing {', '.join(interrupted)}"
    assert not [p for p in out.rglob(f".*{TEMPORARY_SUFFIX}")]  # the killed runs' temporaries removed
