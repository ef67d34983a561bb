"""Cable -> header fields, each with its value, confidence and evidence (page, box, raw text).

A rule finds a span in a header line; the field's confidence is the rule's own certainty times
the weakest character confidence in the span, because one misread digit makes a wrong number.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from cableocr.assemble import SPEAKER_LABEL, AssembledCable, body_paragraphs
from cableocr.config import FieldsConfig
from cableocr.dates import ParsedDate, parse_era_date
from cableocr.lexicon import english, known_names, nearest
from cableocr.models import Box, Char, ExtractedField, FieldValue, Line, Page
from cableocr.numbers import NUMBER_LINE, find_time, read_small_number
from cableocr.numbers import find_cable_number as parse_cable_number
from cableocr.numbers import find_references as parse_references
from cableocr.text import normalize

CLASSIFICATIONS = ("取扱注意", "部外秘", "極秘", "特秘", "秘")
PRECEDENCES = ("大至急", "至急", "普通")
SENDER_TITLES = ("臨時代理大使", "代理大使", "大使", "総領事", "公使", "領事")
FOUNDATION_FIELDS = (
    "cable_number", "date_sent", "sending_post", "addressee", "sender",
    "classification", "precedence", "subject",
)
# Every field, in the order of the form. The foundation's eight come first.
ALL_FIELDS = (
    *FOUNDATION_FIELDS, "serial_number", "primary_bureau", "receiving_office", "date_received",
    "time_sent", "time_received", "handling", "references", "separate_telegram", "forwarding",
    "end_mark", "declassification", "redactions", "speakers",
)
# Not every cable has these; their absence is a finding, as sure as the place it would stand in
# was read. The others must be on every cable: not finding one is always for review.
OPTIONAL_FIELDS = {
    "classification", "precedence", "serial_number", "time_sent", "time_received", "handling",
    "references", "separate_telegram", "forwarding", "end_mark", "declassification", "redactions", "speakers",
}
REDACTION_CERTAINTY = 0.97  # a solid black box is rarely anything else on these forms


@dataclass(frozen=True)
class Found:
    value: FieldValue
    page: int
    line: Line | None
    start: int  # span in the line's compact text (blanks removed)
    end: int
    method: str
    certainty: float  # how sure the rule itself is, before OCR confidence
    detail: dict[str, str] | None = None
    box: Box | None = None  # evidence not read from a line (a redaction box): line is None


@dataclass(frozen=True)
class Absent:
    """A field that is not on the page, why, and how sure that is (from the lines searched or
    the redaction box that hides it)."""

    reason: str  # not_found | redacted | illegible
    certainty: float
    method: str
    page: int | None = None
    box: Box | None = None
    line: Line | None = None


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


REPAIRED = 0.7  # certainty left to a value read only after mending an OCR confusion (O→0, 弓→号)
# A value a rule inferred rather than read (a mended confusion, a misread 日 or 殿, the nearest
# known name) has a certainty at or below this, and is always reviewed, whatever the
# calibrated threshold: the program never files a guess silently.
INFERRED = 0.7
UNKNOWN_NAME = 0.75  # a name (post, bureau, addressee) the project's tables do not hold


def find_cable_number(lines: list[tuple[int, Line]]) -> Found | None:
    hit = _number_line(lines)
    if hit is None:
        return None
    page, line, m = hit
    reading = parse_cable_number(compact(line))
    rest = compact(line)[m.end():]
    marked = any(w in rest for w in CLASSIFICATIONS + PRECEDENCES)
    certainty = (1.0 if marked else 0.85) * (REPAIRED if reading.repaired else 1.0)
    method = "number line 第N号" + (", an OCR confusion mended" if reading.repaired else "")
    return Found(reading.value, page, line, *reading.span, method, certainty)


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


def _date_found(date: ParsedDate, page: int, line: Line, text: str, label: str) -> Found:
    certainty = (1.0 if date.exact else 0.6) * (1.0 if date.valid_in_era else 0.5)
    certainty *= REPAIRED if date.repaired else 1.0
    method = f"date on the …{label} line" + ("" if date.exact else ", its 日 misread")
    method += "" if date.valid_in_era else ", outside its era's years"
    method += ", an OCR confusion mended" if date.repaired else ""
    return Found(date.iso, page, line, *date.span, method, certainty,
                 {"era_form": date.era_form, "read_as": text[slice(*date.span)]})


def _row_share(line: Line, box: Box) -> float:
    """How much of the thinner of the two a box shares with the line's row (its column on a
    vertical page)."""
    vertical = line.writing_mode == "vertical"
    a0, a1 = (line.box.x0, line.box.x1) if vertical else (line.box.y0, line.box.y1)
    b0, b1 = (box.x0, box.x1) if vertical else (box.y0, box.y1)
    return (min(a1, b1) - max(a0, b0)) / max(min(a1 - a0, b1 - b0), 1)


def redaction_on(line: Line, page: Page) -> Box | None:
    """The redaction box lying in the line's row, if any (the most overlapping one)."""
    best = max(page.redactions, key=lambda box: _row_share(line, box), default=None)
    return best if best is not None and _row_share(line, best) >= 0.5 else None


