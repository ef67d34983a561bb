"""Write what the run produced: one JSON per cable and the batch manifest, atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel

from cableocr.models import CableDocument, Manifest


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over path:
    a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_json(model: BaseModel) -> bytes:
    """Stable JSON: sorted keys, UTF-8 kept readable, a final newline."""
    data = model.model_dump(mode="json")
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_cable(document: CableDocument, out: Path) -> Path:
    path = out / f"{document.cable_id}.json"
    write_atomic(path, to_json(document))
    return path


def write_manifest(manifest: Manifest, out: Path) -> Path:
    path = out / "manifest.json"
    write_atomic(path, to_json(manifest))
    return path


def cable_schema() -> dict:
    return CableDocument.model_json_schema()
