"""Pages -> cables: a cable starts on a page with the number line and header; pages with only
furniture and body continue it. Each line gets its role: header, body, furniture or noise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from cableocr.models import Line, Page
from cableocr.text import normalize

# The printed form's furniture, matched fuzzily (OCR of stamps is rough).
FURNITURE_TEXTS = ("電信写", "秘密指定解除", "外交記録・情報公開室", "外務省", "注意")
_NOTICE = re.compile(r"^[0-9０-９]?[.．、]?\s*本電|本電の(取扱|複製)|本電に関する|照会は|問い合わせ|連絡あり")
_CLASSIFICATION_ALONE = re.compile(r"^(極秘|秘|特秘|部外秘|取扱注意)")
# 第NNNN号 that is not a reference (往電/来電/貴電 第NNNN号).
NUMBER_LINE = re.compile(r"(?<![往来貴]電)第\s*([0-9０-９]{1,6})\s*[号弓]")
_HEADER_MARKS = re.compile(r"殿$|[発着]$|大使$|総領事$|公使$|主管|総番号")
_CAVEAT = re.compile(r"^\W?[（(][^（）()]{2,8}配布[）)]")


@dataclass(frozen=True)
class AssembledCable:
    pages: list[Page]  # lines carry their roles and cable-wide ids (p<page>-l<line>)
    page_positions: list[int]  # each page's position in the batch's page list

    @property
    def header_lines(self) -> list[tuple[int, Line]]:
        return [(i, ln) for i, p in enumerate(self.pages) for ln in p.lines if ln.role == "header"]

    @property
    def body_lines(self) -> list[Line]:
        return [ln for p in self.pages for ln in p.lines if ln.role == "body"]


def is_furniture(line: Line) -> bool:
    text = normalize(line.text).replace(" ", "")
    if not text:
        return True
    if _NOTICE.search(text) or "□" in text:
        return True
    if _CLASSIFICATION_ALONE.match(text) and not NUMBER_LINE.search(text) and len(text) <= 12:
        return True  # the 極秘 stamp, and whatever of the declassification stamp joined it
    return any(
        (f in text and len(text) <= len(f) + 4) or fuzz.ratio(f, text) >= 75 for f in FURNITURE_TEXTS
    )


def is_noise(line: Line) -> bool:
    """Specks and stamp fragments: a short line the engine itself does not believe."""
    chars = [c for c in line.chars if c.text.strip()]
    japanese = sum(1 for c in chars if ord(c.text[0]) > 0x2E80)
    low = line.confidence is not None and line.confidence < 0.6
    return len(chars) <= 3 and (low or japanese == 0)


def number_line_index(page: Page) -> int | None:
    """Index of the line carrying the cable number, if the page has the header around it."""
    header_marks = sum(1 for ln in page.lines if _HEADER_MARKS.search(normalize(ln.text)))
    for i, line in enumerate(page.lines):
        if NUMBER_LINE.search(normalize(line.text)) and header_marks >= 2:
            return i
    return None


def _with_roles(page: Page, position: int, starts: bool) -> Page:
    number_at = number_line_index(page) if starts else None
    lines = []
    for i, line in enumerate(page.lines):
        if is_furniture(line):
            role = "furniture"
        elif is_noise(line):
            role = "noise"
        elif number_at is not None and (i <= number_at or (i == number_at + 1 and _CAVEAT.match(normalize(line.text)))):
            role = "header"
        else:
            role = "body"
        lines.append(line.model_copy(update={"role": role, "id": f"p{position}-{line.id}"}))
    return page.model_copy(update={"lines": lines})


def assemble(pages: list[Page]) -> tuple[list[AssembledCable], list[int]]:
    """Group pages (in batch order) into cables; also return the positions of pages that
    belong to no cable (before the first header page), which the manifest reports."""
    cables: list[tuple[list[Page], list[int]]] = []
    unassigned: list[int] = []
    for position, page in enumerate(pages):
        starts = number_line_index(page) is not None
        if starts:
            cables.append(([], []))
        if not cables:
            unassigned.append(position)
            continue
        members, positions = cables[-1]
        members.append(_with_roles(page, len(members), starts))
        positions.append(position)
    return [AssembledCable(pages=m, page_positions=p) for m, p in cables], unassigned
