"""What a run does to its output folder when batches and people are careless: the same page
twice, two runs at once, the batch as its own output, a read-only folder, a full disk. Each
ends in whole outputs or in one clear line with its documented exit code."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cableocr.config import OcrConfig, Settings
from cableocr.errors import EXIT_CODES, OutputLocked, OutputOverBatch
from cableocr.files import exclusive_output
from cableocr.ingest import store_page, to_grey
from cableocr.pipeline import run_batch

REPO = Path(__file__).resolve().parents[1]
SCANS = REPO / "scans"
TESSERACT_ALONE = Settings(ocr=OcrConfig(second_engine=None))  # what is tested here is not the reading
WAIT = 300  # seconds: a cap for a child process to say it is ready, never a deadline the test needs


def _cli(*args: str, patch: str = "", cwd: Path = REPO) -> subprocess.CompletedProcess:
    """`cableocr ARGS` in a process of its own (Prefect's console included), with `patch` run
    first: how a fault of the machine (a full disk) is brought about without being root."""
    program = textwrap.dedent(patch) + "\nfrom cableocr.cli import app\napp()\n"
    env = {**os.environ, "CABLEOCR_PREFECT_API": "ephemeral", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600"}
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=1800)


def _one_page_batch(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(SCANS / "cable-5517-scan-p1.jpg", folder / "a.jpg")
    return folder


def test_threads_storing_the_same_page_at_once_share_no_temporary(tmp_path):
    """The crash the review found: two ingest threads wrote one temporary name. Six threads
    store one page into an empty store at the same moment (a barrier), ten times over."""
    image = np.random.default_rng(0).integers(0, 255, (400, 300), dtype=np.uint8)
    errors, threads_at_once = [], 6
    for round_ in range(10):
        store = tmp_path / f"store-{round_}"
        barrier = threading.Barrier(threads_at_once)

        def store_once(store=store, barrier=barrier) -> None:
            barrier.wait()
            try:
                store_page(image, store)
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=store_once) for _ in range(threads_at_once)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and len(list(store.iterdir())) == 1  # the page, no temporary left


@pytest.mark.tesseract
def test_the_same_pixels_twice_are_read_once_and_both_files_kept(tesseract, tmp_path, monkeypatch):
    from cableocr import pipeline

    batch = _one_page_batch(tmp_path / "batch")
    with Image.open(batch / "a.jpg") as jpeg:
        Image.fromarray(to_grey(jpeg)).save(batch / "b saved from a.png")  # the same pixels, another file
    reads = []
    original = pipeline.read_stored_page
    monkeypatch.setattr(pipeline, "read_stored_page", lambda *a: reads.append(a[0]) or original(*a))
    manifest = run_batch(batch, tmp_path / "out", TESSERACT_ALONE)
    assert len(reads) == 1
    files = {f.path: f for f in manifest.files}
    assert files["a.jpg"].pages[0].status == "ok" and files["b saved from a.png"].pages[0].status == "ok"
    assert files["b saved from a.png"].pages[0].same_pixels_as == "a.jpg page 1"
    assert files["a.jpg"].pages[0].same_pixels_as is None
    first, second = manifest.cables
    assert second.cable_id == f"{first.cable_id}-2" and second.cable_number == first.cable_number


HOLD = """
import sys
from pathlib import Path
from cableocr.files import exclusive_output
with exclusive_output(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_second_process_writing_into_the_same_out_is_refused_in_one_line(tmp_path):
    batch = _one_page_batch(tmp_path / "batch")
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"  # waits on the event, not on a clock
        with pytest.raises(OutputLocked, match="another cableocr process"):
            run_batch(batch, out, TESSERACT_ALONE)
        result = _cli("run", str(batch), "--out", str(out))
        _one_clear_line(result, OutputLocked.exit_code, "another cableocr process")
        assert not (out / "manifest.json").exists()
    finally:
        holder.kill()  # a killed holder releases the lock: the kernel's, not a file's presence
        holder.wait(timeout=WAIT)
    with exclusive_output(out):
        pass


def test_a_killed_run_leaves_no_temporary_for_the_next_one(tmp_path):
    out = tmp_path / "out"
    (out / ".cache" / "pages").mkdir(parents=True)
    left = [out / ".cable-1.json.abc123.tmp", out / ".cache" / "pages" / ".x.json.def456.tmp"]
    for path in left:
        path.write_bytes(b"half")
    with exclusive_output(out):
        assert not any(path.exists() for path in left)


@pytest.mark.parametrize("where", ["the batch", "above the batch"])
def test_an_output_folder_that_is_or_holds_the_batch_is_refused(tmp_path, where):
    batch = _one_page_batch(tmp_path / "scans" / "batch")
    out = batch if where == "the batch" else tmp_path / "scans"
    with pytest.raises(OutputOverBatch, match="would read its own outputs"):
        run_batch(batch, out, TESSERACT_ALONE)
    assert sorted(p.name for p in batch.iterdir()) == ["a.jpg"]  # nothing written into it


READ_ONLY = """
import errno, io, os
OUT = {out!r}
def refuse(path):
    if str(path).startswith(OUT):
        raise OSError(errno.EROFS, "Read-only file system", str(path))
real_io_open, real_os_open = io.open, os.open
def io_open(file, mode="r", *a, **k):
    if any(m in mode for m in "wax+"):
        refuse(file)
    return real_io_open(file, mode, *a, **k)
def os_open(path, flags, *a, **k):
    if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
        refuse(path)
    return real_os_open(path, flags, *a, **k)
io.open, os.open = io_open, os_open
import builtins, pathlib
builtins.open = io_open
"""

FULL_DISK_IN_THE_PAGE_STORE = """
import errno, os
import cableocr.files as files
real_fsync = os.fsync
def fsync(fd):
    if "/.pages/" in os.readlink(f"/proc/self/fd/{fd}"):
        raise OSError(errno.ENOSPC, "No space left on device")
    return real_fsync(fd)
files.os.fsync = fsync
"""


def _one_clear_line(result: subprocess.CompletedProcess, code: int, words: str) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    said = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert "Traceback" not in result.stdout + result.stderr and not any(" ERROR " in line for line in said), said
    assert any(words in line for line in said), said


def test_a_read_only_output_folder_is_exit_6_in_one_line(tmp_path):
    batch = _one_page_batch(tmp_path / "batch")
    out = tmp_path / "out"
    out.mkdir()
    result = _cli("run", str(batch), "--out", str(out), patch=READ_ONLY.format(out=str(out)))
    _one_clear_line(result, 6, "Read-only file system")
    assert list(out.iterdir()) == []


@pytest.mark.slow
@pytest.mark.tesseract
def test_a_disk_that_fills_while_pages_are_stored_is_exit_6_in_one_line(tesseract, tmp_path):
    batch = _one_page_batch(tmp_path / "batch")
    out = tmp_path / "out"
    result = _cli("run", str(batch), "--out", str(out), patch=FULL_DISK_IN_THE_PAGE_STORE)
    _one_clear_line(result, 6, "no space left on the output disk")
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]  # no truncated temporary left


def test_prefects_tracebacks_of_an_expected_outcome_stay_off_the_terminal():
    """`cableocr finalise` while fields wait (exit 7) printed dozens of lines of Prefect ERROR
    records; the command says it in one line. An unexpected error keeps its traceback."""
    import logging

    from cableocr.cli import ExpectedOutcomesToTheCli
    from cableocr.errors import ReviewPending

    def record(name, message, exc=None):
        return logging.LogRecord(name, logging.ERROR, __file__, 1, message, None,
                                 (type(exc), exc, None) if exc else None)

    waiting = ReviewPending("4 fields in 1 cables still wait for review")
    keeps = ExpectedOutcomesToTheCli().filter
    assert not keeps(record("prefect.task_runs", "Task run failed with exception: ReviewPending(...)", waiting))
    assert not keeps(record("prefect.flow_runs", "Finished in state Failed('Task run encountered an exception "
                                                 "ReviewPending: 4 fields')"))
    assert keeps(record("prefect.flow_runs", "Encountered exception: KeyError('x')", KeyError("x")))
    assert keeps(record("cableocr.pipeline", "unreadable cache entry"))


def test_the_readme_lists_every_exit_code_with_its_meaning_and_remedy():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\d+)` \| (.+) \|$", readme, flags=re.MULTILINE))
    assert sorted(int(code) for code in rows) == sorted(EXIT_CODES)
    for code, (meaning, remedy) in EXIT_CODES.items():
        assert rows[str(code)] == f"{meaning} | {remedy}"


def test_an_empty_batch_is_said_and_nothing_is_written(tmp_path):
    batch = tmp_path / "batch"
    (batch / "sub folder").mkdir(parents=True)
    (batch / ".DS_Store").write_bytes(b"x")
    _one_clear_line(_cli("run", str(batch), "--out", str(tmp_path / "out")), 2, "holds no file to read")
    assert not (tmp_path / "out").exists()


def test_cells_that_begin_like_a_formula_are_neutralised_in_the_spreadsheet(tmp_path):
    """OWASP's CSV injection: a cell beginning = + - @ (or a tab or return) is a formula to a
    spreadsheet program. The CSV shows it as text; the JSON keeps the value as read."""
    import csv

    from test_review import _field, make_document

    from cableocr.export import write_batch_tables

    document = make_document()
    typed = {"subject": '=HYPERLINK("http://evil.example","click")', "sender": "+81-3-1234", "addressee": "@SUM(A1)",
             "sending_post": "-2+3", "primary_bureau": "\t=1+1", "handling": "限定配布"}
    document = document.model_copy(update={"fields": {**document.fields, **{
        name: _field(value, 0.99, "auto") for name, value in typed.items()}}})
    write_batch_tables([document], tmp_path)
    (row,) = csv.DictReader((tmp_path / "fields.csv").read_text(encoding="utf-8-sig").splitlines())
    for name, value in typed.items():
        assert row[name] == (value if name == "handling" else f"'{value}"), name
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())
    assert '=HYPERLINK(' in (tmp_path / "cables.jsonl").read_text(encoding="utf-8")  # the JSON as read
