"""The header's fields, each found by what it is, wherever it stands in the header zone: its label
(総番号, 主管, …発, …着, …殿, a title), its pattern (第N号, a date), the project's tables."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from cableocr.assemble import (
    DECLASSIFICATION_WORDING,
    DOUBTED,
    FURNITURE_TEXTS,
    LEADING_SPECKS,
    TITLE_FRAME,
    TRANSMISSION_CODE,
    header_labels,
    known_title,
    stamp_with_frame,
)
from cableocr.dates import ParsedDate, parse_era_date
from cableocr.fields.context import Context
from cableocr.fields.evidence import (
    DOUBTFUL,
    LIKELY,
    MENDED,
    PLAUSIBLE,
    REDACTION_CERTAINTY,
    SURE,
    UNKNOWN_NAME,
    Absence,
    Finding,
    absent_where,
    as_second_read,
    compact,
    missing,
)
from cableocr.lexicon import alternation, english, known_names, nearest
from cableocr.models import Box, Char, Line, Page, median_char_size
from cableocr.numbers import NUMBER_LINE, find_time
from cableocr.numbers import find_cable_number as parse_cable_number
from cableocr.orthography import unknown_katakana_words
from cableocr.text import CLOSING_BRACKETS, OPENING_BRACKETS, normalize, unclosed_brackets

CLASSIFICATIONS = ("取扱注意", "部外秘", "極秘", "特秘", "秘")  # longest first where one holds another
PRECEDENCES = ("大至急", "至急", "普通")
SENDER_TITLES = tuple(sorted(known_names("titles"), key=len, reverse=True))

_NAME = r"[一-龥ぁ-んァ-ヶー々A-Za-z]"
# Up to three trailing characters the engine read from specks or stamp edges after the value.
_TRAILING_JUNK = r"([^一-龥ぁ-んァ-ヶ]{0,3}|人{1,3})$"
# What the engine makes of a speck after the last word.
SPECK_READINGS = set("-‐_.,'`\"|:;・。、人っ?>!~")
WEAK = DOUBTED  # a character read less surely than this may be a speck (the same as assemble's)
SURE_OF_A_SPECK = 0.95  # a speck-like character (人, 。, ・) read less surely than this may be one too


def core(line: Line, most: int = 3) -> tuple[str, bool]:
    """compact(line) without up to `most` trailing characters that may be specks, and whether any
    was left out: a reading specks are given (人, 。, ・) the engine is not sure of, or any
    character it doubts (under WEAK) that is not a word's or is smaller than half a character.
    A sure 人 or 。 at the end stays (在留邦人 is a subject), and so does a whole-sized 渉 the
    engine doubts (交渉 is no speck): its doubt stays in the confidence."""
    text = compact(line)
    chars = [c for c in line.chars if c.text.strip()]
    size = median_char_size(chars)
    cut = len(text)
    while cut > max(len(text) - most, 0):
        char = chars[cut - 1]
        conf = 1.0 if char.confidence is None else char.confidence  # a second reading has no confidences
        speck_like = text[cut - 1] in SPECK_READINGS and conf < SURE_OF_A_SPECK
        if not speck_like and (conf >= WEAK or (re.match(_NAME, text[cut - 1]) and _whole_sized(char, size))):
            break
        if _closes_a_bracket(text[: cut - 1], text[cut - 1]):  # 中東情勢(別電3): its ） is no speck
            break
        cut -= 1
    return text[:cut], cut < len(text)


def _whole_sized(char: Char, size: float) -> bool:
    """A character boxed at half the line's median size or more (a second reading's characters
    all carry the line's box, and count as whole)."""
    return max(char.box.x1 - char.box.x0, char.box.y1 - char.box.y0) >= 0.5 * size


def _closes_a_bracket(before: str, char: str) -> bool:
    return char in CLOSING_BRACKETS and unclosed_brackets(before) > 0


def unframed(text: str) -> str:
    return TITLE_FRAME.sub("", text)


# ---- the cable's number, serial and marks ---------------------------------------------------

def number_line(ctx: Context) -> tuple[int, Line, re.Match[str]] | None:
    for page, line in ctx.header:
        if match := NUMBER_LINE.search(compact(line)):
            return page, line, match
    return None


def find_cable_number(ctx: Context) -> Finding | Absence | None:
    """第N号 (never a reference's, never a draft's 総第N号), anywhere in the header. A form that
    files its cables by 総番号 alone (incoming copies of the 1970s) carries no 第N号: absent by
    the form where the serial was read and no fragment of a number line is there."""
    hit = number_line(ctx)
    if hit is None:
        if ctx.cable.partial_header:  # a header read in part cannot tell that the form has no 第N号
            return missing("cable_number.number_line", "no 第N号 read in a header read only in part "
                                                       f"(labels read: {', '.join(sorted(ctx.cable.header_kinds))})")
        if (after := _number_line_after_header(ctx)) is not None:
            return after
        if _filed_by_serial(ctx) and not _number_fragment(ctx):
            return absent_where("cable_number.none_on_form", [ln for _, ln in ctx.labelled],
                                "no 第N号 on the form: its 総番号 files it")
        return missing("cable_number.number_line", "no 第N号 in the header")
    page, line, m = hit
    text = compact(line)
    reading = parse_cable_number(text)
    # Beside the marks or the draft's serial, a 第N号 is the cable's number line; alone, it is
    # likely but less sure (a stray line of the body may hold one).
    beside = any(w in text[m.end():] for w in CLASSIFICATIONS + PRECEDENCES) or "総第" in text[: m.start()]
    found = Finding("cable_number.number_line", reading.value, page, line, *reading.span, "第N号 in the header",
                    SURE if beside else PLAUSIBLE, frozenset() if beside else frozenset({"unconfirmed"}))
    return found.flagged("repaired", method=f"{found.method}, an OCR confusion mended") if reading.repaired else found


# The body's first lines, where a number line the header zone missed stands (junk read from a
# page's show-through may come before it).
BODY_LINES_SEARCHED = 8


def _marks_after(rest: str) -> bool:
    """Whether what follows a 第N号 opens with a mark, or a mark one character off (取报注意)."""
    rest = re.sub(r"^\W+", "", rest)
    return any(Levenshtein.distance(rest[: len(w)], w) <= (1 if len(w) >= 3 else 0)
               for w in CLASSIFICATIONS + PRECEDENCES)


