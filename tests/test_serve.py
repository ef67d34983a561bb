"""Beyond one command: the inbox flow, and the same flow served as a Prefect deployment that
processes a scan folder dropped into the inbox on its schedule."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
SCANS = Path(__file__).resolve().parents[1] / "scans"


def _inbox(root: Path) -> Path:
    inbox = root / "inbox"
    (inbox / "batch 1").mkdir(parents=True)
    shutil.copy(SCANS / "cable-5517-scan-p1.jpg", inbox / "batch 1" / "p1.jpg")
    return inbox


def test_the_inbox_flow_runs_new_or_changed_folders_only(tesseract, tmp_path):
    from flows.inbox import inbox_flow, waiting_batches

    inbox, out = _inbox(tmp_path), tmp_path / "out"
    assert inbox_flow(inbox=inbox, out_root=out) == ["batch 1"]
    assert (out / "batch 1" / "manifest.json").is_file()
    assert waiting_batches(inbox, out) == []
    time.sleep(0.05)
    shutil.copy(SCANS / "cable-5517-vertical-p1.jpg", inbox / "batch 1" / "p2.jpg")  # a page added later
    assert waiting_batches(inbox, out) == [inbox / "batch 1"]


def test_cableocr_serve_processes_the_inbox_on_its_schedule(tesseract, tmp_path):
    from flows.local_server import healthy

    inbox, out = _inbox(tmp_path), tmp_path / "out"
    server_was_up = healthy()
    cableocr = Path(sys.executable).with_name("cableocr")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    serving = subprocess.Popen([str(cableocr), "serve", str(inbox), "--out", str(out), "--every", "5"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 900  # a generous cap: the run is awaited, not timed
        while not (out / "batch 1" / "manifest.json").is_file():
            assert serving.poll() is None, serving.stdout.read().decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the served deployment never ran the inbox"
            time.sleep(1)
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        try:
            serving.wait(timeout=30)
        except subprocess.TimeoutExpired:  # still shutting down: the server must be stopped all the same
            os.killpg(serving.pid, signal.SIGKILL)
            serving.wait()
        if not server_was_up:  # leave the machine as it was
            subprocess.run([str(cableocr), "server", "--stop"], env=env, timeout=60, stdout=subprocess.DEVNULL)
    assert (out / "batch 1" / "cable-5517.json").is_file()