@dataclass(frozen=True)
class DatedLine:
    """The …発 (sent) or …着 (received) line: date, time and post."""

    date: Found | None
    post: Found | None
    time: Found | Absent | None


def find_dated_line(lines: list[tuple[int, Line]], pages: list[Page], mark: str) -> DatedLine:
    """The header line ending in mark (発 or 着): era or Western date, time (or its redaction),
    post."""
    for page, line in lines:
        text = core(line)
        if not (end := re.search(rf"{mark}{_TRAILING_JUNK}", text)) or NUMBER_LINE.search(text):
            continue
        junk = bool(end.group(1))
        text = text[: end.start() + 1]  # up to the mark: what follows is specks read as characters
        date = parse_era_date(text, loose=True)
        date_found = _date_found(date, page, line, text, mark) if date else None
        after = date.span[1] if date else 0
        time_found: Found | Absent | None = None
        if (time := find_time(text[after:])) is not None:
            start, end = after + time.span[0], after + time.span[1]
            time_found = Found(time.value, page, line, start, end, f"時分 after the date on the …{mark} line",
                               REPAIRED if time.repaired else 1.0)
            after = end
        elif (box := redaction_on(line, pages[page])) is not None:
            time_found = Absent("redacted", REDACTION_CERTAINTY, f"black box on the …{mark} line", page, box, line)
        # The post is the run of name characters just before the mark, after the date and time.
        post = re.search(rf"({_NAME}{{1,12}}){mark}$", text[after:])
        post_found = None
        if post:
            start, end = after + post.start(1), after + post.end(1)
            post_found = Found(post.group(1), page, line, start, end, f"text before {mark}", 0.9 if junk else 0.95)
        return DatedLine(date_found, post_found, time_found)
    return DatedLine(None, None, None)


_SERIAL = re.compile(r"総番号[:：]?\s*([(（]?[A-Z]{1,3}[)）]?)?\s*([0-9]{3,8})")


def _row_before(line: Line, following: Line) -> Line:
    """Where the form's row before `line` lies, one line pitch back (pitch: line to following)."""
    dx, dy = following.box.x0 - line.box.x0, following.box.y0 - line.box.y0
    if line.writing_mode == "vertical":
        dy = 0
    else:
        dx = 0
    box = Box(x0=line.box.x0 - dx, y0=line.box.y0 - dy, x1=line.box.x1 - dx, y1=line.box.y1 - dy)
    return line.model_copy(update={"box": box, "id": f"{line.id}-row-before", "chars": [], "text": "", "raw": ""})


def serial_row(lines: list[tuple[int, Line]]) -> tuple[int, Line, bool] | None:
    """The 総番号 line, or where it must be when OCR did not read it (the row before 主管):
    (page, line, whether it was read)."""
    if read := next(((p, ln) for p, ln in lines if "総番号" in compact(ln)), None):
        return read[0], read[1], True
    at = next((i for i, (_, ln) in enumerate(lines) if compact(ln).startswith("主管")), None)
    if at is None or at + 1 >= len(lines):
        return None
    page, bureau = lines[at]
    return page, _row_before(bureau, lines[at + 1][1]), False


def find_serial(lines: list[tuple[int, Line]], pages: list[Page]) -> Found | Absent | None:
    """総番号 and the serial after it (a prefix such as (TA) kept), or the black box over it."""
    row = serial_row(lines)
    if row is not None and not row[2]:
        page, virtual, _ = row
        if (box := redaction_on(virtual, pages[page])) is not None:
            return Absent("redacted", 0.9, "black box in the 総番号 row (the label itself not read)", page, box)
        return None
    for page, line in lines:
        text = compact(line)
        if "総番号" not in text:
            continue
        if m := _SERIAL.search(text):
            prefix, digits = m.groups()
            value = f"{prefix or ''}{digits}".replace("（", "(").replace("）", ")")
            return Found(value, page, line, m.start(1) if prefix else m.start(2), m.end(2), "digits after 総番号", 1.0)
        if (box := redaction_on(line, pages[page])) is not None:
            return Absent("redacted", REDACTION_CERTAINTY, "black box after 総番号", page, box, line)
        rest = text[text.index("総番号") + 3:]
        reason = "illegible" if re.search(r"[0-9A-Za-z]", rest) else "not_found"
        return Absent(reason, 0.5, "総番号 with nothing readable after it", page, line.box, line)
    return None


