"""The data every stage passes on: pages, lines, characters, fields, cables, manifests."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.8"  # 1.1: the manifest says whether the batch is finalised; 1.2: normalised texts in modern
# orthography; 1.3: a line's second reading; 1.4: the engines that read a line, the model files' hashes;
# 1.5: a field's rule and flags; page documents for pages that belong to no cable; 1.6: links; 1.7: ink
# after a line's last character that no engine read; 1.8: round stamps, their text apart from the page's

WritingMode = Literal["horizontal", "vertical"]
FieldStatus = Literal["auto", "needs_review", "reviewed"]
FieldSource = Literal["ocr", "translation", "review"]
AbsentReason = Literal["not_found", "redacted", "illegible"]
LineRole = Literal["header", "body", "furniture", "noise"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Box(Frozen):
    """A rectangle in the pixels of the page as ingested (x0, y0 inclusive; x1, y1 exclusive)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def area(self) -> int:
        return max(self.x1 - self.x0, 0) * max(self.y1 - self.y0, 0)

    def shared_area(self, other: Box) -> int:
        """The area the two boxes share (0 where they do not meet)."""
        w, h = min(self.x1, other.x1) - max(self.x0, other.x0), min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0

    def shared_share(self, other: Box) -> float:
        """The share of the smaller box that the two boxes share."""
        smaller = min(self.area, other.area)
        return self.shared_area(other) / smaller if smaller > 0 else 0.0

    def shifted(self, dx: int, dy: int) -> Box:
        return Box(x0=self.x0 + dx, y0=self.y0 + dy, x1=self.x1 + dx, y1=self.y1 + dy)

    def split(self, n: int, vertical: bool) -> list[Box]:
        """n equal boxes along this one: down a column, or across a line."""
        if vertical:
            step = (self.y1 - self.y0) / n
            return [Box(x0=self.x0, y0=round(self.y0 + i * step), x1=self.x1, y1=round(self.y0 + (i + 1) * step))
                    for i in range(n)]
        step = (self.x1 - self.x0) / n
        return [Box(x0=round(self.x0 + i * step), y0=self.y0, x1=round(self.x0 + (i + 1) * step), y1=self.y1)
                for i in range(n)]

    @staticmethod
    def union(boxes: list[Box]) -> Box | None:
        if not boxes:
            return None
        return Box(
            x0=min(b.x0 for b in boxes),
            y0=min(b.y0 for b in boxes),
            x1=max(b.x1 for b in boxes),
            y1=max(b.y1 for b in boxes),
        )


class Char(Frozen):
    text: str
    box: Box
    confidence: float | None = Field(description="0..1 as the engine reported it; null if none")


