"""Published English translations (Wilson Center style) -> header fields, paragraphs and the
translator's notes. Tolerant of what real files do: fields missing or reordered, extra or missing
blank lines, one paragraph a line or lines hard-wrapped, the archive's catalogue text around the
cable, several cables in one file, drafts, and small typos such as "September28, 1993"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from rapidfuzz import fuzz

from cableocr.translation.models import (
    EnglishParagraph,
    HeaderDisagreement,
    ParsedTranslation,
    SourceFormat,
    TitleLine,
    TranslationKind,
    TranslatorNote,
)
from cableocr.translation.sources import read_translation_source

# The form's "Number:" renders 総番号, the serial; the cable number is the "No. NNNN" line.
FIELD_LABELS = {
    "number": "serial", "serial": "serial", "primary": "primary", "sent": "sent",
    "received": "received", "to": "to", "from": "from", "drafted": "drafted",
}
_FIELD_LINE = re.compile(r"^(Number|Serial|Primary|Sent|Received|To|From|Drafted)\s*:\s*(.*)$", re.I)
_EN_DATE = re.compile(r"([A-Z][a-z]+)\.?\s*(\d{1,2}),?\s*(\d{4})")
_NUMBER_LINE = re.compile(r"^No\.?\s*(\d+)\b\s*(.*)$")
_TITLE = re.compile(r"^(?:Cable|Telegram)\s+No\.?\s*(\d+)\b", re.I)
_TITLE_PARTS = re.compile(r"^(?:Cable|Telegram)\s+No\.?\s*(?P<number>\d+)\s*,\s*(?P<sender>.+?)\s+to\s+"
                          r"(?P<addressee>.+?)\s*,\s*['‘\"“](?P<subject>.+)['’\"”]\s*$", re.I)
_DRAFT_MARK = re.compile(r"^draft\s+telegram\b", re.I)
_DIVIDED = re.compile(r"^\(?divided\s+telegram\b.*\)?$", re.I)
# Transmission codes: QQQQQ, Q55ID, YYYYY (one letter five times, or Q and four letters or digits).
_CODE = re.compile(r"\b(Q[0-9A-Z]{4}|([A-Z])\2{4})\b")
_NOTE = re.compile(r"\[(TN:\s*)?([^\[\]]+)\]")
_SPEAKER = re.compile(r"^\(([^()]{1,60})\)\s*(?=\S)")
_REFERENCE = re.compile(
    r"^(Outgoing|Incoming|Your|Our)\s+(?:Cable|Telegram)\s+No\.\s*(\d+)(?:\s+Separate\s+Telegram\s+(\d+))?", re.I
)
CLASSIFICATIONS_EN = ("Top Secret", "Secret", "Confidential", "Limited Official Use", "Restricted")
PRECEDENCES_EN = ("Top Urgent", "Urgent (Priority Processing)", "Urgent", "Priority", "Routine")
# The archive's catalogue around the document: headings and what follows them are not the cable.
CATALOGUE_HEADINGS = {
    "citation", "summary", "original language", "contents", "credits", "associated people & organizations",
    "associated people and organizations", "associated places", "associated topics", "associated documents",
    "related documents", "subjects discussed", "rights", "source", "original archive", "original classification",
    "record id", "donors", "funders", "keywords", "share", "download", "print", "document information",
    "source information", "language", "type", "record type", "collection", "collections",
}
_TRANSLATION_HEADING = "translation - english"
_SENTENCE_END = re.compile(r"[.?!)\]\"”:]$")


def english_date(text: str) -> str | None:
    """'September 28, 1993' (or 'September28, 1993', 'Sept. 28 1993') -> '1993-09-28'."""
    match = _EN_DATE.search(text)
    if not match:
        return None
    month, day, year = match.groups()
    for name in (month, month[:3]):  # full month names, or abbreviations such as Sept.
        for fmt in ("%B %d %Y", "%b %d %Y"):
            try:
                return datetime.strptime(f"{name} {day} {year}", fmt).date().isoformat()
            except ValueError:
                continue
    return None


# ---- the text's layout -> paragraph units -------------------------------------------------

def _clean(line: str) -> str:
    line = line.replace("**", "").replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"[ \t]+", " ", line).strip()


def _is_heading(unit: str) -> bool:
    return unit.rstrip(":").strip().lower() in CATALOGUE_HEADINGS


def _wrap_width(lines: list[str]) -> int | None:
    """The column the text was hard-wrapped at, or None when its lines are whole paragraphs: in
    wrapped text most long lines end within a few characters of one width."""
    lengths = sorted(len(ln) for ln in lines if ln)
    if len(lengths) < 5:
        return None
    width = lengths[int(0.95 * (len(lengths) - 1))]
    near = sum(1 for n in lengths if n >= width - 15)
    return width if width <= 160 and near >= max(5, 0.25 * len(lengths)) else None


_STARTS_PARAGRAPH = re.compile(r"^(\([A-Z][^()]{1,60}\)\s|Passed to\b)")


def _line_ends_paragraph(line: str, following: str, width: int) -> bool:
    """In hard-wrapped text a line ends its paragraph when the next line's first word would have
    fitted on it, or when a sentence ends and the next line opens a speaker's turn or the
    forwarding line; form fields, the number line and catalogue headings stand alone."""
    first_word = following.split(" ", 1)[0]
    if len(line) + 1 + len(first_word) <= width:
        return True
    if _SENTENCE_END.search(line) and _STARTS_PARAGRAPH.match(following):
        return True
    return any(p.match(x) for x in (line, following) for p in (_FIELD_LINE, _NUMBER_LINE)) or _is_heading(line)


def _join_wrapped(text: str, line: str) -> str:
    return f"{text}{line}" if re.search(r"[A-Za-z]-$", text) else f"{text} {line}"


def paragraph_units(text: str) -> list[str]:
    """The text's paragraphs (and header lines), one string each, whatever its layout: blank
    lines between paragraphs or none, one paragraph a line or lines hard-wrapped. A paragraph a
    page break split mid-sentence (the next line opening in lower case) is joined again."""
    lines = [_clean(ln) for ln in text.splitlines()]
    width = _wrap_width(lines)
    units: list[str] = []
    starts_block = True
    for n, line in enumerate(lines):
        if not line:
            starts_block = True
            continue
        continues_line = (not starts_block and width is not None
                          and not _line_ends_paragraph(lines[n - 1], line, width))
        page_break_split = bool(units) and not _SENTENCE_END.search(units[-1]) and line[:1].islower()
        if continues_line or page_break_split:
            units[-1] = _join_wrapped(units[-1], line)
        else:
            units.append(line)
        starts_block = False
    return units


# ---- units -> cables ------------------------------------------------------------------------

def _opens_form(unit: str) -> bool:
    return bool(_FIELD_LINE.match(unit) or _DRAFT_MARK.match(unit) or _NUMBER_LINE.match(unit))


def _without_transcription(units: list[str]) -> list[str]:
    """A seed file (or a page with both tabs) holds the Japanese transcription between the
    'Translation - English' entry and the English form: it is not the translation."""
    heading = next((i for i, u in enumerate(units) if u.lower() == _TRANSLATION_HEADING), None)
    if heading is None:
        return units
    form = next((i for i in range(heading + 1, len(units)) if _opens_form(units[i])), None)
    return units if form is None else [*units[:heading + 1], *units[form:]]


def _split_cables(units: list[str]) -> list[list[str]]:
    """A file may hold several cables, and the archive's catalogue after each. Past a cable's
    form, a catalogue heading starts catalogue text, left out until the next form opens (with
    the last catalogue title met on the way as its title); a title or a form field after a
    cable's number line opens the next cable."""
    chunks: list[list[str]] = [[]]
    in_form = seen_number = in_catalogue = False
    held_title: str | None = None
    for unit in units:
        if in_form and _is_heading(unit):
            held_title = None if not in_catalogue else held_title
            in_catalogue = True
            continue
        if in_catalogue:
            if _TITLE.match(unit):
                held_title = unit
            if not _opens_form(unit):
                continue
            chunks.append([held_title] if held_title else [])
            in_catalogue = seen_number = in_form = False
        elif seen_number and (_TITLE.match(unit) or _FIELD_LINE.match(unit) or _DRAFT_MARK.match(unit)):
            chunks.append([])
            seen_number = in_form = False
        chunks[-1].append(unit)
        in_form = in_form or _opens_form(unit)
        seen_number = seen_number or bool(_NUMBER_LINE.match(unit))
    return chunks