def draft_title(cable: AssembledCable) -> tuple[int, Line] | None:
    """The 電信案 title of an outgoing draft, on the first page."""
    for line in cable.pages[0].lines if cable.pages else []:
        if line.role == "furniture" and "電信案" in compact(line):
            return 0, line
    return None


@dataclass(frozen=True)
class DraftLines:
    drafted: Found | None
    addressee: Found | None
    sender: Found | None


def find_draft_lines(lines: list[tuple[int, Line]]) -> DraftLines:
    """An outgoing draft (電信案): 起案 and its date, …あて (to whom), …発 (from whom)."""
    drafted = addressee = sender = None
    for page, line in lines:
        text = core(line)
        if text.startswith("起案") and (date := parse_era_date(text, loose=True)):
            drafted = _date_found(date, page, line, text, "起案")
            drafted = replace(drafted, detail={**(drafted.detail or {}), "form": "電信案 (drafted)"})
        elif m := re.search(rf"({_NAME}{{2,14}})あて{_TRAILING_JUNK}", text):
            addressee = Found(m.group(1), page, line, m.start(1), m.end(1), "line ending あて",
                              0.95 if _known_head_of_mission(m.group(1)) else 0.8)
        elif (m := re.search(rf"({_NAME}{{2,14}})発{_TRAILING_JUNK}", text)) and not parse_era_date(text, loose=True):
            sender = Found(m.group(1), page, line, m.start(1), m.end(1), "line ending 発 (no date)", 0.95)
    return DraftLines(drafted, addressee, sender)


def _known_head_of_mission(name: str) -> bool:
    """豪大使, 国連大使, ニューヨーク総領事: a known post and a known title."""
    return any(name.endswith(t) and name[: -len(t)] in known_names("posts") for t in SENDER_TITLES)


def _draft_post(title: tuple[int, Line]) -> Found:
    page, line = title
    at = compact(line).find("電信案")
    return Found("本省", page, line, at, at + 3, "電信案: an outgoing draft, sent from the Ministry", 0.95,
                 {"english": english("posts", "本省") or ""})


def find_primary_bureau(lines: list[tuple[int, Line]]) -> Found | None:
    """主管 and the bureau (or its head) responsible: 主管 北米局長."""
    for page, line in lines:
        text = core(line)
        if m := re.match(rf"主管[:：\-ー・.]?({_NAME}{{2,14}}?){_TRAILING_JUNK}", text):
            certainty = 0.95 if not m.group(2) else 0.85
            return Found(m.group(1), page, line, m.start(1), m.end(1), "text after 主管", certainty)
    return None


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
    if text.endswith(("殿", "発", "着", *SENDER_TITLES)) or text in (*CLASSIFICATIONS, *PRECEDENCES):
        return None  # (a number line split in two leaves its 至急 alone before the number)
    # Specks read before the title, or after its closing bracket, are not part of it.
    start = len(re.match(r"^[^一-龥ぁ-んァ-ヶA-Za-z0-9（(]*", text).group(0))
    closed = re.match(r"^(.*[）)])[^（）()]{1,3}$", text)
    end = len(closed.group(1)) if closed else len(text)
    trimmed = start > 0 or end < len(text)
    method = "header line before the number line" + (", specks at its ends left out" if trimmed else "")
    return Found(normalize(text[start:end]), page, line, start, end, method, 0.85 if trimmed else 0.95)


def check_lexicon(found: Found | None, table: str) -> Found | None:
    """A known name keeps its certainty (and gains its English); a name one character from a
    known one is taken as that name but must be reviewed; an unknown name is less certain."""
    if found is None:
        return None

    def english_of(name: str) -> str | None:  # a table may give several renderings
        value = english(table, name)
        return " / ".join(value) if isinstance(value, list) else value

    if (name_en := english_of(found.value)) is not None:
        return replace(found, detail={**(found.detail or {}), "english": name_en})
    if (known := nearest(table, found.value)) is not None:
        detail = {**(found.detail or {}), "read_as": found.value, "english": english_of(known) or ""}
        return replace(found, value=known, method=f"{found.method}, nearest known name", certainty=INFERRED, detail=detail)
    # Specks after a known name read as Latin letters or digits (欧亜局長SE).
    stripped = re.sub(r"[A-Za-z0-9]{1,3}$", "", found.value)
    if stripped != found.value and (name_en := english_of(stripped)) is not None:
        detail = {**(found.detail or {}), "read_as": found.value, "english": name_en}
        return replace(found, value=stripped, end=found.end - (len(found.value) - len(stripped)),
                       method=f"{found.method}, letters after a known name left out", certainty=0.8, detail=detail)
    return replace(found, method=f"{found.method}, not in the table of known names", certainty=min(found.certainty, UNKNOWN_NAME))


