"""The review log and the outputs rebuilt from it.

Beside the batch output: `review-log.jsonl`, one decision a line, only ever appended to; and
`.machine/CABLE.json`, each cable as the machine read it. A cable's published JSON is always
rebuilt from the two, so a rerun keeps every decision and a lost or damaged log never costs
the cable JSON. Nor the decisions: each published cable carries the decisions applied to it,
and a rebuild after the log was lost keeps them in `review-log.recovered.jsonl`, and says so.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cableocr.errors import CableOcrError, ReviewPending
from cableocr.export import write_batch_tables, write_cable_json, write_manifest
from cableocr.files import exclusive_output, write_atomic
from cableocr.iiif import write_batch_manifest
from cableocr.models import CableDocument, Manifest
from cableocr.review import ReviewDecision, apply_decisions, review_queue

log = logging.getLogger(__name__)
REVIEW_LOG = "review-log.jsonl"
MACHINE_DIR = ".machine"


@dataclass(frozen=True)
class LogReading:
    decisions: list[ReviewDecision]
    problems: list[str]  # lines that could not be read, each with its number and why


def read_log(out: Path) -> LogReading:
    """Every readable decision, in the order made. A damaged line (a run killed mid-write, an
    edit by hand) is reported and passed over; a missing log is an empty one."""
    path = out / REVIEW_LOG
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return LogReading([], [])
    except OSError as exc:
        return LogReading([], [f"{path}: {exc}"])
    decisions, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            decisions.append(ReviewDecision.model_validate_json(line))
        except ValueError as exc:
            problems.append(f"{path.name} line {number}: unreadable, passed over ({str(exc).splitlines()[0]})")
    for problem in problems:
        log.warning("%s", problem)
    return LogReading(decisions, problems)


RECOVERED_LOG = "review-log.recovered.jsonl"


def keep_published_decisions(out: Path, logged: list[ReviewDecision]) -> int:
    """Before OUT's cables are published again: the decisions the published cables carry
    (provenance.review_decisions) that the log no longer holds, a deleted or replaced log, are
    written to RECOVERED_LOG and said, since the rebuild applies the log alone and would lose
    them. Returns how many were kept there."""
    known = {d.model_dump_json() for d in logged}
    recovered = out / RECOVERED_LOG
    kept = set(recovered.read_text(encoding="utf-8").splitlines()) if recovered.is_file() else set()
    lost = [line for line in _published_decisions(out) if line not in known and line not in kept]
    if lost:
        write_atomic(recovered, "".join(f"{line}\n" for line in [*sorted(kept), *lost]).encode("utf-8"))
        log.warning("%s no longer holds %d review decisions the published cables carry: they are kept in %s; "
                    "rename it to %s to apply them again", REVIEW_LOG, len(lost), recovered, REVIEW_LOG)
    return len(lost)


def _published_decisions(out: Path) -> list[str]:
    lines: list[str] = []
    for path in sorted(out.glob("*.json")):
        try:
            provenance = json.loads(path.read_bytes()).get("provenance") or {}
        except (OSError, ValueError, AttributeError):
            continue
        lines += [d["decision"] for d in provenance.get("review_decisions", []) if d.get("decision")]
    return list(dict.fromkeys(lines))


def append_decision(out: Path, decision: ReviewDecision) -> None:
    """Add one line to the log and flush it to disk. The log is never rewritten: a line torn by
    a crash is ended first, so the new decision starts a line of its own."""
    path = out / REVIEW_LOG
    line = (decision.model_dump_json() + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.fstat(fd).st_size and not _ends_with_newline(path):
            line = b"\n" + line
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def machine_path(out: Path, cable_id: str) -> Path:
    return out / MACHINE_DIR / f"{cable_id}.json"


def save_machine_copy(out: Path, document: CableDocument) -> None:
    write_atomic(machine_path(out, document.cable_id), document.model_dump_json().encode("utf-8"))


def load_machine_copy(out: Path, cable_id: str) -> CableDocument:
    return CableDocument.model_validate_json(machine_path(out, cable_id).read_bytes())


def load_machine_copies(out: Path, manifest: Manifest) -> list[CableDocument]:
    """The machine's reading of every cable of the batch, in the manifest's order."""
    documents = []
    for cable in manifest.cables:
        path = machine_path(out, cable.cable_id)
        try:
            documents.append(CableDocument.model_validate_json(path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise CableOcrError(f"{path}: the machine's reading of {cable.cable_id} cannot be read ({exc}). "
                                f"Run the batch again to rebuild it; the review log is kept") from exc
    return documents


def load_manifest(out: Path) -> Manifest:
    path = out / "manifest.json"
    if not path.is_file():
        raise CableOcrError(f"{out} holds no manifest.json. Run `cableocr run BATCH --out {out}` first")
    return Manifest.model_validate_json(path.read_bytes())


def publish(out: Path, manifest: Manifest, documents: list[CableDocument],
            changed: set[str] | None = None) -> Manifest:
    """Write the cable JSONs (those in changed, or all), the batch tables and a manifest with
    the current review counts."""
    counts = {d.cable_id: len(d.needs_review) for d in documents}
    for document in documents:
        if changed is None or document.cable_id in changed:
            write_cable_json(document, out)
    write_batch_tables(documents, out)
    manifest = manifest.model_copy(update={
        "cables": [c.model_copy(update={"needs_review": counts.get(c.cable_id, c.needs_review)})
                   for c in manifest.cables],
        "finalised": manifest.finalised and not any(counts.values()),  # a field waiting undoes it
    })
    write_manifest(manifest, out)
    return manifest


def rebuild(out: Path) -> tuple[Manifest, list[CableDocument]]:
    """Every cable JSON of OUT again from the machine's reading plus the review log."""
    manifest = load_manifest(out)
    decisions = read_log(out).decisions
    keep_published_decisions(out, decisions)
    documents = [apply_decisions(d, decisions) for d in load_machine_copies(out, manifest)]
    return publish(out, manifest, documents), documents


def finalise(out: Path) -> Manifest:
    """Mark the batch final once nothing waits for review; raises ReviewPending otherwise."""
    load_manifest(out)  # an OUT with no run is named, not made
    with exclusive_output(out):
        return _finalise(out)


def _finalise(out: Path) -> Manifest:
    manifest, documents = rebuild(out)
    pending = review_queue(documents)
    if pending:
        cables = len({item.cable_id for item in pending})
        raise ReviewPending(f"{len(pending)} fields in {cables} cables still wait for review: "
                            f"run `cableocr review {out}`")
    manifest = manifest.model_copy(update={"finalised": True})
    write_manifest(manifest, out)
    write_batch_manifest(out)  # the IIIF metadata with every decision in it
    return manifest
