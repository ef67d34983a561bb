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

from cableocr.translation.layout import paragraph_units
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
from cableocr.translation.vocabulary import (
    CLASSIFICATIONS_EN,
    CODE,
    DIVIDED,
    DRAFT_MARK,
    EN_DATE,
    FIELD_LABELS,
    FIELD_LINE,
    NOTE,
    NUMBER_LINE,
    PRECEDENCES_EN,
    REFERENCE,
    SPEAKER,
    TITLE,
    TITLE_PARTS,
    TRANSLATION_HEADING,
    is_heading,
)


def english_date(text: str) -> str | None:
    """'September 28, 1993' (or 'September28, 1993', 'Sept. 28 1993') -> '1993-09-28'."""
    match = EN_DATE.search(text)
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


# ---- units -> cables ------------------------------------------------------------------------

def _opens_form(unit: str) -> bool:
    return bool(FIELD_LINE.match(unit) or DRAFT_MARK.match(unit) or NUMBER_LINE.match(unit)
                or CODE.fullmatch(unit))


def _without_transcription(units: list[str]) -> list[str]:
    """A seed file (or a page with both tabs) holds the Japanese transcription between the
    'Translation - English' entry and the English form: it is not the translation."""
    heading = next((i for i, u in enumerate(units) if u.lower() == TRANSLATION_HEADING), None)
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
        if in_form and is_heading(unit):
            held_title = None if not in_catalogue else held_title
            in_catalogue = True
            continue
        if in_catalogue:
            if TITLE.match(unit):
                held_title = unit
            if not _opens_form(unit):
                continue
            chunks.append([held_title] if held_title else [])
            in_catalogue = seen_number = in_form = False
        elif seen_number and (TITLE.match(unit) or FIELD_LINE.match(unit) or DRAFT_MARK.match(unit)):
            chunks.append([])
            seen_number = in_form = False
        chunks[-1].append(unit)
        in_form = in_form or _opens_form(unit)
        seen_number = seen_number or bool(NUMBER_LINE.match(unit))
    return chunks


# ---- one cable --------------------------------------------------------------------------------

def _note_kind(text: str) -> str:
    if "blacked out" in text.lower():
        return "blacked_out"
    return "insertion" if not text.lower().startswith("tn") and len(text.split()) <= 3 else "note"


def _title_line(units: list[str], form_at: int) -> TitleLine | None:
    """The catalogue title before the form, joined again where a Markdown file broke it."""
    at = next((i for i in range(form_at) if TITLE.match(units[i])), None)
    if at is None:
        return None
    text = units[at]
    for more in units[at + 1: min(form_at, at + 4)]:
        if TITLE_PARTS.match(text) or is_heading(more) or EN_DATE.fullmatch(more):
            break
        text = f"{text} {more}"
    number = TITLE.match(text).group(1)
    if m := TITLE_PARTS.match(text):
        return TitleLine(text=text, number=number, sender=m["sender"], addressee=m["addressee"], subject=m["subject"])
    return TitleLine(text=text, number=number)


def _marks(text: str, header: dict[str, str | None]) -> bool:
    """Classification, precedence and transmission code from the number line (or a line after
    it); True when the telegram says it is divided."""
    lowered = text.lower()
    header["classification"] = header.get("classification") or next(
        (c for c in CLASSIFICATIONS_EN if c.lower() in lowered), None)
    precedence = header.get("precedence") or next((p for p in PRECEDENCES_EN if p.lower() in lowered), None)
    if precedence == "Urgent" and "priority processing" in lowered:  # on the number line or under it
        precedence = "Urgent (Priority Processing)"
    header["precedence"] = precedence
    codes = [c for c in (header.get("transmission_code") or "").split() if c]
    codes += [m.group(1) for m in CODE.finditer(text) if m.group(1) not in codes]
    header["transmission_code"] = " ".join(codes) or None
    return "divided" in lowered


def _is_mark_line(unit: str) -> bool:
    """A line of the form's marks standing alone: a code, (Priority Processing), Divided telegram."""
    bare = unit.strip("() ").lower()
    return bool(DIVIDED.match(unit) or bare == "priority processing" or CODE.fullmatch(unit.strip("() ")))


def _header_fields(units: list[str], start: int, header: dict[str, str | None]) -> tuple[int, bool]:
    """The form's field lines from start on, in any order, with the codes and marks among them;
    returns where they end and whether the telegram says it is divided."""
    i, divided = start, False
    while i < len(units) and (FIELD_LINE.match(units[i]) or DRAFT_MARK.match(units[i]) or _is_mark_line(units[i])):
        if m := FIELD_LINE.match(units[i]):
            header[FIELD_LABELS[m.group(1).lower()]] = m.group(2).strip()
        elif _is_mark_line(units[i]):
            divided |= _marks(units[i], header)
        i += 1
    return i, divided


def _places_and_dates(header: dict[str, str | None]) -> tuple[str | None, str | None]:
    sent_post = received_office = None
    for key in ("sent", "received", "drafted"):
        if raw := header.get(key):
            place = raw.split(",")[0].strip()
            if key == "sent":
                sent_post = place if not EN_DATE.match(place) else None
            elif key == "received":
                received_office = place if not EN_DATE.match(place) else None
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
        speaker = m.group(1) if (m := SPEAKER.match(block)) else None
        paragraphs.append(EnglishParagraph(index=index, text=block, speaker=speaker))
        notes.extend(TranslatorNote(text=n.group(2).strip(), kind=_note_kind(n.group(0)[1:]), paragraph=index)
                     for n in NOTE.finditer(block))
    return paragraphs, notes


def _not_a_cable(units: list[str], source: str, fmt: SourceFormat) -> ParsedTranslation:
    """A record that is no cable (a meeting record): its text kept, never matched to a cable."""
    heading = next((i for i, u in enumerate(units) if u.lower() == TRANSLATION_HEADING), None)
    body = units[heading + 1:] if heading is not None else units
    if ends := [i for i, u in enumerate(body) if is_heading(u)]:  # the catalogue around the record
        body = body[: ends[0]] if heading is not None or ends[0] > 0 else body[ends[-1] + 2:]
    title = next((u for u in units[: heading or 0] if not is_heading(u) and english_date(u) != u), None)
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
    i, divided = _header_fields(units, start, header)
    draft = any(DRAFT_MARK.match(u) for u in units[start:i]) or "drafted" in header
    rest = units[i:]
    body_start = 0
    for n, unit in enumerate(rest):
        if m := NUMBER_LINE.match(unit):
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
    if paragraphs and (ref := REFERENCE.match(paragraphs[0].text)):
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
