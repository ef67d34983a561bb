"""Writing into OUT safely: whole files or none, one run at a time, and the operating system's
refusals (a full disk, a read-only folder) as one clear error instead of a traceback."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cableocr.errors import OutputError, OutputLocked, OutputOverBatch

TEMPORARY_SUFFIX = ".tmp"  # every temporary this module makes ends so, and starts with a dot
LOCK_NAME = ".lock"
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_NOT_ALLOWED = (errno.EACCES, errno.EPERM, errno.EROFS)


def output_error(exc: OSError, what: Path | str) -> OutputError | None:
    """An OSError met while writing `what` as the user's error, where it is one they can mend
    (a full disk, a read-only folder); None for any other (a fault, raised as it is)."""
    if exc.errno in _NO_SPACE:
        return OutputError(f"no space left on the output disk while writing {what}; files written "
                           f"before are intact. Free some space and run again")
    if exc.errno in _NOT_ALLOWED:
        return OutputError(f"cannot write {what}: {exc.strerror or 'not allowed'}. Give this user write "
                           f"access to the output folder, or choose another with --out")
    return None


@contextmanager
def writing(what: Path | str) -> Iterator[None]:
    """OSErrors met inside as output_error says: the user's error, or raised as they are."""
    try:
        yield
    except OSError as exc:
        if (error := output_error(exc, what)) is not None:
            raise error from exc
        raise


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over path:
    a reader sees the old file or the new one, never half of one, and two writers of the same
    path (two threads storing the same page) never share a temporary.

    Raises OutputError when the disk is full or the folder read-only (path is left as it was)."""
    with writing(path):
        _write_atomic(path, data)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are for others to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_held: dict[Path, int] = {}  # OUT folders this process holds, and how deeply (a flow in a flow)
_held_guard = threading.Lock()


@contextmanager
def exclusive_output(out: Path) -> Iterator[None]:
    """Hold OUT for this process alone while it writes there; a second process writing into
    the same OUT (another run, a finalise) is refused at once with OutputLocked. The lock is
    the kernel's (flock), so a run that is killed releases it, and the temporaries such a run
    left are removed by the next one. Within one process the hold is re-entrant."""
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
        key = out.resolve()
    with _held_guard:
        if key in _held:
            _held[key] += 1
            handle = None
        else:
            handle = _lock(out)
            _held[key] = 1
    try:
        if handle is not None:
            remove_temporaries(out)
        yield
    finally:
        with _held_guard:
            _held[key] -= 1
            if not _held[key]:
                del _held[key]
        if handle is not None:
            handle.close()  # closing the file releases the kernel's lock


def _lock(out: Path):
    with writing(out):
        handle = (out / LOCK_NAME).open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise OutputLocked(f"{out} is being written by another cableocr process. Wait for it to end, "
                           f"or choose another folder with --out") from exc
    return handle


def remove_temporaries(out: Path) -> list[Path]:
    """The temporary files a killed run left in OUT (only ever called by the lock's holder)."""
    left = [p for p in out.rglob(f".*{TEMPORARY_SUFFIX}") if p.is_file() and not p.is_symlink()]
    for path in left:
        path.unlink(missing_ok=True)
    return left


def refuse_output_over_batch(batch: Path, out: Path) -> None:
    """Raise OutputOverBatch when OUT is the batch folder or a folder the batch lies inside."""
    scans, written = batch.resolve(), out.resolve()
    if written == scans or written in scans.parents:
        where = "is the batch folder" if written == scans else f"holds the batch folder {batch}"
        raise OutputOverBatch(f"the output folder {out} {where}: a run would read its own outputs as scans. "
                              f"Choose an output folder outside the batch, e.g. --out output/{scans.name}")
