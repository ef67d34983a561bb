"""Marks on the pages rather than text of the cable: the declassification stamp and the black boxes
of redaction, with what each box hides."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from cableocr.fields.context import Context
from cableocr.fields.evidence import (
    DOUBTFUL,
    MENDED,
    REDACTION_CERTAINTY,
    Absence,
    Finding,
    compact,
)
from cableocr.fields.header import DatedLine, row_share, serial_row_by_place
from cableocr.models import Box
from cableocr.text import DECLASSIFICATION_STAMP

DECLASSIFICATION = DECLASSIFICATION_STAMP
STAMP_LINE_READ = 70  # fuzzy score (0-100) from which a line of the stamp counts as read


def find_declassification(ctx: Context) -> Finding | Absence:
    """The declassification stamp (秘密指定解除 外交記録・情報公開室), read off the stamps the
    layout found and set level; its value is the stamp's known wording where the reading is
    close to it (the reading itself stays in detail.read_as). The stamp's two lines are one
    fixed wording: where only one was read, the whole is inferred from it, for review."""
    hits = []
    for index, page in enumerate(ctx.pages):
        for box, text in zip(page.stamps, page.stamp_texts, strict=False):
            read = [line for line in DECLASSIFICATION if fuzz.partial_ratio(line, text) >= STAMP_LINE_READ]
            if read:
                hits.append((index, box, text, read, max(fuzz.partial_ratio(line, text) for line in read)))
    if not hits:
        # Every cable of this archive was stamped when it was declassified: a page without the
        # stamp is more likely a stamp the layout did not find than a cable without one.
        stamped = any(page.stamps for page in ctx.pages)
        return Absence("declassification.stamp", "not_found", 0.5 if stamped else DOUBTFUL,
                       "stamps found but none reads 秘密指定解除" if stamped else "no stamp on any page")
    page, box, text, read, _ = hits[0]
    method = "askew framed stamp, set level and read"
    found = Finding("declassification.stamp", " ".join(DECLASSIFICATION), page, None, 0, 0, method,
                    0.97 * min(h[4] for h in hits) / 100,
                    detail={"read_as": text, "pages": ",".join(str(h[0]) for h in hits)}, box=box)
    if unread := [line for line in DECLASSIFICATION if line not in read]:
        found = found.flagged("inferred", certainty=found.certainty * 0.8, method=(
            f"{method}; {unread[0]} not read, the stamp's fixed wording inferred from its other line"))
    return found


@dataclass(frozen=True)
class HeaderRow:
    """A header row a black box may lie on: the field it would hide, where, and whether the row
    was read or only placed (the row before 主管, where 総番号 stands on the 1990s form)."""

    hides: str
    page: int
    box: Box
    vertical: bool
    read: bool


def header_rows(ctx: Context, sent: DatedLine, received: DatedLine) -> list[HeaderRow]:
    """The header rows a redaction may hide part of: the serial's, and the two dated lines'."""
    rows = []
    serial = next(((p, ln) for p, ln in ctx.labelled if re.search("総番号|総第", compact(ln))), None)  # 総第: a draft's
    if serial is not None:
        rows.append(HeaderRow("serial_number", serial[0], serial[1].box, serial[1].writing_mode == "vertical", True))
    elif (placed := serial_row_by_place(ctx)) is not None:
        rows.append(HeaderRow("serial_number", *placed, False))
    for name, dated in (("time_sent", sent), ("time_received", received)):
        if (evidence := dated.date or dated.post) is not None and evidence.line is not None:
            line = evidence.line
            rows.append(HeaderRow(name, evidence.page, line.box, line.writing_mode == "vertical", True))
    return rows


def _hidden_by(box: Box, page: int, rows: list[HeaderRow]) -> str:
    """What a redaction hides: the header field whose row it lies on most, else body text. The
    most, not the first: a line's box read by two engines may reach into the next row. Rows
    it lies on alike (a …発 line's box grown over the …着 row below) go to the row whose middle
    is nearest the box's."""
    shares = [(round(row_share(r.box, r.vertical, box), 1), -_off_middle(r, box), r.hides) for r in rows
              if r.page == page]
    share, _, hides = max(shares, default=(0.0, 0.0, "body"))
    return hides if share >= 0.5 else "body"


def _off_middle(row: HeaderRow, box: Box) -> float:
    """How far the box's middle lies from the row's, across the row."""
    if row.vertical:
        return abs((row.box.x0 + row.box.x1) - (box.x0 + box.x1)) / 2
    return abs((row.box.y0 + row.box.y1) - (box.y0 + box.y1)) / 2


def find_redactions(ctx: Context, rows: list[HeaderRow], expected_rows: int) -> Finding | Absence:
    """Every black box on every page, with what it hides (serial_number, time_sent, body…).
    expected_rows: how many header rows the form has that a box may hide (3 on a copy: the
    serial and the two dated lines; 1 on a draft)."""
    items = []
    for index, page in enumerate(ctx.pages):
        for box in page.redactions:
            items.append({"page": index, "box": [box.x0, box.y0, box.x1, box.y1], "hides": _hidden_by(box, index, rows)})
    if not items:
        return Absence("redactions.boxes", "not_found", REDACTION_CERTAINTY, "no solid black box on any page")
    page = items[0]["page"]
    # What a box hides is sure only where every header row it may lie on was read, and no row
    # holds two boxes.
    hidden = [i["hides"] for i in items if i["hides"] != "body"]
    settled = len(rows) >= expected_rows and all(r.read for r in rows) and len(hidden) == len(set(hidden))
    method = "solid black boxes found by layout" + ("" if settled else "; some header rows unread, what they hide uncertain")
    return Finding("redactions.boxes", items, page, None, 0, 0, method, REDACTION_CERTAINTY if settled else MENDED,
                   box=ctx.pages[page].redactions[0])