def _number_line_after_header(ctx: Context) -> Finding | None:
    """A 第N号 beside the marks (第9513号 極秘 普通), or standing alone on its line (a 1970s copy
    stamps its marks apart), on the body's first lines of the first page: the header zone ended
    before it (a speck read as 。, or a subject set above the number line, ended it early). Its
    number is the cable's, but never filed unreviewed: the place it was found in is not the
    header's."""
    for page, line in ctx.body[:BODY_LINES_SEARCHED]:
        text = compact(line)
        if page != 0 or not (m := NUMBER_LINE.search(text)):
            continue
        beside = _marks_after(text[m.end():])
        if beside or _stands_alone(text, m):
            reading = parse_cable_number(text)
            where = "beside the marks" if beside else "standing alone"
            return Finding("cable_number.after_header", reading.value, page, line, *reading.span,
                           f"第N号 {where}, on a line after the header zone", PLAUSIBLE,
                           frozenset({"unconfirmed"}))
    return None


def _stands_alone(text: str, match: re.Match[str]) -> bool:
    """A 第N号 with nothing on its line but specks (第583号) read from 第583号)."""
    return bool(re.fullmatch(LEADING_SPECKS, text[: match.start()]) and re.fullmatch(_TRAILING_JUNK, text[match.end():]))


def _filed_by_serial(ctx: Context) -> bool:
    """An incoming copy whose 総番号 carries a serial: a form that may carry no 第N号 at all (not
    a draft, which always has one)."""
    if any("電信案" in compact(ln) for ln in ctx.pages[0].lines if ln.role == "furniture"):
        return False
    return any(_SERIAL.search(compact(ln)) for _, ln in ctx.labelled)


def _number_fragment(ctx: Context) -> bool:
    """Whether a header line no label explains holds what a misread number line leaves (a 第,
    a 号 or 弓, a run of digits): then the number is missing, not absent by the form."""
    return any(not header_labels(ln) and re.search(r"第|[号弓]|[0-9０-９]{2,}", compact(ln)) for _, ln in ctx.labelled)


_SERIAL = re.compile(r"総番号[:：]?\s*([(（]?[A-Z]{1,3}[)）]?)?\s*([0-9]{3,8})([0-9A-Za-z]*)")
_DRAFT_SERIAL = re.compile(r"総第\s*([0-9]{3,8})\s*[号弓]")


def find_serial(ctx: Context) -> Finding | Absence | None:
    """総番号 and the serial after it (a prefix such as (TA) kept), a draft's 総第N号, or the black
    box over it."""
    for page, line in ctx.header:
        text = compact(line)
        if m := _DRAFT_SERIAL.search(text):
            return Finding("serial_number.draft", m.group(1), page, line, m.start(1), m.end(1), "総第N号", SURE)
        if "総番号" not in text:
            continue
        if m := _SERIAL.search(text):
            start = m.start(1) if m.group(1) else m.start(2)
            if (cut := _blank_inside(line, m.start(2), m.end(2))) is not None:
                # 116547, then a stamp's 8. four characters on: one serial to compact(), not on the page
                return _serial_found(page, line, start, cut).flagged("truncated", certainty=DOUBTFUL, method=(
                    f"digits after 総番号, up to a blank; {text[cut:m.end(2)]!r} beyond it may be a mark or the serial's"))
            found = _checked_prefix(_serial_found(page, line, start, m.end(2)), m.group(1))
            if m.group(3):  # 768 read before 853 under a date stamp, as 768aoc: the serial may go on
                return found.flagged("truncated", method=f"digits after 総番号, running on into {m.group(3)!r}",
                                     certainty=DOUBTFUL)
            if re.fullmatch(r"\W*", text[m.end(2):]) and (line.ink_after_end or 0) >= UNREAD_INK:
                return found.flagged("truncated", certainty=DOUBTFUL, method=(
                    f"digits after 総番号, then ink no engine read, {line.ink_after_end} characters long: the "
                    "serial may go on under it (a date stamp over its last digits)"))
            if more := re.match(r"[^0-9A-Za-z一-龥ぁ-んァ-ヶ]{1,2}[0-9]+", text[m.end(2):]):
                # 524.40: a stamp's speck read inside the serial (52440) cuts it short
                return found.flagged("truncated", method=f"digits after 総番号, then {more.group(0)!r}: a speck may "
                                                         "have parted the serial", certainty=DOUBTFUL)
            return found
        if (box := redaction_on_line(line, ctx.pages[page])) is not None:
            return Absence("serial_number.label", "redacted", REDACTION_CERTAINTY, "black box after 総番号", page, box, line)
        rest = text[text.index("総番号") + 3:]
        reason = "illegible" if re.search(r"[0-9A-Za-z]", rest) else "not_found"
        return Absence("serial_number.label", reason, 0.5, "総番号 with nothing readable after it", page, line.box, line)
    return _serial_by_place(ctx)


def _checked_prefix(found: Finding, prefix: str | None) -> Finding:
    """A serial's prefix the tables hold ((TA)) stands; one a character off ((IA), (TTA)) is
    mended to it, and any other is flagged unknown: a prefix is read from two or three capitals
    in brackets, the likeliest place for a misread letter."""
    if not prefix:
        return found
    letters = re.sub(r"[()（）]", "", prefix)
    known = known_names("serial_prefixes")
    if letters in known:
        return found
    near = [k for k in known if Levenshtein.distance(letters, k) == 1]
    if len(near) == 1:
        return found.flagged("repaired", certainty=min(found.certainty, MENDED),
                             method=f"{found.method}; its prefix read {prefix!r}, one letter off ({near[0]})",
                             detail={"read_as": found.value}, value=found.value.replace(letters, near[0], 1))
    return found.flagged("unknown_name", method=f"{found.method}; its prefix {prefix!r} is not in the tables")


# Character sizes: unread ink after a line this long is a piece of a character, not a speck (on
# the eval pages of seeds 15 to 20, specks after a serial read whole measured 0.18 at most; the
# digits under a date stamp, 0.85).
UNREAD_INK = 0.4
SERIAL_BLANK = 1.0  # character sizes: a serial's digits stand close; a blank this wide parts them from a mark


