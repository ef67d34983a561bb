"""Published English translations (Wilson Center style) -> header fields, paragraphs and the
translator's notes. Tolerant of what real files do: fields missing or reordered, extra blank
lines, several cables in one file, drafts, and small typos such as "September28, 1993"."""

from __future__ import annotations

import codecs
import re
from datetime import datetime
from pathlib import Path

from pydantic import Field

from cableocr.models import Frozen

# The form's "Number:" renders 総番号, the serial; the cable number is the "No. NNNN" line.
FIELD_LABELS = {
    "number": "serial", "serial": "serial", "primary": "primary", "sent": "sent",
    "received": "received", "to": "to", "from": "from", "drafted": "drafted",
}
_FIELD_LINE = re.compile(r"^(Number|Serial|Primary|Sent|Received|To|From|Drafted)\s*:\s*(.*)$", re.I)
_EN_DATE = re.compile(r"([A-Z][a-z]+)\.?\s*(\d{1,2}),?\s*(\d{4})")
_NUMBER_LINE = re.compile(r"^No\.\s*(\d+)\s*(.*)$")
_CATALOGUE_TITLE = re.compile(r"^\**\s*Cable No\.\s*(\d+)", re.M)
_NOTE = re.compile(r"\[(TN:\s*)?([^\[\]]+)\]")
_SPEAKER = re.compile(r"^\(([^()]{1,60})\)\s*(?=\S)")
_REFERENCE = re.compile(
    r"^(Outgoing|Incoming|Your|Our)\s+(?:Cable|Telegram)\s+No\.\s*(\d+)(?:\s+Separate\s+Telegram\s+(\d+))?", re.I
)
CLASSIFICATIONS_EN = ("Top Secret", "Secret", "Confidential", "Limited Official Use", "Restricted")
PRECEDENCES_EN = ("Top Urgent", "Urgent (Priority Processing)", "Urgent", "Priority", "Routine")


class TranslatorNote(Frozen):
    text: str
    kind: str = Field(description="blacked_out, insertion ([Japanese]) or note")
    paragraph: int | None = None


class EnglishParagraph(Frozen):
    index: int
    text: str = Field(description="as published, notes kept in place")
    speaker: str | None = None


class ParsedTranslation(Frozen):
    source: str
    header: dict[str, str | None] = Field(description="number, serial, primary, sent, received, to, from, "
                                          "title, classification, precedence, caveats, reference, drafted; dates ISO")
    sent_post: str | None = None
    received_office: str | None = None
    paragraphs: list[EnglishParagraph]
    notes: list[TranslatorNote]
    catalogue_title: str | None = None
    draft: bool = False


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


def _clean(line: str) -> str:
    return line.replace("**", "").strip()


def _note_kind(text: str) -> str:
    if "blacked out" in text.lower():
        return "blacked_out"
    return "insertion" if not text.lower().startswith("tn") and len(text.split()) <= 3 else "note"


def _split_cables(text: str) -> list[str]:
    """A file may hold several cables. A new one opens where, after a cable's "No. NNNN" line,
    a catalogue title, a form field or a "Draft Telegram" line comes."""
    chunks: list[list[str]] = [[]]
    seen_number = False
    for line in text.splitlines():
        clean = _clean(line)
        opens = bool(_CATALOGUE_TITLE.match(clean) or _FIELD_LINE.match(clean)
                     or clean.lower().startswith("draft telegram"))
        if opens and seen_number:
            chunks.append([])
            seen_number = False
        chunks[-1].append(line)
        seen_number = seen_number or bool(_NUMBER_LINE.match(clean))
    return ["\n".join(chunk) for chunk in chunks]


def _paragraph_blocks(lines: list[str]) -> list[str]:
    """Blank-line separated blocks, re-joining a paragraph the page break cut mid-sentence."""
    blocks: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(" ".join(current))
            current = []
    joined: list[str] = []
    for block in blocks:
        if joined and not re.search(r"[.?!)\]\"”:]$", joined[-1]) and block[:1].islower():
            joined[-1] = f"{joined[-1]} {block}"
        else:
            joined.append(block)
    return joined