_CAVEAT = re.compile(r"[（(]([^（）()]{2,8}(?:配布|注意))[）)]")


def find_handling(lines: list[tuple[int, Line]], body: list[tuple[int, Line]]) -> Found | None:
    """The handling caveat in brackets under the number line: （限定配布）. The number line may
    have been split by OCR, so the caveat is looked for up to two lines into the body too."""
    hit = _number_line(lines)
    if hit is None:
        return None
    index = [ln.id for _, ln in lines].index(hit[1].id)
    for page, line in [*lines[index + 1 : index + 3], *body[:2]]:
        if m := _CAVEAT.search(compact(line)):
            return Found(m.group(1), page, line, m.start(1), m.end(1), "bracketed caveat under the number line", 1.0)
    return None


def find_references(body: list[tuple[int, Line]]) -> Found | None:
    """往電/来電/貴電 第NNNN号 (別電N) at the head of the body: the cables this one answers or
    annexes, each a structured object."""
    for page, line in body[:2]:
        text = compact(line)
        if not (found := parse_references(text)):
            continue
        # A misread first character (住電 for 往電) leaves the kind a guess or unread: for review.
        certainty = 0.6 if any(r.kind_guessed for r in found) else 1.0
        certainty *= REPAIRED if any(r.repaired for r in found) else 1.0
        start, end = found[0].span[0], found[-1].span[1]
        return Found([r.as_value() for r in found], page, line, start, end, "references at the head of the body",
                     certainty)
    return None


_SEPARATE = re.compile(r"別電\s*([0-9０-９一二三四五六七八九十]{1,3})")


def find_separate_telegram(subject: Found | None) -> Found | None:
    """This cable's own separate-telegram number: (別電2) in its subject line."""
    if subject is None:
        return None
    text = compact(subject.line)
    if not (m := _SEPARATE.search(text)):
        return None
    if (number := read_small_number(m.group(1))) is None:
        return None
    return Found(number, subject.page, subject.line, m.start(1), m.end(1), "別電 N in the subject line", 1.0)


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
    # A post's name never starts with a dot: one there is a speck read (除く、・アガナ).
    items = [_SPECK_AT_START.sub("", i.strip()) for i in items]
    return [i for i in items if i]


_SPECK_AT_START = re.compile(r"(?:^|(?<=[、（(]))[・.,'`]+")


def find_forwarding(body: list[tuple[int, Line]]) -> Found | None:
    """The forwarding list at the end of the body: …に転電した. The list may wrap over several
    lines: it starts after the last line before it that ends a sentence. The evidence box is
    that of its first line."""
    for n in range(len(body) - 1, max(len(body) - 6, -1), -1):
        page, line = body[n]
        if "転電" not in compact(line):
            continue
        start = n
        while start > 0 and not _ends_sentence(body[start - 1][1]) and not SPEAKER_LABEL.match(compact(body[start][1])):
            start -= 1
        page, first = body[start]
        joined = "".join(compact(ln) for _, ln in body[start : n + 1])
        items, certainty, note = _known_posts(split_forwarding(joined))
        return Found(items, page, first, 0, len(compact(first)), "list before に転電した" + note, certainty)
    return None


def _ends_sentence(line: Line) -> bool:
    return bool(re.search(r"[。：）)」][^一-龥ぁ-んァ-ヶA-Za-z0-9]{0,2}$", compact(line)))


# 全米公館 (all missions in a country), perhaps with its exclusions: （除、アガナ、デトロイト）,
# each excluded post a name, none empty (、、 is a misreading).
_ALL_MISSIONS = re.compile(r"^全.{1,6}公館(?:[（(]除く?(?:、[一-龥ァ-ヶー]{1,12})+[）)])?$")


def _known_posts(items: list[str]) -> tuple[list[str], float, str]:
    """Each forwarding item checked against the table of posts: one a character away from a
    known post is taken as that post (0ECD代 → OECD代) but the list goes to review; an unknown
    item is kept, less surely."""
    checked, certainty, notes = [], 0.95, []
    for item in items:
        folded = unicodedata.normalize("NFKC", item)
        if english("posts", folded) is not None or _ALL_MISSIONS.match(item):
            checked.append(item)
        elif (known := nearest("posts", folded)) is not None:
            checked.append(known)
            certainty, notes = min(certainty, 0.7), [*notes, f"{item}→{known}"]
        else:
            checked.append(item)
            certainty, notes = min(certainty, 0.8), [*notes, f"{item} not a known post"]
    return checked, certainty, (f"; {', '.join(notes)}" if notes else "")