def _blank_inside(line: Line, start: int, end: int) -> int | None:
    """The first position in compact(line)[start:end] a wide blank stands before."""
    return next((at for at in range(start + 1, end)
                 if (blank := blank_before(line, at)) is not None and blank[1] >= SERIAL_BLANK), None)


def _serial_found(page: int, line: Line, start: int, end: int) -> Finding:
    """The serial (a prefix such as (TA) kept) from compact(line)[start:end]."""
    value = compact(line)[start:end].replace("（", "(").replace("）", ")")
    return Finding("serial_number.label", value, page, line, start, end, "digits after 総番号", SURE,
                   delimiters=frozenset("()"))


def _serial_by_place(ctx: Context) -> Absence | None:
    """総番号 unread: on the 1990s form it is the row before 主管, and a black box there hides it."""
    if (placed := serial_row_by_place(ctx)) is None:
        return None
    page, row, vertical = placed
    if (box := redaction_on(row, vertical, ctx.pages[page])) is not None:
        return Absence("serial_number.row_before_bureau", "redacted", 0.9,
                       "black box in the 総番号 row (the label itself not read)", page, box)
    return None


def serial_row_by_place(ctx: Context) -> tuple[int, Box, bool] | None:
    """Where the 総番号 row stands when its label was not read: one line pitch before 主管
    (page, row, whether the page is vertical)."""
    at = next((i for i, (_, ln) in enumerate(ctx.labelled) if compact(ln).startswith("主管")), None)
    if at is None or at + 1 >= len(ctx.labelled):
        return None
    page, bureau = ctx.labelled[at]
    return page, row_before(bureau, ctx.labelled[at + 1][1]), bureau.writing_mode == "vertical"


def row_before(line: Line, following: Line) -> Box:
    """Where the form's row before `line` lies, one line pitch back (pitch: line to following)."""
    dx, dy = following.box.x0 - line.box.x0, following.box.y0 - line.box.y0
    if line.writing_mode == "vertical":
        dy = 0
    else:
        dx = 0
    return Box(x0=line.box.x0 - dx, y0=line.box.y0 - dy, x1=line.box.x1 - dx, y1=line.box.y1 - dy)


def find_mark(ctx: Context, words: tuple[str, ...], field: str) -> Finding | Absence:
    """A classification or precedence: the word after the number (1990s forms), else a mark
    standing alone or boxed in the header (a stamp), else a draft's transmission code line
    (YYYYY 至急). Absent where the form shows none."""
    hit, late = number_line(ctx), False
    if hit is None and (after := _number_line_after_header(ctx)) is not None and after.line is not None:
        # The number line read after the header zone ended (第3561号秘大至急 below a subject read
        # with a speck): its marks are read there too, as unconfirmed as its number.
        hit, late = (after.page, after.line, NUMBER_LINE.search(compact(after.line))), True
    if hit is not None and hit[2] is not None:
        page, line, m = hit
        # The declassification stamp read into the line: its 秘密 is no mark (positions kept).
        text = DECLASSIFICATION_WORDING.sub(lambda w: "\0" * len(w.group(0)), compact(line))
        for word in words:  # longest first, so that 大至急 is not read as 至急
            if (at := text.find(word, m.end())) >= 0:
                found = Finding(f"{field}.after_number", word, page, line, at, at + len(word), "word after the number",
                                SURE)
                if unexplained := _MARKS.sub("", text[m.end():at]).strip("・.,、 "):
                    # 取扱注意太至急: 太 may be 大 of 大至急, misread
                    found = found.flagged("inferred", certainty=DOUBTFUL, method=(
                        f"word after the number, {unexplained!r} before it no mark explains"))
                if late:
                    found = found.flagged("unconfirmed", certainty=min(found.certainty, PLAUSIBLE),
                                          method=f"{found.method}, on a number line after the header zone")
                return found
    # The header's lines first, then the short lines set apart inside its area (a boxed stamp
    # layout sorted after the body).
    strays = ctx.strays
    for page, line in ctx.header + strays:
        text = DECLASSIFICATION_WORDING.sub("", unframed(compact(line)))  # the stamp laid over the marks
        text = _DATE_STAMP_AFTER.sub("", text)  # 特秘10.16.: a receipt stamp's date read after the mark's
        coded = TRANSMISSION_CODE.match(text) is not None
        if not coded and not re.fullmatch(rf"(?:{_MARKS.pattern}|\W)+", text):
            continue
        for word in words:
            if (at := compact(line).find(word)) >= 0:
                method = "after the transmission code" if coded else "stamped in the header"
                return Finding(f"{field}.{'code' if coded else 'stamp'}", word, page, line, at, at + len(word), method,
                               LIKELY)
    # A stamp read with its box: the word among a character or two the frame became (也秘, 履秘).
    for page, line in ctx.header + strays:
        text = unframed(compact(line))
        if not stamp_with_frame(text) or header_labels(line) - {"marks"}:
            continue
        for word in words:
            if (at := compact(line).find(word)) >= 0:
                return Finding(f"{field}.garbled_stamp", word, page, line, at, at + len(word),
                               "a stamp read with its frame as characters", DOUBTFUL, frozenset({"inferred"}),
                               {"read_as": text})
    if (loose := _mark_after_garbled_code(ctx, words, field)) is not None:
        return loose
    evidence = [hit[1]] if hit else [ln for _, ln in ctx.labelled]
    for _, line in [*ctx.header, *ctx.body[:1]]:  # the code line read too garbled to end the header: the body's first
        # The code line carries a draft's precedence (YYYYY 至急): anything after the code is a
        # piece of one misread (YYYYY急, QQQQQ本意); a classification only if it shares a character.
        if (code := _CODE_THEN.match(compact(line))) and (field == "precedence" or set(code.group(1)) & set("".join(words))):
            return Absence(f"{field}.none", "illegible", DOUBTFUL, f"no {field} read, but {code.group(1)!r} after the "
                           "transmission code may be one misread", line=line)
    if any(_unread_stamp(line) for _, line in ctx.labelled + strays) or any(
            _stamp_beside_unread(line) for _, line in ctx.header + strays):
        return Absence(f"{field}.none", "not_found", DOUBTFUL,
                       f"no {field} read, but a short unreadable line in the header may be its stamp")
    return absent_where(f"{field}.none", evidence, f"no {field} on the form")