def median_char_size(chars: list[Char]) -> float:
    """The median of the characters' larger sides: a line's character size, in its pixels."""
    sizes = sorted(max(c.box.x1 - c.box.x0, c.box.y1 - c.box.y0) for c in chars)
    return sizes[len(sizes) // 2] if sizes else 0.0


class Line(Frozen):
    id: str = Field(description="p<page>-l<line>, unique within a cable")
    text: str = Field(description=(
        "as read, with the engine's spaces between Japanese removed and lookalikes of one shape set by "
        "their neighbours (ロ/口, エ/工, カ/力, ニ/二 beside katakana)"))
    raw: str = Field(description="exactly as the engine returned it")
    normalized: str = Field(description="NFKC digits and Latin, full-width Japanese punctuation")
    box: Box
    confidence: float | None
    writing_mode: WritingMode
    role: LineRole = "body"
    chars: list[Char] = []
    second_reading: str | None = Field(default=None, description=(
        "where the line was read twice, in the page and alone on its crop: the reading not kept, with the "
        "engine's spaces removed. A line holding a cable's number, a date or the serial is always read "
        "twice, and extraction sends a value the two readings disagree on to review"))
    read_by: list[str] = Field(default=[], description=(
        "where two engines read the page: the engines whose readings made the line, the first the one whose "
        "boxes it has; one engine alone where the other did not read the line"))
    chars_agreed: int | None = Field(default=None, description=(
        "where two engines read the line: how many of its characters they read alike (the rest were settled "
        "between them, or read by one alone)"))
    ink_after_end: float | None = Field(default=None, description=(
        "where the line's next character would stand (one character's length after its last), the characters "
        "of every line read left out: the longest side of the largest patch of ink there, in character sizes. "
        "Ink no engine read, as large as a piece of a character (digits under a date stamp, a column's last "
        "digit both engines dropped), means the line may go on; a speck is a tenth or two. None where not "
        "measured"))


class PageSource(Frozen):
    file: str = Field(description="path of the input file, relative to the batch folder")
    index: int = Field(description="0-based page index inside that file")
    sha256: str = Field(description="hash of the decoded page pixels")


class Orientation(Frozen):
    """How far to turn a page clockwise (0, 90, 180, 270) to stand it upright."""

    rotate_cw: int = 0
    confidence: float = 0.0  # the detector's own score; 0 where it could not tell
    method: str = "none"
    note: str = ""


class Step(Frozen):
    """One processing step applied to a page, with its parameters, so a reviewer can see it."""

    name: str
    params: dict[str, float | int | str | bool] = {}


class RoundStamp(Frozen):
    """A round receipt stamp (受付 and a date in a ring) pressed over the page: its ring and bars
    were erased before reading, and what was read inside the ring is kept here, not in the text."""

    box: Box = Field(description="the ring's bounding box, in the ingested page's pixels")
    text: str = Field(default="", description=(
        "what was read inside the ring (a receipt date), apart from the page's lines: lines wholly inside it, and "
        "runs at a line's end or start standing well apart from the rest of the line; empty where none"))


class Page(Frozen):
    source: PageSource
    width: int
    height: int
    writing_mode: WritingMode
    engine: str
    steps: list[Step] = []
    lines: list[Line] = []
    redactions: list[Box] = Field(default=[], description="blacked-out boxes, not OCRed")
    stamps: list[Box] = Field(default=[], description="stamps recognised as furniture, masked before OCR")
    stamp_texts: list[str] = Field(default=[], description="each stamp read on its own, set level")
    round_stamps: list[RoundStamp] = Field(default=[], description=(
        "round receipt stamps found on the page, their rings erased before reading"))
    issues: list[str] = Field(default=[], description="soft problems met on this page")


# A field's value: a string, a list of items (forwarding posts), or a list of structured
# objects (references, speaker turns, redactions); null when absent.
FieldValue = str | list[str] | list[dict[str, Any]] | None


# Why a field is not to be trusted unread, whatever its confidence (policy.ALWAYS_REVIEWED):
# disputed: the line's second reading, or a cross-check, gives another value; inferred: not read
# as it stands (the nearest known name, a misread mark taken as meant); repaired: read only after
# mending an OCR confusion (O for 0, 弓 for 号); unknown_name: a name the project's tables do not
# hold; unconfirmed: nothing on the form confirms what the value is (a 第N号 line with no marks
# beside it); trimmed: doubtful characters at its end were left out; truncated: the value runs on
# into characters that are not part of it (768aoc), so it may be cut short; missing: a field every cable
# of its form carries was not found; translation: taken from, or contradicted by, the
# translation; page_changed: reviewed on another image of the page.
FieldFlag = Literal["disputed", "inferred", "repaired", "unknown_name", "unconfirmed", "trimmed", "truncated",
                    "missing", "translation", "page_changed"]


class ExtractedField(Frozen):
    value: FieldValue = Field(description="normalised value; null when absent")
    rule: str = Field(default="", description="the id of the rule that found the value (or its absence)")
    flags: list[FieldFlag] = Field(default=[], description="why the value may be wrong, whatever its confidence")
    as_read: str | None = Field(default=None, description="the value's characters exactly as OCR read them")
    raw: str | None = Field(default=None, description="OCR text of the whole line the value came from")
    confidence: float = Field(ge=0.0, le=1.0)
    page: int | None = Field(default=None, description="0-based index into the cable's pages")
    box: Box | None = None
    line_id: str | None = None
    method: str = Field(description="the rule that produced the value")
    status: FieldStatus = "needs_review"
    reason: AbsentReason | None = Field(default=None, description="why the value is absent")
    detail: dict[str, str] = Field(default={}, description="extra forms, e.g. the era date")
    source: FieldSource = Field(default="ocr", description="where the value comes from")


class Provenance(Frozen):
    """What made this document, so that the same input and settings give the same bytes."""

    software: str = "cableocr"
    software_version: str
    engines: list[str] = Field(description="engine, version, model and mode of every page")
    models: dict[str, str] = Field(default={}, description="every engine model file that read the pages -> its SHA-256")
    settings: dict[str, Any] = Field(description="every stage's parameters")
    review_decisions: list[dict[str, str]] = Field(default=[], description="review decisions applied")


class BodyParagraph(Frozen):
    index: int
    text: str
    text_normalized: str = Field(default="", description="the text in modern orthography, for search (see CableDocument)")
    line_ids: list[str]
    speaker: str | None = Field(default=None, description="the label of a speaker turn, e.g. 総理")


class CrossCheck(Frozen):
    field: str
    ours: str | None
    theirs: str | None
    agree: bool | None = Field(description="null where the two cannot be compared")
    note: str = ""


class AlignedPair(Frozen):
    ja: str
    en: str
    ja_paragraphs: list[int]
    en_paragraphs: list[int]
    level: Literal["paragraph", "sentence"]
    score: float
    flagged: bool = Field(description="score too low to trust without review")


class AlignmentNote(Frozen):
    text: str
    kind: str
    en_paragraph: int | None
    redaction: dict[str, Any] | None = Field(default=None, description="the page and box of the redaction it marks")


class Alignment(Frozen):
    translation: str
    cross_checks: list[CrossCheck]
    pairs: list[AlignedPair]
    notes: list[AlignmentNote]


LinkRelation = Literal["refers_to", "separate_telegram_of", "sibling"]


class CableLink(Frozen):
    """A reference the cable makes, resolved to a cable of the batch (cableocr.links)."""

    relation: LinkRelation = Field(description=(
        "refers_to: the cable names it; separate_telegram_of: the cable is that cable's annex (別電); sibling: "
        "another annex of the same cable"))
    reference: str = Field(description="the reference as the cable gives it, e.g. 往電第5513号別電2")
    kind: str | None = Field(default=None, description="outgoing (往電), incoming (来電) or yours (貴電)")
    number: str | None = Field(default=None, description="the number of the cable linked to")
    separate_telegram: str | None = None
    resolution: Literal["resolved", "unresolved", "ambiguous"]
    target: str | None = Field(default=None, description="the cable id linked to, where resolved")
    candidates: list[str] = Field(default=[], description="where ambiguous: every cable that fits")
    note: str = ""


class CableDocument(Frozen):
    schema_version: str = SCHEMA_VERSION
    cable_id: str
    source: list[PageSource]
    pages: list[Page]
    text: str = Field(description="the body as typed (diplomatic), furniture removed")
    text_normalized: str = Field(description=(
        "the body for search: NFKC (half-width digits and Latin), full-width Japanese punctuation, "
        "and modern orthography (small kana restored where the dictionary reads them so, kana for "
        "kanji from a table, older kanji forms); never replaces text"))
    paragraphs: list[BodyParagraph] = []
    fields: dict[str, ExtractedField]
    needs_review: list[str] = Field(description="names of fields flagged for review")
    provenance: Provenance
    alignment: Alignment | None = None
    links: list[CableLink] = Field(default=[], description=(
        "the cable's references resolved against the cables of its batch; an unresolved one says so"))


class PageDocument(Frozen):
    """A page that belongs to no cable (a memo, a cover sheet, a report filed between cables):
    its lines and text kept beside the cables, so that nothing scanned is unsearchable."""

    schema_version: str = SCHEMA_VERSION
    page_id: str = Field(description="page-<file stem>-p<page number>, unique within the batch")
    source: PageSource
    reason: str = Field(description="why the page belongs to no cable")
    page: Page
    text: str = Field(description="every line read on the page, in reading order")
    text_normalized: str = Field(description="the text for search (see CableDocument)")
    provenance: Provenance


PageStatus = Literal["ok", "error", "unassigned", "blank"]


class ManifestPage(Frozen):
    index: int
    sha256: str | None = None
    status: PageStatus
    error: str | None = None
    cable_id: str | None = None
    document: str | None = Field(default=None, description=(
        "for a page that belongs to no cable: its page document (page-….json), relative to the output folder"))
    same_pixels_as: str | None = Field(default=None, description=(
        "an earlier page of the batch with exactly the same pixels (file and page number): the page was "
        "read once, and both are kept"))


class ManifestFile(Frozen):
    path: str
    status: Literal["ok", "error"]
    error: str | None = None
    pages: list[ManifestPage] = []


class ManifestCable(Frozen):
    cable_id: str
    path: str
    translation: str | None = Field(default=None, description="the translation file matched to it")
    cable_number: str | None
    date_sent: str | None
    sender: str | None
    classification: str | None
    needs_review: int


class ManifestTranslation(Frozen):
    file: str
    cable_number: str | None
    date: str | None
    cable_ids: list[str] = Field(description="the cables it was matched to; empty: no cable in the batch")
    error: str | None = None
    kind: str = Field(default="cable", description="cable, draft, or not_a_cable (a meeting record: never matched)")
    source_format: str | None = Field(default=None, description="text, markdown, html or pdf")
    problems: list[str] = Field(default=[], description="the catalogue title and the form disagree: both readings")


class Manifest(Frozen):
    schema_version: str = SCHEMA_VERSION
    batch: str
    files: list[ManifestFile]
    cables: list[ManifestCable]
    translations: list[ManifestTranslation] = []
    finalised: bool = Field(default=False, description="every flagged field reviewed (`cableocr finalise`)")

    @property
    def failed(self) -> bool:
        return any(f.status == "error" for f in self.files) or any(
            p.status == "error" for f in self.files for p in f.pages
        )
