"""Cable -> header fields, each with its value, confidence and evidence (page, box, raw text).

A rule finds a span in a header line; the field's confidence is the rule's own certainty times
the weakest character confidence in the span, because one misread digit makes a wrong number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from rapidfuzz.distance import Levenshtein

from cableocr.assemble import NUMBER_LINE, AssembledCable
from cableocr.config import FieldsConfig
from cableocr.dates import parse_era_date
from cableocr.lexicon import english, known_names, nearest
from cableocr.models import Box, ExtractedField, Line
from cableocr.text import normalize

CLASSIFICATIONS = ("取扱注意", "部外秘", "極秘", "特秘", "秘")
PRECEDENCES = ("大至急", "至急", "普通")
SENDER_TITLES = ("臨時代理大使", "代理大使", "大使", "総領事", "公使", "領事")
FOUNDATION_FIELDS = (
    "cable_number", "date_sent", "sending_post", "addressee", "sender",
    "classification", "precedence", "subject",
)


@dataclass(frozen=True)
class Found:
    value: str | list[str]
    page: int
    line: Line
    start: int  # span in the line's compact text (blanks removed)
    end: int
    method: str
    certainty: float  # how sure the rule itself is, before OCR confidence
    detail: dict[str, str] | None = None


def compact(line: Line) -> str:
    """The line's characters as the engine boxed them, blanks removed, NFKC-folded one by one so
    that positions still match the character boxes."""
    return "".join(unicodedata.normalize("NFKC", c.text)[:1] for c in line.chars if c.text.strip())


# What the engine makes of a speck after the last word, however sure it is.
SPECK_READINGS = set("-‐_.,'`\"|:;・。、人っ?>!~")


def core(line: Line, weak: float = 0.85, most: int = 3) -> str:
    """compact(line) without up to `most` trailing specks: characters the engine doubts or
    that specks are read as. End-anchored rules (…発, …殿) then still match."""
    text = compact(line)
    confs = [c.confidence for c in line.chars if c.text.strip()]
    cut = len(text)
    while cut > max(len(text) - most, 0):
        conf = confs[cut - 1]
        if text[cut - 1] not in SPECK_READINGS and (conf is None or conf >= weak):
            break
        cut -= 1
    return text[:cut]


def _span_evidence(line: Line, start: int, end: int) -> tuple[Box | None, float]:
    chars = [c for c in line.chars if c.text.strip()][start:end]
    confs = [c.confidence for c in chars if c.confidence is not None]
    return Box.union([c.box for c in chars]), (min(confs) if confs else 0.0)


def _number_line(lines: list[tuple[int, Line]]) -> tuple[int, Line, re.Match[str]] | None:
    for page, line in lines:
        if match := NUMBER_LINE.search(compact(line)):
            return page, line, match
    return None


def find_cable_number(lines: list[tuple[int, Line]]) -> Found | None:
    hit = _number_line(lines)
    if hit is None:
        return None
    page, line, m = hit
    rest = compact(line)[m.end():]
    marked = any(w in rest for w in CLASSIFICATIONS + PRECEDENCES)
    return Found(unicodedata.normalize("NFKC", m.group(1)), page, line, m.start(1), m.end(1),
                 "number line 第N号", 1.0 if marked else 0.85)


def _word_after_number(words: tuple[str, ...], method: str) -> Callable[[list[tuple[int, Line]]], Found | None]:
    def find(lines: list[tuple[int, Line]]) -> Found | None:
        hit = _number_line(lines)
        if hit is None:
            return None
        page, line, m = hit
        text = compact(line)
        for word in words:  # longest first, so 大至急 is not read as 至急
            at = text.find(word, m.end())
            if at >= 0:
                return Found(word, page, line, at, at + len(word), method, 1.0)
        return None

    return find


_NAME = r"[一-龥ぁ-んァ-ヶー々A-Za-z]"
# Up to three trailing characters the engine read from specks or stamp edges after the value.
_TRAILING_JUNK = r"([^一-龥ぁ-んァ-ヶ]{0,3}|人{1,3})$"


def find_date_and_post(lines: list[tuple[int, Line]]) -> tuple[Found | None, Found | None]:
    """The sending line: era date, (time,) post, 発."""
    for page, line in lines:
        text = core(line)
        if not text.endswith("発"):
            continue
        date = parse_era_date(text, loose=True)
        date_found = None
        if date:
            certainty = (1.0 if date.exact else 0.6) * (1.0 if date.valid_in_era else 0.5)
            method = "era date on the …発 line" + ("" if date.exact else ", its 日 misread")
            date_found = Found(date.iso, page, line, *date.span, method, certainty,
                               {"era_form": date.era_form, "read_as": text[slice(*date.span)]})
        # The post is the run of name characters just before 発, after the date and any time.
        after = date.span[1] if date else 0
        post = re.search(rf"({_NAME}{{1,12}})発$", text[after:])
        post_found = None
        if post:
            start, end = after + post.start(1), after + post.end(1)
            post_found = Found(post.group(1), page, line, start, end, "text before 発", 0.95)
        return date_found, post_found
    return None, None


def find_addressee(lines: list[tuple[int, Line]]) -> Found | None:
    for page, line in lines:
        text = core(line)
        if m := re.search(rf"({_NAME}{{2,12}})殿{_TRAILING_JUNK}", text):
            certainty = 1.0 if not m.group(2) else 0.8
            return Found(m.group(1), page, line, m.start(1), m.end(1), "line ending 殿", certainty)
    # 殿 itself misread (known on vertical pages: 外務大臣服, 外務大匠肛): the whole line within
    # two characters of a known addressee plus 殿 gives that addressee, for review.
    for page, line in lines:
        text = core(line, most=1)
        for known in known_names("addressees"):
            if len(text) >= 4 and Levenshtein.distance(text, f"{known}殿") <= 2:
                return Found(known, page, line, 0, len(text), "whole line near a known addressee", 0.6,
                             {"read_as": text})
    return None


def find_sender(lines: list[tuple[int, Line]]) -> Found | None:
    titles = "|".join(SENDER_TITLES)
    for page, line in lines:
        text = core(line)
        if NUMBER_LINE.search(text) or "殿" in text[-4:]:
            continue
        if m := re.search(rf"({_NAME}{{1,10}}?(?:{titles})){_TRAILING_JUNK}", text):
            certainty = 0.95 if not m.group(2) else 0.75
            return Found(m.group(1), page, line, m.start(1), m.end(1), "line ending in a title", certainty)
    return None


def find_subject(lines: list[tuple[int, Line]]) -> Found | None:
    """The title line: the header line just before the number line."""
    hit = _number_line(lines)
    if hit is None:
        return None
    index = [ln.id for _, ln in lines].index(hit[1].id)
    if index == 0:
        return None
    page, line = lines[index - 1]
    text = core(line)
    if text.endswith(("殿", "発", "着", *SENDER_TITLES)):
        return None
    value = normalize(text)
    return Found(value, page, line, 0, len(text), "header line before the number line", 0.95)


def check_lexicon(found: Found | None, table: str) -> Found | None:
    """A known name keeps its certainty (and gains its English); a name one character from a
    known one is taken as that name but must be reviewed; an unknown name is less certain."""
    if found is None:
        return None
    if (name_en := english(table, found.value)) is not None:
        return replace(found, detail={**(found.detail or {}), "english": name_en})
    if (known := nearest(table, found.value)) is not None:
        detail = {**(found.detail or {}), "read_as": found.value, "english": english(table, known) or ""}
        return replace(found, value=known, method=f"{found.method}, nearest known name", certainty=0.7, detail=detail)
    return replace(found, method=f"{found.method}, not in the table of known names", certainty=min(found.certainty, 0.8))


_CAVEAT = re.compile(r"[（(]([^（）()]{2,8}(?:配布|注意))[）)]")
_REFERENCE = re.compile(r"(.電)第([0-9]{1,6})[号弓](?:別電([0-9]{1,2}))?")
_REFERENCE_KINDS = {"往電": "outgoing", "来電": "incoming", "貴電": "yours"}


def find_handling(lines: list[tuple[int, Line]]) -> Found | None:
    """The handling caveat in brackets under the number line: （限定配布）."""
    hit = _number_line(lines)
    if hit is None:
        return None
    index = [ln.id for _, ln in lines].index(hit[1].id)
    for page, line in lines[index + 1 : index + 3]:
        if m := _CAVEAT.search(compact(line)):
            return Found(m.group(1), page, line, m.start(1), m.end(1), "bracketed caveat under the number line", 1.0)
    return None


def find_references(body: list[tuple[int, Line]]) -> Found | None:
    """往電/来電/貴電 第NNNN号 (別電N) at the head of the body, the cable this one answers or
    annexes."""
    for page, line in body[:2]:
        text = compact(line)
        if m := _REFERENCE.search(text):
            kind, number, separate = m.groups()
            # A misread first character (住電 for 往電) leaves the kind unknown: for review.
            detail = {"kind": _REFERENCE_KINDS.get(kind, "unread"), "number": number}
            if separate:
                detail["separate_telegram"] = separate
            certainty = 1.0 if kind in _REFERENCE_KINDS else 0.6
            return Found([m.group(0)], page, line, m.start(), m.end(), "reference at the head of the body",
                         certainty, detail)
    return None


def split_forwarding(text: str) -> list[str]:
    """全米公館（除、アガナ、デトロイト）英、独…に転電した → the posts, exclusions kept with theirs."""
    text = re.split(r"に転電", text)[0]
    items, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "（("
        depth -= ch in "）)"
        if ch in "、," and depth == 0:
            items.append(current)
            current = ""
            continue
        current += ch
        if ch in "）)" and depth == 0:  # 全米公館（除、…）英: the bracket closes an item
            items.append(current)
            current = ""
    items.append(current)
    return [i.strip() for i in items if i.strip()]


def find_forwarding(body: list[tuple[int, Line]]) -> Found | None:
    """The forwarding list at the end of the body: …に転電した. The list may wrap over several
    lines: it starts after the last line before it that ends a sentence. The evidence box is
    that of its first line."""
    for n in range(len(body) - 1, max(len(body) - 6, -1), -1):
        page, line = body[n]
        if "転電" not in compact(line):
            continue
        start = n
        while start > 0 and not re.search(r"[。：）)」]$", core(body[start - 1][1])):
            start -= 1
        page, first = body[start]
        joined = "".join(compact(ln) for _, ln in body[start : n + 1])
        return Found(split_forwarding(joined), page, first, 0, len(compact(first)), "list before に転電した", 0.95)
    return None


def _field(found: Found | None, cfg: FieldsConfig) -> ExtractedField:
    if found is None:
        return ExtractedField(value=None, confidence=0.0, method="none", status="needs_review", reason="not_found")
    box, weakest = _span_evidence(found.line, found.start, found.end)
    confidence = round(found.certainty * weakest, 4)
    return ExtractedField(
        value=found.value,
        raw=found.line.raw,
        confidence=confidence,
        page=found.page,
        box=box,
        line_id=found.line.id,
        method=found.method,
        status="auto" if confidence >= cfg.review_threshold else "needs_review",
        detail=found.detail or {},
    )


def extract_fields(cable: AssembledCable, cfg: FieldsConfig) -> dict[str, ExtractedField]:
    lines = cable.header_lines
    date, post = find_date_and_post(lines)
    found = {
        "cable_number": find_cable_number(lines),
        "date_sent": date,
        "sending_post": check_lexicon(post, "posts"),
        "addressee": check_lexicon(find_addressee(lines), "addressees"),
        "sender": find_sender(lines),
        "classification": _word_after_number(CLASSIFICATIONS, "word after the number")(lines),
        "precedence": _word_after_number(PRECEDENCES, "word after the number")(lines),
        "subject": find_subject(lines),
    }
    body = [(i, ln) for i, p in enumerate(cable.pages) for ln in p.lines if ln.role == "body"]
    found["handling"] = find_handling(lines)
    found["references"] = find_references(body)
    found["forwarding"] = find_forwarding(body)
    return {name: _field(found[name], cfg) for name in (*FOUNDATION_FIELDS, "handling", "references", "forwarding")}