# A transmission code (three letters at least: YYY for YYYYY) and a few characters after it no
# mark word explains (YYYYY急: 至 lost; YYY大務起 for YYYYY 大至急).
_CODE_THEN = re.compile(r"^\W{0,2}(?:[A-Z0-9]\W?){3,7}([^\WA-Za-z0-9_]{1,3})\W*$")
# A receipt stamp's date (10.16., 2.16.) or its 受付 read at the end of a mark stamp's or the
# code's line (YYYYY大至急受付).
_DATE_STAMP_AFTER = re.compile(r"(?:受付|(?:[0-9]{1,2}[.・]){1,3}[0-9]{0,2})$")


def _mark_after_garbled_code(ctx: Context, words: tuple[str, ...], field: str) -> Finding | None:
    """A mark after what a transmission code was read as, in the header or on the body's first
    line (a draft's code line read apart from the header): the word stands, the line does not
    read as the form's, so it is reviewed."""
    for page, line in [*ctx.header, *ctx.body[:1]]:
        text = compact(line)
        if (m := _GARBLED_CODE.match(text)) and m.group(1) in words and not TRANSMISSION_CODE.match(text):
            return Finding(f"{field}.code", m.group(1), page, line, m.start(1), m.end(1),
                           f"after a transmission code misread ({text!r})", PLAUSIBLE, frozenset({"unconfirmed"}))
    return None


def _unread_stamp(line: Line) -> bool:
    """A header line of one to three characters no label explains: a boxed stamp the engine
    could not read (極秘 in its box read 図), or of up to five holding a piece of a mark word
    (属一室急: 極秘 and 至急 boxed side by side). Digits and 受付 are a date stamp's."""
    text = unframed(compact(line))
    if _DATE_STAMP.search(text) or header_labels(line) - {"marks"} or _form_words(text):
        return False
    if 0 < len(text) <= 3 and not header_labels(line):
        return True
    return len(text) <= 5 and re.search(r"[秘急]", text) is not None and _MARKS.sub("", text) != ""


_MARKS = re.compile("|".join(sorted(CLASSIFICATIONS + PRECEDENCES, key=len, reverse=True)))
# A mark after a run of Latin letters, digits and specks (a transmission code misread: 0q 90.至急,
# or all but one character of it lost: 0至急・), with a speck or two after it (QQQQQ.大至急.昌。.).
_GARBLED_CODE = re.compile(rf"^[\WA-Za-z0-9]{{1,12}}?({_MARKS.pattern})\W{{0,2}}\w?\W{{0,3}}$")
_DATE_STAMP = re.compile(r"[0-9受付]")  # what a round date stamp reads: no mark stamp's
# The form's printed words a short line may be, read whole or a character off (維番号): no stamp.
_FORM_WORDS = (*FURNITURE_TEXTS, "総番号")


def _form_words(text: str) -> bool:
    return not _MARKS.search(text) and any(Levenshtein.distance(text, word) <= 1 for word in _FORM_WORDS)


def _stamp_beside_unread(line: Line) -> bool:
    """A stamp read beside characters no mark explains, two at least: a second stamp unread
    (秘恒久: 秘, and 至急 read 恒久)."""
    text = unframed(compact(line))
    return stamp_with_frame(text) and len(_MARKS.sub("", text)) >= 2 and not _DATE_STAMP.search(text)


# ---- dated lines: …発 and …着 -----------------------------------------------------------------

@dataclass(frozen=True)
class DatedLine:
    """The …発 (sent) or …着 (received) line: date, time and post."""

    date: Finding | None
    post: Finding | None
    time: Finding | Absence | None

    def parts_found(self) -> int:
        return sum(isinstance(part, Finding) for part in (self.date, self.post, self.time))


def date_found(rule: str, date: ParsedDate, page: int, line: Line, text: str, label: str) -> Finding:
    certainty = (SURE if date.exact else 0.6) * (SURE if date.valid_in_era else 0.5)
    found = Finding(rule, date.iso, page, line, *date.span, f"date on the …{label} line", certainty,
                    detail={"era_form": date.era_form, "read_as": text[slice(*date.span)]})
    if not date.exact:
        found = found.flagged("inferred", method=f"{found.method}, its 日 misread")
    if not date.valid_in_era:
        found = found.flagged(method=f"{found.method}, outside its era's years")
    if date.repaired:
        found = found.flagged("repaired", method=f"{found.method}, an OCR confusion mended",
                              certainty=found.certainty * MENDED)
    return found


def find_dated_line(ctx: Context, mark: str) -> DatedLine:
    """The header line ending in mark (発 or 着) that carries a date or a time (a line ending in
    発 with neither is a draft's sender): the date, the time (or its redaction), the post.
    Where the page reading gives fewer of the three than the lines' second readings (Tesseract
    read the …発 apart from its line, or a digit too many into 23時096分), the second reading's
    are taken, flagged disputed: they carry no confidence of their own, and go to review."""
    first = _dated_line(ctx, ctx.labelled, mark)
    if first.parts_found() == 3 or first.date and first.post and _redacted(first.time):
        return first
    twins = [(page, twin) for page, line in ctx.labelled if (twin := as_second_read(line, mark)) is not None]
    second = _dated_line(ctx, twins, mark)
    if second.parts_found() <= first.parts_found():
        return first
    how = f"from the line's second reading (the page reading gives {first.parts_found()} of date, time and post)"
    return DatedLine(*(part.flagged("disputed", method=f"{part.method}, {how}") if isinstance(part, Finding)
                       else part for part in (second.date, second.post, second.time)))


_ONE_DIGIT = re.compile(r"(?<![0-9])[0-9]\s*[時分]")
# 時 or 分 with digits that make no time of day (99時52分, 22時0.3分): a time is there, misread.
_GARBLED_TIME = re.compile(r"[0-9][0-9.\s]*時[0-9.\s]*分?|時[0-9.\s]*分")


def _redacted(part: Finding | Absence | None) -> bool:
    return isinstance(part, Absence) and part.reason == "redacted"


