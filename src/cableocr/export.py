"""Write what the run produced, atomically: per cable its JSON, an ALTO file per page and a
searchable PDF; per batch cables.jsonl, fields.csv and the manifest."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from cableocr.alto import page_alto
from cableocr.files import TEMPORARY_SUFFIX, write_atomic, writing
from cableocr.models import CableDocument, Manifest, PageDocument
from cableocr.searchable_pdf import cable_pdf

CSV_COLUMNS = (
    "cable_id", "cable_number", "date_sent", "date_sent_era", "sending_post", "sending_post_english",
    "addressee", "sender", "classification", "precedence", "subject", "serial_number",
    "primary_bureau", "receiving_office", "date_received", "time_sent", "time_received", "handling",
    "references", "separate_telegram", "forwarding", "end_mark", "needs_review", "pages",
    "source_files", "json",
)


def to_json(model: BaseModel, indent: int | None = 2) -> str:
    """Stable JSON: sorted keys, Japanese kept readable."""
    return json.dumps(model.model_dump(mode="json"), ensure_ascii=False, indent=indent, sort_keys=True)


def alto_name(cable_id: str, page_number: int) -> str:
    return f"{cable_id}.p{page_number}.alto.xml"


def write_cable(document: CableDocument, images: list[np.ndarray], out: Path, dpi: int = 300) -> Path:
    """The cable's JSON, an ALTO file per page, and its searchable PDF, beside each other."""
    for number, page in enumerate(document.pages, start=1):
        write_atomic(out / alto_name(document.cable_id, number), page_alto(page, f"p{number}"))
    write_atomic(out / f"{document.cable_id}.pdf", cable_pdf(document.pages, images, dpi))
    return write_cable_json(document, out)


def write_cable_json(document: CableDocument, out: Path) -> Path:
    path = out / f"{document.cable_id}.json"
    write_atomic(path, (to_json(document) + "\n").encode("utf-8"))
    return path


def write_page_document(document: PageDocument, out: Path) -> Path:
    path = out / f"{document.page_id}.json"
    write_atomic(path, (to_json(document) + "\n").encode("utf-8"))
    return path


def _csv_row(document: CableDocument) -> dict[str, str]:
    def value(name: str) -> str:
        field = document.fields.get(name)
        if field is None:
            return ""
        if field.reason == "redacted":
            return "[redacted]"
        v = field.value
        if isinstance(v, list):  # structured items (references) by their text
            return "; ".join(i if isinstance(i, str) else str(i.get("text", "")) for i in v)
        return v or ""

    date = document.fields.get("date_sent")
    post = document.fields.get("sending_post")
    return {
        **{name: value(name) for name in CSV_COLUMNS if name in document.fields},
        "cable_id": document.cable_id,
        "date_sent_era": date.detail.get("era_form", "") if date else "",
        "sending_post_english": post.detail.get("english", "") if post else "",
        "needs_review": "; ".join(document.needs_review),
        "pages": str(len(document.pages)),
        "source_files": "; ".join(dict.fromkeys(s.file for s in document.source)),
        "json": f"{document.cable_id}.json",
    }


# A cell a spreadsheet program would run as a formula (OWASP, "CSV Injection"): OCR text or a
# reviewer's correction may begin so.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(row: dict[str, str]) -> dict[str, str]:
    """The row with every cell that begins like a formula prefixed by an apostrophe, which
    spreadsheet programs show as text and do not evaluate (the value in the JSON is untouched)."""
    return {name: f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell for name, cell in row.items()}


def write_batch_tables(documents: list[CableDocument], out: Path) -> None:
    """cables.jsonl (one cable a line) and fields.csv (one row a cable, UTF-8 with BOM so that
    spreadsheet programs open the Japanese correctly)."""
    with BatchTables(out) as tables:
        for document in documents:
            tables.add(document)


class BatchTables:
    """cables.jsonl and fields.csv written a cable at a time into temporary files, which replace
    the old tables only when every cable is in: a reader sees the old tables or the new ones,
    and the run holds no more than one cable in memory."""

    def __init__(self, out: Path):
        self.out = out
        self._what = f"the batch tables in {out}"
        self._files: dict[str, tuple[Path, io.BufferedWriter]] = {}

    def __enter__(self) -> BatchTables:
        with writing(self._what):
            self.out.mkdir(parents=True, exist_ok=True)
            for name in ("cables.jsonl", "fields.csv"):
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMPORARY_SUFFIX, dir=self.out)
                self._files[name] = (Path(tmp), os.fdopen(fd, "wb"))
        self._write_csv(lambda writer: writer.writeheader(), bom=True)
        return self

    def _write_csv(self, write, bom: bool = False) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        write(writer)
        self._files["fields.csv"][1].write(buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))

    def add(self, document: CableDocument) -> None:
        with writing(self._what):
            self._files["cables.jsonl"][1].write((to_json(document, indent=None) + "\n").encode("utf-8"))
            self._write_csv(lambda writer: writer.writerow(spreadsheet_safe(_csv_row(document))))

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            with writing(self._what):
                for _tmp, handle in self._files.values():
                    handle.flush()
                    os.fsync(handle.fileno())
                    handle.close()
                if exc_type is None:
                    for name, (tmp, _) in self._files.items():
                        os.chmod(tmp, 0o644)
                        os.replace(tmp, self.out / name)
        finally:
            for tmp, _ in self._files.values():
                tmp.unlink(missing_ok=True)


def write_manifest(manifest: Manifest, out: Path) -> Path:
    path = out / "manifest.json"
    write_atomic(path, (to_json(manifest) + "\n").encode("utf-8"))
    return path


def cable_schema() -> dict:
    return CableDocument.model_json_schema()


def cable_schema_text() -> str:
    """The published schema file's exact text (schema/cable.schema.json)."""
    return json.dumps(cable_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def page_schema_text() -> str:
    """The published schema of a page document (schema/page.schema.json)."""
    return json.dumps(PageDocument.model_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