# ---- one cable --------------------------------------------------------------------------------

def _note_kind(text: str) -> str:
    if "blacked out" in text.lower():
        return "blacked_out"
    return "insertion" if not text.lower().startswith("tn") and len(text.split()) <= 3 else "note"


def _title_line(units: list[str], form_at: int) -> TitleLine | None:
    """The catalogue title before the form, joined again where a Markdown file broke it."""
    at = next((i for i in range(form_at) if _TITLE.match(units[i])), None)
    if at is None:
        return None
    text = units[at]
    for more in units[at + 1: min(form_at, at + 4)]:
        if _TITLE_PARTS.match(text) or _is_heading(more) or _EN_DATE.fullmatch(more):
            break
        text = f"{text} {more}"
    number = _TITLE.match(text).group(1)
    if m := _TITLE_PARTS.match(text):
        return TitleLine(text=text, number=number, sender=m["sender"], addressee=m["addressee"], subject=m["subject"])
    return TitleLine(text=text, number=number)


def _marks(text: str, header: dict[str, str | None]) -> bool:
    """Classification, precedence and transmission code from the number line (or a line after
    it); True when the telegram says it is divided."""
    lowered = text.lower()
    header["classification"] = header.get("classification") or next(
        (c for c in CLASSIFICATIONS_EN if c.lower() in lowered), None)
    precedence = next((p for p in PRECEDENCES_EN if p.lower() in lowered), None)
    if precedence == "Urgent" and "priority processing" in lowered:
        precedence = "Urgent (Priority Processing)"
    header["precedence"] = header.get("precedence") or precedence
    if code := _CODE.search(text):
        header["transmission_code"] = header.get("transmission_code") or code.group(1)
    return "divided" in lowered