def find_end_mark(body: list[tuple[int, Line]]) -> Found | None:
    """（了）, the end of the cable's text, on its last lines (its brackets may be split over
    two). A bracketed single character in its place, (て), is taken as 了 for review."""
    tail = body[-3:]
    joined = "".join(compact(ln) for _, ln in tail)
    found = re.search(r"[（(]了[）)]", joined)
    certainty, method = 1.0, "（了） at the end of the body"
    if found is None:
        found = re.search(r"[（(]([^（）()])[）)][^一-龥ぁ-んァ-ヶ]{0,2}$", joined)
        certainty, method = 0.6, "a bracketed character where （了） stands, read as 了"
    if found is None:
        return None
    at = 0
    for page, line in tail:  # the line the mark starts on, and the span in it
        length = len(compact(line))
        if found.start() < at + length:
            return Found("了", page, line, found.start() - at, min(found.end() - at, length), method, certainty,
                         {"read_as": found.group(0)} if certainty < 1 else None)
        at += length
    return None


DECLASSIFICATION = ("秘密指定解除", "外交記録・情報公開室")


def find_declassification(pages: list[Page]) -> Found | Absent:
    """The declassification stamp (秘密指定解除 外交記録・情報公開室), read off the stamps the
    layout found and set level; its value is the stamp's known wording where the reading is
    close to it (the reading itself stays in detail.read_as)."""
    title, office = DECLASSIFICATION
    hits = []
    for index, page in enumerate(pages):
        for box, text in zip(page.stamps, page.stamp_texts, strict=False):
            if (score := fuzz.partial_ratio(title, text)) >= 70:
                hits.append((index, box, text, score, fuzz.partial_ratio(office, text)))
    if not hits:
        stamped = any(page.stamps for page in pages)
        return Absent("not_found", 0.5 if stamped else 0.9,
                      "stamps found but none reads 秘密指定解除" if stamped else "no stamp on any page")
    page, box, text, score, office_score = hits[0]
    value = f"{title} {office}" if office_score >= 70 else title
    certainty = 0.97 * min(h[3] for h in hits) / 100
    return Found(value, page, None, 0, 0, "askew framed stamp, set level and read", certainty,
                 {"read_as": text, "pages": ",".join(str(h[0]) for h in hits)}, box=box)


def _row_of(box: Box, labels: dict[str, Line]) -> str:
    """What a redaction hides: the header field whose line it lies on, else body text."""
    return next((name for name, line in labels.items() if _row_share(line, box) >= 0.5), "body")


def find_redactions(pages: list[Page], header_labels: dict[str, tuple[int, Line]]) -> Found | Absent:
    """Every black box on every page, with what it hides (serial_number, time_sent, body…)."""
    items = []
    for index, page in enumerate(pages):
        labels = {name: line for name, (at, line) in header_labels.items() if at == index}
        for box in page.redactions:
            items.append({"page": index, "box": [box.x0, box.y0, box.x1, box.y1],
                          "hides": _row_of(box, labels)})
    if not items:
        return Absent("not_found", REDACTION_CERTAINTY, "no solid black box on any page")
    page = items[0]["page"]
    # What a box hides is sure only where every header row it may lie on was read, and no row
    # holds two boxes.
    hidden = [i["hides"] for i in items if i["hides"] != "body"]
    rows_read = all(not line.id.endswith("-row-before") for _, line in header_labels.values())
    settled = len(header_labels) == 3 and rows_read and len(hidden) == len(set(hidden))
    method = "solid black boxes found by layout" + ("" if settled else "; some header rows unread, what they hide uncertain")
    return Found(items, page, None, 0, 0, method, REDACTION_CERTAINTY if settled else 0.7,
                 box=pages[page].redactions[0])


def _known_speaker(label: str) -> bool:
    names = known_names("speakers")
    return label in names or label.split("・")[-1] in names