def _dated_line(ctx: Context, lines: list[tuple[int, Line]], mark: str) -> DatedLine:
    field = "sent" if mark == "発" else "received"
    for page, line in lines:
        text, trimmed = core(line)
        if not (end := re.search(rf"{mark}{_TRAILING_JUNK}", text)) or NUMBER_LINE.search(text):
            continue
        text = text[: end.start() + 1]  # up to the mark: what follows is specks read as characters
        date = parse_era_date(text, loose=True)
        clock = find_time(text[date.span[1]:] if date else text)
        if date is None and clock is None:
            continue
        date_at = date_found(f"date_{field}.dated_line", date, page, line, text, mark) if date else None
        after = date.span[1] if date else 0
        time_at: Finding | Absence | None = None
        if clock is not None:
            start, stop = after + clock.span[0], after + clock.span[1]
            time_at = Finding(f"time_{field}.dated_line", clock.value, page, line, start, stop,
                              f"時分 after the date on the …{mark} line", MENDED if clock.repaired else SURE,
                              frozenset({"repaired"}) if clock.repaired else frozenset())
            if re.search(r"[0-9０-９]", text[after:start]):  # 1. 9時46分: the hour's digits parted by a speck
                time_at = time_at.flagged("truncated", certainty=DOUBTFUL, method=(
                    f"{time_at.method}, after {text[after:start]!r}: its hour may run on before a speck"))
            elif _ONE_DIGIT.search(unicodedata.normalize("NFKC", text[start:stop])):
                # The forms type both with two digits (01時00分): 22時5分 lost a digit of 22時45分
                time_at = time_at.flagged("truncated", certainty=DOUBTFUL, method=(
                    f"{time_at.method}, {text[start:stop]!r} read: a typed time has two digits in each place"))
            after = stop
        elif (box := redaction_on_line(line, ctx.pages[page])) is not None:
            time_at = Absence(f"time_{field}.dated_line", "redacted", REDACTION_CERTAINTY,
                              f"black box on the …{mark} line", page, box, line)
        elif garbled := _GARBLED_TIME.search(text[after:]):  # 99時52分, 22時0.3分: a time misread
            time_at = Absence(f"time_{field}.dated_line", "illegible", DOUBTFUL,
                              f"時分 on the …{mark} line, but no time of day read in it", page, line.box, line,
                              frozenset({"missing"}))
            after += garbled.end()
        elif date is not None and (gap := unread_gap(line, date.span[1])) is not None:
            time_at = Absence(f"time_{field}.unread_gap", "not_found", 0.0,
                              f"no 時分 read on the …{mark} line, but a gap of {gap[1]:.1f} characters after the "
                              f"date where a time or its black box stands", page, gap[0], line,
                              frozenset({"missing"}))
        # The post is the run of name characters just before the mark, after the date and time.
        post = re.search(rf"({_NAME}{{1,12}}){mark}$", text[after:])
        post_at = None
        if post:
            start, stop = after + post.start(1), after + post.end(1)
            post_at = trim_noted(Finding(f"post_{field}.dated_line", post.group(1), page, line, start, stop,
                                         f"text before {mark}", 0.9 if end.group(1) else LIKELY), trimmed)
        return DatedLine(date_at, post_at, time_at)
    return DatedLine(None, None, None)


UNREAD_GAP = 4.0  # character sizes: the blanks around an absent time are two; a time or its box is five more


def unread_gap(line: Line, at: int) -> tuple[Box, float] | None:
    """The blank on the line between its characters at-1 and at, and its length in character
    sizes, where it is long enough to hold something the engines did not read (a black box
    layout missed, a faint time)."""
    blank = blank_before(line, at)
    return blank if blank is not None and blank[1] >= UNREAD_GAP else None


def blank_before(line: Line, at: int) -> tuple[Box, float] | None:
    """The blank between the characters at-1 and at of compact(line): its box, and its length
    in character sizes (the median character's)."""
    chars = [c for c in line.chars if c.text.strip()]
    if not 0 < at < len(chars):
        return None
    size = max(median_char_size(chars), 1)
    before, after = chars[at - 1].box, chars[at].box
    if line.writing_mode == "vertical":
        gap, box = after.y0 - before.y1, Box(x0=line.box.x0, y0=before.y1, x1=line.box.x1, y1=after.y0)
    else:
        gap, box = after.x0 - before.x1, Box(x0=before.x1, y0=line.box.y0, x1=after.x0, y1=line.box.y1)
    return box, max(gap, 0) / size


def row_share(row: Box, vertical: bool, box: Box) -> float:
    """How much of the thinner of the two a box shares with a row (a column on a vertical page)."""
    a0, a1 = (row.x0, row.x1) if vertical else (row.y0, row.y1)
    b0, b1 = (box.x0, box.x1) if vertical else (box.y0, box.y1)
    return (min(a1, b1) - max(a0, b0)) / max(min(a1 - a0, b1 - b0), 1)


def redaction_on(row: Box, vertical: bool, page: Page) -> Box | None:
    """The redaction box lying in the row, if any (the most overlapping one)."""
    best = max(page.redactions, key=lambda box: row_share(row, vertical, box), default=None)
    return best if best is not None and row_share(row, vertical, best) >= 0.5 else None


def redaction_on_line(line: Line, page: Page) -> Box | None:
    return redaction_on(line.box, line.writing_mode == "vertical", page)


# ---- names: bureau, addressee, sender -------------------------------------------------------

def find_primary_bureau(ctx: Context) -> Finding | None:
    """主管 (or a 1960s draft's 主管局部課(室)名) and the bureau, section or head responsible."""
    for page, line in ctx.labelled:
        text, trimmed = core(line)
        if m := re.match(rf"主管(?:局部課[(（]室[)）]名)?[:：\-ー・.]?({_NAME}{{2,14}}?){_TRAILING_JUNK}", text):
            found = Finding("primary_bureau.label", m.group(1), page, line, m.start(1), m.end(1), "text after 主管",
                            LIKELY if not m.group(2) else PLAUSIBLE)
            return trim_noted(found, trimmed)
    return None