def _is_mark_line(unit: str) -> bool:
    """A line of the form's marks standing alone: a code, (Priority Processing), Divided telegram."""
    bare = unit.strip("() ").lower()
    return bool(_DIVIDED.match(unit) or bare == "priority processing" or _CODE.fullmatch(unit.strip("() ")))


def _header_fields(units: list[str], start: int, header: dict[str, str | None]) -> int:
    """The form's field lines from start on, in any order; returns where they end."""
    i = start
    while i < len(units) and (_FIELD_LINE.match(units[i]) or _DRAFT_MARK.match(units[i])):
        if m := _FIELD_LINE.match(units[i]):
            header[FIELD_LABELS[m.group(1).lower()]] = m.group(2).strip()
        i += 1
    return i


def _places_and_dates(header: dict[str, str | None]) -> tuple[str | None, str | None]:
    sent_post = received_office = None
    for key in ("sent", "received", "drafted"):
        if raw := header.get(key):
            place = raw.split(",")[0].strip()
            if key == "sent":
                sent_post = place if not _EN_DATE.match(place) else None
            elif key == "received":
                received_office = place if not _EN_DATE.match(place) else None
            header[key] = english_date(raw)
    return sent_post, received_office


def _same(a: str, b: str) -> bool:
    fold = lambda s: re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()  # noqa: E731
    return fuzz.token_sort_ratio(fold(a), fold(b)) >= 90


def _against_title(header: dict[str, str | None], title: TitleLine | None) -> tuple[list[str], list[HeaderDisagreement]]:
    """The title as a second source: what the form lacks is taken from it (and said so); where
    both have a value and they differ, the disagreement is reported and neither is chosen."""
    filled, disagreements = [], []
    if title is None:
        return filled, disagreements
    for field, theirs in (("number", title.number), ("from", title.sender), ("title", title.subject)):
        ours = header.get(field)
        if not theirs:
            continue
        if not ours:
            header[field] = theirs
            filled.append(field)
        elif (ours != theirs) if field == "number" else not _same(ours, theirs):
            disagreements.append(HeaderDisagreement(field=field, title=theirs, body=ours))
    return filled, disagreements


def _body(blocks: list[str]) -> tuple[list[EnglishParagraph], list[TranslatorNote]]:
    paragraphs, notes = [], []
    for index, block in enumerate(blocks):
        speaker = m.group(1) if (m := _SPEAKER.match(block)) else None
        paragraphs.append(EnglishParagraph(index=index, text=block, speaker=speaker))
        notes.extend(TranslatorNote(text=n.group(2).strip(), kind=_note_kind(n.group(0)[1:]), paragraph=index)
                     for n in _NOTE.finditer(block))
    return paragraphs, notes