def find_speakers(cable: AssembledCable) -> Found | None:
    """Speaker turns in the body: （総理）… each with its label, paragraph and lines. The rule's
    certainty is that of its weakest label: one the table does not know may be misread."""
    lines = {ln.id: (i, ln) for i, p in enumerate(cable.pages) for ln in p.lines}
    not_speakers = {"了", *known_names("caveats")}
    turns, evidence = [], []
    for paragraph in body_paragraphs(cable.pages):
        if paragraph.speaker is None or paragraph.speaker in not_speakers:
            continue
        page, line = lines[paragraph.line_ids[0]]
        label = SPEAKER_LABEL.match(compact(line))
        evidence.append((page, line, label.end() if label else 1, _known_speaker(paragraph.speaker)))
        turns.append({"speaker": paragraph.speaker, "paragraph": paragraph.index, "page": page,
                      "first_line": paragraph.line_ids[0], "last_line": paragraph.line_ids[-1],
                      "chars": len(paragraph.text)})
    if not turns:
        return None
    # The evidence kept is the weakest label's: its box is where a reviewer should look.
    page, line, end, known = min(evidence, key=lambda e: (e[3], _span_evidence(e[1], 0, e[2])[1]))
    certainty = 1.0 if all(e[3] for e in evidence) else 0.85
    method = "bracketed labels opening body paragraphs"
    if _labels_in_body(cable) > len(turns):  # a label that opened no paragraph: a turn may be missed
        certainty, method = 0.6, f"{method}; more labels in the text than turns found"
    return Found(turns, page, line, 0, end, method, certainty)


def _labels_in_body(cable: AssembledCable) -> int:
    """Known speaker labels anywhere in the body's lines, opening a paragraph or not."""
    names = "|".join(re.escape(n) for n in sorted(known_names("speakers"), key=len, reverse=True))
    label = re.compile(rf"[（(](?:[^（）()]{{0,12}}・)?(?:{names})[）)」]")
    return sum(len(label.findall(compact(ln))) for ln in cable.body_lines)


def _absent_where(lines: list[Line], method: str, certainty: float = 0.95) -> Absent:
    """Not found where it would stand: as sure as those lines were read."""
    confs = [ln.confidence for ln in lines if ln.confidence is not None]
    read = sum(confs) / len(confs) if confs else 0.0
    return Absent("not_found", round(certainty * read, 4), method)


def _absent_unless(lines: list[Line], hint: str, method: str) -> Absent:
    """Not found, unless the lines hold a fragment of what was looked for (a misread form of it):
    then the absence itself is doubtful."""
    if re.search(hint, "".join(compact(ln) for ln in lines)):
        return Absent("not_found", 0.5, f"{method}, but a fragment of one is there")
    return _absent_where(lines, method)


def _disputed(second: str | None) -> bool:
    """Whether the line's second reading gives the field another value (second_look's note)."""
    return (second or "").startswith("differs")


def _field(name: str, found: Found | Absent | None, cfg: FieldsConfig, optional: bool = False,
           second: str | None = None) -> ExtractedField:
    """The finding as a field: confidence, evidence, and whether it may pass unreviewed. second
    is what the line's second reading says of the value (second_look)."""
    threshold = cfg.threshold_for(name)
    if found is None:
        return ExtractedField(value=None, confidence=0.0, method="none", status="needs_review", reason="not_found")
    if isinstance(found, Absent):
        # A redacted value is as sure as its black box; a missing one only if it may be missing.
        confidence = round(found.certainty, 4)
        trusted = confidence >= threshold and (found.reason == "redacted" or optional or name in OPTIONAL_FIELDS)
        return ExtractedField(
            value=None, confidence=confidence, page=found.page, box=found.box,
            raw=found.line.raw if found.line else None, line_id=found.line.id if found.line else None,
            method=found.method, status="auto" if trusted else "needs_review", reason=found.reason,
        )
    if found.line is None:
        box, weakest, as_read, raw, line_id = found.box, 1.0, None, None, None
    else:
        box, weakest = _span_evidence(found.line, found.start, found.end)
        as_read = "".join(c.text for c in found.line.chars if c.text.strip())[found.start : found.end] or None
        raw, line_id = found.line.raw, found.line.id
    confidence = round(found.certainty * weakest, 4)
    detail = {**(found.detail or {}), **({"inferred": "yes"} if found.certainty <= INFERRED else {}),
              **({"second_reading": second} if second else {})}
    trusted = confidence >= threshold and found.certainty > INFERRED and not _disputed(second)
    return ExtractedField(
        value=found.value,
        as_read=as_read,
        raw=raw,
        confidence=confidence,
        page=found.page,
        box=box,
        line_id=line_id,
        method=found.method,
        status="auto" if trusted else "needs_review",
        detail=detail,
    )


def _evidence_lines(found: Found | None) -> list[Line]:
    """The line a finding was read from, as the place an absent neighbour was looked for."""
    return [found.line] if found is not None and found.line is not None else []


def _as_second_read(line: Line) -> Line | None:
    """The line as its second reading gives it; its characters carry the line's box and no
    confidence of their own."""
    if line.second_reading is None:
        return None
    chars = [Char(text=ch, box=line.box, confidence=None) for ch in line.second_reading if ch.strip()]
    return line.model_copy(update={"text": line.second_reading, "raw": line.second_reading, "chars": chars,
                                   "second_reading": None})