def find_addressee(ctx: Context) -> Finding | None:
    """…殿 at a line's end; else a line within two characters of a known addressee and 殿 (殿
    itself misread: 外務大臣服), taken as that addressee, for review."""
    for page, line in ctx.labelled:
        text, trimmed = core(line)
        if m := re.search(rf"({_NAME}{{2,12}})殿{_TRAILING_JUNK}", unframed(text)):
            found = Finding("addressee.dono", m.group(1), page, line, m.start(1), m.end(1), "line ending 殿",
                            SURE if not m.group(2) else 0.8)
            return trim_noted(found, trimmed)
    for page, line in ctx.labelled:
        text, _ = core(line, most=1)
        for known in known_names("addressees"):
            if len(text) >= 4 and Levenshtein.distance(text, f"{known}殿") <= 2:
                return Finding("addressee.near_known", known, page, line, 0, len(text),
                               "whole line near a known addressee", 0.6, frozenset({"inferred"}), {"read_as": text})
    return None


def find_sender(ctx: Context) -> Finding | None:
    """The line ending in a title (波多野大使; a title printed in a box, 森 [大使], its frame left
    out), not the addressee's. Where the box parted the title from the name (the engine read
    them as two lines on one row), the name is the line before it on that row."""
    titles = "|".join(SENDER_TITLES)
    for page, line in ctx.labelled:
        if (name := name_beside_title(ctx, line)) is not None:
            title, read_as = title_alone(line)
            found = Finding("sender.boxed_title", name + title, page, line, 0, len(compact(line)),
                            "a boxed title, read apart from the name before it on its row", LIKELY,
                            detail={"name_line": name})
            if title != read_as:
                found = found.flagged("repaired", certainty=min(found.certainty, MENDED), method=(
                    f"{found.method}; its title read {read_as!r}, one character off {title}"),
                    detail={**found.detail, "read_as": read_as})
            return found
    for page, line in ctx.labelled:
        text, trimmed = core(line)
        if NUMBER_LINE.search(text) or "殿" in text[-4:] or "あて" in text:
            continue
        bare = unframed(text)
        if m := re.search(rf"({_NAME}{{1,10}}?(?:{titles})){_TRAILING_JUNK}", bare):
            framed = bare != text
            start = text.find(m.group(1)[0])
            end = start + len(m.group(1)) + (len(text) - len(bare) if framed else 0)
            found = Finding("sender.title", m.group(1), page, line, start, min(end, len(text)),
                            "line ending in a title" + (", the frame of a boxed title left out" if framed else ""),
                            LIKELY if not m.group(2) else 0.75)
            if m.group(1) in SENDER_TITLES:  # 総領事 is 総 and 領事 to the pattern: a title with no name
                found = found.flagged("unconfirmed", certainty=DOUBTFUL, method="a title with no name before it")
            else:
                found = _doubtful_name(found)
            return trim_noted(found, trimmed)
    return _sender_title_misread(ctx)


def _doubtful_name(found: Finding) -> Finding:
    """A sender whose name ends in what reads as the misread head of a longer title (波多野吊時 +
    代理大使: 吊時代理大使 is one character off 臨時代理大使) is mended to that title, for review;
    one whose name is not written in Japanese (EJ臣時代理大使) is kept, for review."""
    text = str(found.value)
    title = next(t for t in SENDER_TITLES if text.endswith(t))
    name = text[: -len(title)]
    for longer in SENDER_TITLES:
        extra = len(longer) - len(title)
        if extra > 0 and longer.endswith(title) and len(name) > extra \
                and Levenshtein.distance(name[-extra:], longer[:extra]) == 1:
            return found.flagged("repaired", value=name[:-extra] + longer, certainty=min(found.certainty, MENDED),
                                 method=f"{found.method}; {name[-extra:]}{title} read, one character off {longer}",
                                 detail={**found.detail, "read_as": text})
    if re.search(r"[A-Za-z]", name):
        return found.flagged("unconfirmed", certainty=min(found.certainty, DOUBTFUL),
                             method=f"{found.method}; a name with Latin letters in it, a misreading")
    if labels := list(_LABELS_IN_NAME.finditer(name)):
        # 分本省着受付大河原: a date stamp's or another line's words read into the name's line
        return found.flagged("repaired", value=name[labels[-1].end():] + title, certainty=min(found.certainty, MENDED),
                             method=f"{found.method}; the name read after {labels[-1].group(0)!r}, another field's word",
                             detail={**found.detail, "read_as": text})
    return found


# Words of other header fields (and of the receipt stamp) that a name is never made of.
_LABELS_IN_NAME = re.compile(r"本省着|受付|殿|[発着分]")


def _sender_title_misread(ctx: Context) -> Finding | None:
    """The line after the addressee's (…殿), a name and a title one character off a known one
    (栗山使: the box of [公使] took its 公): mended, for review."""
    after = [(p, ln) for (_, prev), (p, ln) in zip(ctx.labelled, ctx.labelled[1:], strict=False)
             if "殿" in compact(prev)[-3:]]
    for page, line in after:
        text = unframed(core(line)[0])
        # Every way to read the line as a name and a title one character off; the longest name
        # wins (栗山使 is 栗山 and [公]使, not 栗 and 山使 for 大使).
        readings = [(cut, title) for title in SENDER_TITLES if len(title) >= 2
                    for cut in {len(text) - len(title) + d for d in (-1, 0, 1)}
                    if re.fullmatch(rf"{_NAME}{{1,6}}", text[:cut]) and text[cut:] != title
                    and Levenshtein.distance(text[cut:], title) == 1]
        if readings:
            cut, title = max(readings, key=lambda r: r[0])
            others = [t for c, t in readings if c == cut and t != title]  # 使: 大使 or 公使, the reviewer's call
            return Finding("sender.title_mended", text[:cut] + title, page, line, 0, len(compact(line)),
                           f"line after the addressee's, its title {text[cut:]!r} one character off {title}"
                           + (f" (or {', '.join(others)})" if others else ""),
                           LIKELY * MENDED, frozenset({"repaired"}), {"read_as": text})
    return None


def same_row(a: Line, b: Line) -> bool:
    return row_share(a.box, a.writing_mode == "vertical", b.box) >= 0.5


def title_alone(line: Line) -> tuple[str | None, str]:
    """The known title a line holds and nothing else, mended where one character off (see
    known_title), with the line's text as read, its frame left out."""
    text = unframed(core(line)[0])
    return known_title(text), text