def _parse_one(text: str, source: str) -> ParsedTranslation:
    lines = [_clean(ln) for ln in text.splitlines()]
    header: dict[str, str | None] = {}
    sent_post = received_office = None
    catalogue = next((ln for ln in lines if _CATALOGUE_TITLE.match(ln)), None)
    draft = any(ln.lower().startswith("draft telegram") for ln in lines)
    # The form starts at the first field line (or the draft marker); what is before is catalogue.
    start = next((i for i, ln in enumerate(lines) if _FIELD_LINE.match(ln) or ln.lower().startswith("draft telegram")), 0)
    i = start
    while i < len(lines) and (not lines[i] or _FIELD_LINE.match(lines[i]) or lines[i].lower().startswith("draft telegram")):
        if m := _FIELD_LINE.match(lines[i]):
            label, value = FIELD_LABELS[m.group(1).lower()], m.group(2).strip()
            header[label] = value
        i += 1
    for key in ("sent", "received", "drafted"):
        if header.get(key):
            raw = header[key] or ""
            place = raw.split(",")[0].strip()
            if key == "sent":
                sent_post = place if not _EN_DATE.match(place) else None
            elif key == "received":
                received_office = place if not _EN_DATE.match(place) else None
            header[key] = english_date(raw)
    rest = lines[i:]
    blocks = _paragraph_blocks(rest)
    body_start = 0
    for n, block in enumerate(blocks):
        if m := _NUMBER_LINE.match(block):
            header.setdefault("number", m.group(1))
            marks = m.group(2)
            header["classification"] = next((c for c in CLASSIFICATIONS_EN if c.lower() in marks.lower()), None)
            header["precedence"] = next((p for p in PRECEDENCES_EN if p.lower() in marks.lower()), None)
            if n > 0:
                header["title"] = blocks[n - 1]
            body_start = n + 1
            break
    caveats = []
    while body_start < len(blocks) and re.fullmatch(r"\(([^()]{3,40})\)", blocks[body_start]):
        caveats.append(blocks[body_start][1:-1])
        body_start += 1
    header["caveats"] = "; ".join(caveats) or None
    if header.get("serial") and "blacked out" in (header["serial"] or ""):
        header["serial"] = "redacted"
    paragraphs, notes = [], []
    for index, block in enumerate(blocks[body_start:]):
        speaker = m.group(1) if (m := _SPEAKER.match(block)) else None
        paragraphs.append(EnglishParagraph(index=index, text=block, speaker=speaker))
        notes.extend(TranslatorNote(text=n.group(2).strip(), kind=_note_kind(n.group(0)[1:]), paragraph=index)
                     for n in _NOTE.finditer(block))
    if paragraphs and (ref := _REFERENCE.match(paragraphs[0].text)):
        kind, number, separate = ref.groups()
        header["reference"] = f"{kind.capitalize()} Cable No. {number}" + (f" Separate Telegram {separate}" if separate else "")
    header.setdefault("reference", None)
    for key in ("number", "serial", "primary", "sent", "received", "to", "from", "title", "classification", "precedence"):
        header.setdefault(key, None)
    return ParsedTranslation(source=source, header=header, sent_post=sent_post, received_office=received_office,
                             paragraphs=paragraphs, notes=notes, catalogue_title=catalogue, draft=draft)


# Byte-order marks, longest first (UTF-32's begins like UTF-16's): Windows saves "Unicode"
# text as UTF-16 with one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_text_file(path: Path) -> str:
    """A text file as saved by any editor: UTF-8, or UTF-8, UTF-16 or UTF-32 behind a byte-order
    mark. Raises ValueError naming the file when it is none of them."""
    data = path.read_bytes()
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not text in {encoding.upper().replace('-SIG', '')} (byte {exc.start}); "
                         f"save it as UTF-8") from exc


def parse_translation(path: Path) -> list[ParsedTranslation]:
    """Every cable translated in the file. Raises ValueError when none is found or the file is
    not text."""
    text = read_text_file(path)
    if "Translation - English" in text:  # a seed file: catalogue, transcription, translation
        catalogue = text.split("Contents:")[0]
        form = re.search(r"^\**(Number|Draft Telegram)\b", text.partition("Translation - English")[2], re.M)
        tail = text.partition("Translation - English")[2]
        text = catalogue + "\n" + (tail[form.start():] if form else tail)
    parsed = [_parse_one(chunk, path.name) for chunk in _split_cables(text)]
    parsed = [p for p in parsed if p.header.get("number") or p.header.get("title") or p.paragraphs]
    if not parsed:
        raise ValueError(f"{path.name}: no translated cable found")
    return parsed