def _up_to(mark: str, lines: list[tuple[int, Line]]) -> list[tuple[int, Line]]:
    """Second readings cut after the mark (…発, …着): read alone, a line picks up more of the
    specks after it than the page reading's end rule allows for (本省着し)."""
    cut = []
    for page, line in lines:
        at = [i for i, c in enumerate(line.chars) if c.text == mark]
        cut.append((page, line.model_copy(update={"chars": line.chars[: at[0] + 1]}) if at else line))
    return cut


Finder = Callable[[list[tuple[int, Line]]], "Found | Absent | None"]


def second_look(found: Found | Absent | None, find: Finder) -> str | None:
    """The same rule run on the second reading of the line a value was read from: "agrees", or
    what the other reading gives. None where there is no second reading, or where the rule
    finds no value in it (a garbled reading is no evidence either way)."""
    if not isinstance(found, Found) or found.line is None or (twin := _as_second_read(found.line)) is None:
        return None
    again = find([(found.page, twin)])
    if not isinstance(again, Found) or again.value is None:
        return None
    return "agrees" if again.value == found.value else f"differs: read alone, the line gives {again.value}"


def extract_fields(cable: AssembledCable, cfg: FieldsConfig) -> dict[str, ExtractedField]:
    fields = extract_copy_fields(cable, cfg)
    if (title := draft_title(cable)) is not None:
        fields.update(extract_draft_fields(cable, title, cfg))
    return cross_check_fields(fields, cable, cfg)


def extract_draft_fields(cable: AssembledCable, title: tuple[int, Line], cfg: FieldsConfig) -> dict[str, ExtractedField]:
    """What differs on an outgoing draft: its date is when it was drafted, it goes from the
    Ministry, and nothing on it is received: those fields are absent by the form itself."""
    draft = find_draft_lines(cable.header_lines)
    absent_by_form = Absent("not_found", round(0.95 * (_span_evidence(title[1], 0, len(compact(title[1])))[1]), 4),
                            "not on a 電信案 (an outgoing draft)", title[0], title[1].box, title[1])
    found: dict[str, Found | Absent | None] = {
        "date_sent": draft.drafted,
        "sending_post": _draft_post(title),
        "addressee": draft.addressee,
        "sender": draft.sender,
        "receiving_office": absent_by_form,
        "date_received": absent_by_form,
        "time_sent": absent_by_form,
        "time_received": absent_by_form,
    }
    drafted = second_look(draft.drafted, lambda ls: find_draft_lines(ls).drafted)
    return {name: _field(name, value, cfg, optional=True, second=drafted if name == "date_sent" else None)
            for name, value in found.items()}


def extract_copy_fields(cable: AssembledCable, cfg: FieldsConfig) -> dict[str, ExtractedField]:
    """The fields of a telegram copy (電信写), the form of the seeds."""
    lines = cable.header_lines
    body = [(i, ln) for i, p in enumerate(cable.pages) for ln in p.lines if ln.role == "body"]
    sent = find_dated_line(lines, cable.pages, "発")
    received = find_dated_line(lines, cable.pages, "着")
    number = find_cable_number(lines)
    subject = find_subject(lines)
    number_line = _evidence_lines(number)
    head, tail = [ln for _, ln in body[:2]], [ln for _, ln in body[-3:]]
    found: dict[str, Found | Absent | None] = {
        "cable_number": number,
        "date_sent": sent.date,
        "sending_post": check_lexicon(sent.post, "posts"),
        "addressee": check_lexicon(find_addressee(lines), "addressees"),
        "sender": find_sender(lines),
        "classification": _word_after_number(CLASSIFICATIONS, "word after the number")(lines)
        or _absent_where(number_line, "no classification after the number"),
        "precedence": _word_after_number(PRECEDENCES, "word after the number")(lines)
        or _absent_where(number_line, "no precedence after the number"),
        "subject": subject,
        "serial_number": find_serial(lines, cable.pages),
        "primary_bureau": check_lexicon(find_primary_bureau(lines), "bureaus"),
        "receiving_office": check_lexicon(received.post, "posts"),
        "date_received": received.date,
        "time_sent": sent.time or _absent_where(_evidence_lines(sent.date or sent.post), "no 時分 and no black box on the …発 line"),
        "time_received": received.time or _absent_where(_evidence_lines(received.date or received.post), "no 時分 and no black box on the …着 line"),
        "handling": check_lexicon(find_handling(lines, body), "caveats") or _absent_where(head[:1], "no bracketed caveat under the number line"),
        "references": find_references(body) or _absent_unless(head, r"電第|第.{1,6}[号弓]",
                                                              "no 往電/来電/貴電 at the head of the body"),
        "separate_telegram": find_separate_telegram(subject)
        or _absent_where(_evidence_lines(subject), "no 別電 N in the subject line"),
        "forwarding": find_forwarding(body) or _absent_unless(tail, r"に.電|転.し|電した",
                                                              "no …に転電 line at the end of the body"),
        "end_mark": find_end_mark(body) or _absent_where(tail, "no （了） at the end of the body"),
        "declassification": find_declassification(cable.pages),
        "redactions": find_redactions(cable.pages, _redaction_labels(sent, received, lines)),
        "speakers": find_speakers(cable) or _absent_where([ln for _, ln in body], "no speaker label opens a paragraph", 0.9),
    }
    finders: dict[str, Finder] = {
        "cable_number": find_cable_number,
        "serial_number": lambda ls: find_serial(ls, cable.pages),
        "date_sent": lambda ls: find_dated_line(_up_to("発", ls), cable.pages, "発").date,
        "time_sent": lambda ls: find_dated_line(_up_to("発", ls), cable.pages, "発").time,
        "date_received": lambda ls: find_dated_line(_up_to("着", ls), cable.pages, "着").date,
        "time_received": lambda ls: find_dated_line(_up_to("着", ls), cable.pages, "着").time,
        "references": find_references,
    }
    return {name: _field(name, found[name], cfg, second=second_look(found[name], finders[name]) if name in finders
                         else None) for name in ALL_FIELDS}