def name_beside_title(ctx: Context, line: Line) -> str | None:
    """The name read as a line of its own just before a line that is only a title, on its row."""
    if title_alone(line)[0] is None:
        return None
    vertical = line.writing_mode == "vertical"
    before = [ln for _, ln in ctx.labelled if ln.id != line.id and same_row(line, ln)
              and (ln.box.y1 <= line.box.y0 + 5 if vertical else ln.box.x1 <= line.box.x0 + 5)]
    # The nearest before it: the name the box stands against, not another line on its row.
    before.sort(key=lambda ln: ln.box.y1 if vertical else ln.box.x1)
    names = [unframed(core(ln)[0]) for ln in before]
    # Not another field's line (外務大臣殿, whose box reached past the name: seed 20 eval-0116).
    names = [n for n in names if re.fullmatch(rf"{_NAME}{{1,6}}", n) and not _LABELS_IN_NAME.search(n)]
    return names[-1] if names else None


def trim_noted(found: Finding, trimmed: bool) -> Finding:
    """A value read from a line whose doubtful last characters were left out: recorded, and
    less sure."""
    if not trimmed:
        return found
    return found.flagged("trimmed", method=f"{found.method}, doubtful characters at the line's end left out",
                         certainty=min(found.certainty, PLAUSIBLE))


def check_lexicon(found: Finding | None, table: str) -> Finding | None:
    """A known name keeps its certainty (and gains its English); a name one character from a
    known one is taken as that name, flagged inferred; an unknown name is flagged."""
    if found is None:
        return None

    def english_of(name: str) -> str | None:  # a table may give several renderings
        value = english(table, name)
        return " / ".join(value) if isinstance(value, list) else value

    if (name_en := english_of(found.value)) is not None:
        return found.noted(english=name_en)
    if (known := nearest(table, found.value)) is not None:
        return found.noted(read_as=found.value, english=english_of(known) or "").flagged(
            "inferred", value=known, method=f"{found.method}, nearest known name", certainty=MENDED)
    if table == "bureaus" and (mended := _bureau_head_mended(found.value)) is not None:
        flags = ("inferred",) if english_of(mended) is not None else ("inferred", "unknown_name")
        return found.noted(read_as=found.value, english=english_of(mended) or "").flagged(
            *flags, value=mended, certainty=MENDED,
            method=f"{found.method}, its bureau one character from a known one (the section after it kept)")
    # Specks after a known name read as Latin letters or digits (欧亜局長SE).
    stripped = re.sub(r"[A-Za-z0-9]{1,3}$", "", found.value)
    if stripped != found.value and (name_en := english_of(stripped)) is not None:
        return found.noted(read_as=found.value, english=name_en).flagged(
            "trimmed", value=stripped, end=found.end - (len(found.value) - len(stripped)),
            method=f"{found.method}, letters after a known name left out", certainty=0.8)
    return found.flagged("unknown_name", method=f"{found.method}, not in the table of known names",
                         certainty=min(found.certainty, UNKNOWN_NAME))


def _bureau_head_mended(name: str) -> str | None:
    """A bureau and its section (アジァ局中国課) whose bureau is one character from exactly one
    known bureau (アジア局, from the table's アジア局長): the name with the bureau mended."""
    at = name.find("局")
    if at < 2:
        return None
    head, rest = name[: at + 1], name[at + 1 :]
    heads = {known[: known.index("局") + 1] for known in known_names("bureaus") if "局" in known}
    if head in heads:
        return None
    close = [known for known in heads if Levenshtein.distance(known, head) == 1]
    return close[0] + rest if len(close) == 1 else None


# ---- subject and handling ----------------------------------------------------------------

_SUBJECT_LABEL = re.compile(r"^\W{0,2}件名[:：]?")


def find_subject(ctx: Context) -> Finding | None:
    """The subject: after 件名 where the form labels it; else the one header line no other rule
    claims (the 1990s form sets it just before the number line, other forms elsewhere)."""
    for page, line in ctx.labelled:
        text, trimmed = core(line)
        if (m := _SUBJECT_LABEL.match(text)) and (found := _subject_from(page, line, text, m.end(), "text after 件名",
                                                                         LIKELY)):
            return trim_noted(_read_alike(found), trimmed)
    plain = [(i, p, ln) for i, (p, ln) in enumerate(ctx.labelled) if not header_labels(ln)
             and not _another_fields_line(ctx, ln)]
    if not plain:
        return None
    number = number_line(ctx)
    before = [c for c in plain if number is not None and c[0] + 1 < len(ctx.labelled)
              and ctx.labelled[c[0] + 1][1].id == number[1].id]
    if before:
        _, page, line = before[0]
        how = "header line before the number line"
    else:
        _, page, line = plain[-1]
        how = "the header line no other field's rule claims"
    certainty = LIKELY if len(plain) == 1 or before else PLAUSIBLE
    text, trimmed = core(line)
    found = _subject_from(page, line, text, 0, how, certainty)
    return trim_noted(_read_alike(found), trimmed) if found else None


# Katakana this long with no ・ in it may be two words whose ・ both engines dropped (ウルグァイ・
# ラウンド read ウルグァイラウンド by both, and passed at 0.95).
BARE_KATAKANA = 7


def _read_alike(found: Finding) -> Finding:
    """A subject the two engines read alike, character for character, and found where the
    form sets it, is as sure as its characters: nothing but their reading is in doubt. But the
    engines make the same errors in katakana (a small ァ dropped, ボ read ポ, a ・ lost: on seed
    20, ウルグイ five times, カンポディア twice and 日ツ for 日ソ once, passed at up to 1.0), so a
    subject holding a katakana word the dictionary does not know, or a long run of katakana
    with no ・, is doubtful however it was read, and reviewed."""
    value = str(found.value)
    if unknown := unknown_katakana_words(value):
        return found.flagged(certainty=min(found.certainty, PLAUSIBLE), method=(
            f"{found.method}; {unknown[0]!r}: katakana the dictionary does not know, where both engines err alike"))
    if re.search(rf"[ァ-ヶー]{{{BARE_KATAKANA},}}", value):
        return found.flagged(certainty=min(found.certainty, PLAUSIBLE), method=(
            f"{found.method}; {BARE_KATAKANA} katakana or more with no ・: two words whose ・ was lost?"))
    if found.certainty != LIKELY or not _line_read_alike(found.line, value) or _unpaired_bracket(value):
        return found
    return found.flagged(certainty=SURE, method=f"{found.method}; both engines read its line alike")