def _not_a_cable(units: list[str], source: str, fmt: SourceFormat) -> ParsedTranslation:
    """A record that is no cable (a meeting record): its text kept, never matched to a cable."""
    heading = next((i for i, u in enumerate(units) if u.lower() == _TRANSLATION_HEADING), None)
    body = units[heading + 1:] if heading is not None else units
    if ends := [i for i, u in enumerate(body) if _is_heading(u)]:  # the catalogue around the record
        body = body[: ends[0]] if heading is not None or ends[0] > 0 else body[ends[-1] + 2:]
    title = next((u for u in units[: heading or 0] if not _is_heading(u) and english_date(u) != u), None)
    paragraphs, notes = _body(body)
    header = dict.fromkeys(("number", "serial", "primary", "sent", "received", "to", "from", "title",
                            "classification", "precedence", "caveats", "reference"))
    header["title"] = title
    return ParsedTranslation(source=source, source_format=fmt, kind=TranslationKind.NOT_A_CABLE, header=header,
                             paragraphs=paragraphs, notes=notes, catalogue_title=title)


def _parse_one(units: list[str], source: str, fmt: SourceFormat) -> ParsedTranslation:
    form_at = next((i for i, u in enumerate(units) if _opens_form(u)), None)
    title = _title_line(units, form_at if form_at is not None else len(units))
    if form_at is None and title is None:
        return _not_a_cable(units, source, fmt)
    header: dict[str, str | None] = {}
    start = form_at if form_at is not None else len(units)
    i = _header_fields(units, start, header)
    draft = any(_DRAFT_MARK.match(u) for u in units[start:i]) or "drafted" in header
    divided = False
    while i < len(units) and _is_mark_line(units[i]):  # codes or Divided telegram above the subject
        divided |= _marks(units[i], header)
        i += 1
    rest = units[i:]
    body_start = 0
    for n, unit in enumerate(rest):
        if m := _NUMBER_LINE.match(unit):
            header.setdefault("number", m.group(1))
            divided |= _marks(m.group(2), header)
            if n > 0:
                header["title"] = rest[n - 1]
            body_start = n + 1
            break
    caveats = []
    while body_start < len(rest) and (re.fullmatch(r"\(([^()]{3,40})\)", rest[body_start])
                                      or _is_mark_line(rest[body_start])):
        if _is_mark_line(rest[body_start]):
            divided |= _marks(rest[body_start], header)
        else:
            caveats.append(rest[body_start][1:-1])
        body_start += 1
    header["caveats"] = "; ".join(caveats) or None
    sent_post, received_office = _places_and_dates(header)
    if header.get("serial") and "blacked out" in (header["serial"] or ""):
        header["serial"] = "redacted"
    paragraphs, notes = _body(rest[body_start:])
    if paragraphs and (ref := _REFERENCE.match(paragraphs[0].text)):
        kind, number, separate = ref.groups()
        header["reference"] = f"{kind.capitalize()} Cable No. {number}" + (f" Separate Telegram {separate}" if separate else "")
    for key in ("number", "serial", "primary", "sent", "received", "to", "from", "title", "classification",
                "precedence", "reference", "transmission_code"):
        header.setdefault(key, None)
    filled, disagreements = _against_title(header, title)
    return ParsedTranslation(
        source=source, source_format=fmt, kind=TranslationKind.DRAFT if draft else TranslationKind.CABLE,
        header=header, sent_post=sent_post, received_office=received_office, paragraphs=paragraphs, notes=notes,
        catalogue_title=title.text if title else None, title_line=title, from_title=filled,
        disagreements=disagreements, divided=divided)


def _cables(units: list[str], source: str, fmt: SourceFormat) -> Iterator[ParsedTranslation]:
    for chunk in _split_cables(_without_transcription(units)):
        parsed = _parse_one(chunk, source, fmt)
        if parsed.header.get("number") or parsed.header.get("title") or parsed.paragraphs:
            yield parsed


def parse_translation_text(text: str, source: str, fmt: SourceFormat = SourceFormat.TEXT) -> list[ParsedTranslation]:
    """Every cable (or other record) translated in the text. Raises ValueError naming the source
    when there is none."""
    parsed = list(_cables(paragraph_units(text), source, fmt))
    if not parsed:
        raise ValueError(f"{source}: no translated cable found")
    return parsed


def parse_translation(path: Path) -> list[ParsedTranslation]:
    """Every cable translated in the file (text, Markdown, a saved web page or a PDF). Raises
    ValueError naming the file when none is found or the file cannot be read."""
    text, fmt = read_translation_source(path)
    return parse_translation_text(text, path.name, fmt)