def _redaction_labels(sent: DatedLine, received: DatedLine, lines: list[tuple[int, Line]]) -> dict[str, tuple[int, Line]]:
    """The header lines a redaction may hide part of: the serial's, and the two dated lines'."""
    labels = {}
    if (serial := serial_row(lines)) is not None:
        labels["serial_number"] = (serial[0], serial[1])
    for name, dated in (("time_sent", sent), ("time_received", received)):
        if (evidence := dated.date or dated.post) is not None and evidence.line is not None:
            labels[name] = (evidence.page, evidence.line)
    return labels


# How much an internal cross-check that agrees removes of a field's doubt (noisy-OR).
AGREEMENT_WEIGHT = 0.5
MAX_TRANSIT_DAYS = 2  # a cable is received the day it is sent, or a day or two later at most


def _confirmed(field: ExtractedField, note: str, cfg: FieldsConfig, name: str) -> ExtractedField:
    confidence = round(1 - (1 - field.confidence) * (1 - AGREEMENT_WEIGHT), 4)
    trusted = confidence >= cfg.threshold_for(name) and field.detail.get("inferred") != "yes" \
        and not _disputed(field.detail.get("second_reading"))
    status = "auto" if trusted else "needs_review"
    return field.model_copy(update={"confidence": confidence, "status": status,
                                    "detail": {**field.detail, "cross_check": note}})


def _doubted(field: ExtractedField, note: str) -> ExtractedField:
    return field.model_copy(update={"status": "needs_review", "detail": {**field.detail, "cross_check": note}})


def _classification_stamp(cable: AssembledCable) -> str | None:
    """The classification stamped at the top of the first page (furniture: 極秘 alone)."""
    for line in cable.pages[0].lines if cable.pages else []:
        if line.role == "furniture" and core(line) in CLASSIFICATIONS:
            return core(line)
    return None


def cross_check_fields(fields: dict[str, ExtractedField], cable: AssembledCable,
                       cfg: FieldsConfig) -> dict[str, ExtractedField]:
    """Checks inside the cable: the send date against the receive date, the classification in
    the number line against the stamp. Agreement raises both fields' confidence; disagreement
    sends them to review with the reason."""
    fields = dict(fields)
    sent, received = fields["date_sent"], fields["date_received"]
    if isinstance(sent.value, str) and isinstance(received.value, str):
        days = (dt.date.fromisoformat(received.value) - dt.date.fromisoformat(sent.value)).days
        if 0 <= days <= MAX_TRANSIT_DAYS:
            note = f"received {days} day(s) after it was sent"
            fields["date_sent"] = _confirmed(sent, note, cfg, "date_sent")
            fields["date_received"] = _confirmed(received, note, cfg, "date_received")
        else:
            note = f"received {days} day(s) after it was sent: one of the two dates is misread"
            fields["date_sent"], fields["date_received"] = _doubted(sent, note), _doubted(received, note)
    stamp = _classification_stamp(cable)
    classification = fields["classification"]
    if stamp is not None and classification.value == stamp:
        fields["classification"] = _confirmed(classification, f"the stamp reads {stamp} too", cfg, "classification")
    elif stamp is not None:
        fields["classification"] = _doubted(classification, f"the stamp reads {stamp}")
    return fields