def _unpaired_bracket(text: str) -> bool:
    """A bracket of the text pairs with none: one of the pair was lost, by both engines alike
    where they agree (seed 28 eval-0137: カンボディア和平別電2), the ( lost by both)."""
    return any(ch in OPENING_BRACKETS + CLOSING_BRACKETS for ch in text) and not _brackets_pair(text)


def _line_read_alike(line: Line, value: str) -> bool:
    """Two engines read the line character for character alike, but perhaps for its brackets
    where they pair up (PP-OCR drops brackets in columns; （ against ( is no dispute over the
    subject): a bracket lost or unpaired leaves the line not alike."""
    chars = [c for c in line.chars if c.text.strip()]
    if line.chars_agreed is None or not chars:
        return False
    brackets = sum(c.text in "()（）" for c in chars) if _brackets_pair(value) else 0
    return len(chars) - line.chars_agreed <= brackets


def _another_fields_line(ctx: Context, line: Line) -> bool:
    """A line that no label claims but that is another field's all the same, its label misread:
    a date or a time (…発 lost), a name the addressee's within two characters (殿 misread), a
    name on the row of a boxed title, the handling caveat ((限定配布)), or too few words'
    characters to be a subject (a date stamp's 9.7. 受付)."""
    text = unframed(core(line)[0])
    if len(re.findall(r"[一-龥ぁ-んァ-ヶ]", text)) < 3 or re.search(r"年.{0,8}月|[0-9]月[0-9]{1,2}日|時.{0,3}分", text):
        return True
    if stamp_with_frame(text):  # 必秘至急: the boxed 極秘 至急
        return True
    if _CAVEAT.fullmatch(text) or text.strip("（()）") in known_names("caveats"):  # (限定配布): the handling's
        return True
    if any(Levenshtein.distance(text, f"{known}殿") <= 2 or text == known for known in known_names("addressees")):
        return True
    return any(same_row(line, other) and name_beside_title(ctx, other) for _, other in ctx.labelled
               if other.id != line.id)


def _subject_from(page: int, line: Line, text: str, start: int, method: str, certainty: float) -> Finding | None:
    """The subject from start: specks read before it, or after its closing bracket, or marks at
    its end (a subject never ends in a full stop: 日ソ平和条約交渉. is a speck after it), left out."""
    lead = len(re.match(r"^[^一-龥ぁ-んァ-ヶA-Za-z0-9（(]*", text[start:]).group(0))
    closed = re.match(r"^(.*[）)])[^（）()]{1,3}$", text)
    marks = re.search(r"[^\w）)」』]+$", text)
    end = len(closed.group(1)) if closed else marks.start() if marks else len(text)
    if end <= start + lead:
        return None
    subject = text[start + lead : end]
    found = Finding("subject.line", normalize(subject), page, line, start + lead, end, method, certainty,
                    delimiters=frozenset("()") if _brackets_pair(subject) else frozenset())
    if lead or end < len(text):
        found = found.flagged(method=f"{method}, specks at its ends left out", certainty=min(certainty, PLAUSIBLE))
    if re.search(r"別電(?![0-9０-９一二三四五六七八九十])", subject):  # (別電): its number lost
        found = found.flagged("truncated", method=f"{found.method}; 別電 without its number", certainty=DOUBTFUL)
    return found


def _brackets_pair(text: str) -> bool:
    """Whether every bracket of the text opens and closes a pair around something: then how
    surely each was read ((, （ or 「, engines differ on brackets most) does not make the subject
    doubtful; a bracket lost or read alone does."""
    depth = 0
    for before, ch in zip(" " + text, text, strict=False):
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            if depth == 0 or before in "(（":
                return False
            depth -= 1
    return depth == 0 and any(ch in "(（" for ch in text)


_CAVEAT = re.compile(r"[（(]([^（）()]{2,8}(?:配布|注意))[）)]")


def _half_bracketed_caveat() -> re.Pattern[str]:
    """A caveat the tables hold with one of its brackets lost: (限定配布 or 限定配布)."""
    known = alternation("caveats")
    return re.compile(rf"[（(]({known})(?![）)])|(?<![（(])({known})[）)]")


def find_handling(ctx: Context) -> Finding | None:
    """The handling caveat in brackets: （限定配布）, in the header or (where OCR split the number
    line) on the body's first two lines; a caveat the tables hold is also taken with one
    bracket read, a little less surely."""
    places = [*ctx.labelled, *ctx.body[:2]]
    for page, line in places:
        if m := _CAVEAT.search(compact(line)):
            return Finding("handling.caveat", m.group(1), page, line, m.start(1), m.end(1), "bracketed caveat", SURE)
    for page, line in ctx.body[2:BODY_LINES_SEARCHED]:  # after a number line read below the header zone
        if m := re.fullmatch(rf"\W{{0,2}}{_CAVEAT.pattern}\W{{0,2}}", compact(line)):
            return Finding("handling.caveat", m.group(1), page, line, m.start(1), m.end(1),
                           "bracketed caveat, alone on a line after the header zone", SURE)
    half = _half_bracketed_caveat()
    for page, line in places:
        if m := half.search(compact(line)):
            group = 1 if m.group(1) else 2
            return Finding("handling.caveat", m.group(group), page, line, m.start(group), m.end(group),
                           "a known caveat, one of its brackets not read", LIKELY)
    return _misread_caveat(places)


def _misread_caveat(places: list[tuple[int, Line]]) -> Finding | None:
    """A bracketed word opening a line one character from a known caveat ((限定配) for
    （限定配布）): taken as that caveat, for review."""
    for page, line in places:
        if not (m := re.match(r"\W?[（(]([^（）()]{3,8})[）)]?", compact(line))):
            continue
        close = [c for c in known_names("caveats") if Levenshtein.distance(c, m.group(1)) == 1]
        if len(close) == 1:
            return Finding("handling.caveat", close[0], page, line, m.start(1), m.end(1),
                           f"{m.group(1)} read, one character from the caveat {close[0]}", MENDED,
                           frozenset({"repaired"}), {"read_as": m.group(1)})
    return None


def absent_handling(ctx: Context) -> Absence:
    return absent_where("handling.none", [ln for _, ln in ctx.body[:1]], "no bracketed caveat in the header")
