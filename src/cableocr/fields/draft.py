"""An outgoing draft (電信案): drafted (起案) rather than sent, to whom (…あて), from whom (…発),
sent from the Ministry; nothing on it is received."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from cableocr.dates import parse_era_date
from cableocr.fields.context import Context
from cableocr.fields.evidence import (
    LIKELY,
    MENDED,
    UNKNOWN_NAME,
    Absence,
    Finding,
    compact,
    span_evidence,
)
from cableocr.fields.header import (
    _NAME,
    _TRAILING_JUNK,
    SENDER_TITLES,
    core,
    date_found,
    trim_noted,
)
from cableocr.lexicon import english, known_names
from cableocr.models import Line


def draft_title(ctx: Context) -> tuple[int, Line] | None:
    """The 電信案 title (外務省電信案 on the 1960s form) of an outgoing draft, on the first page."""
    for line in ctx.pages[0].lines if ctx.pages else []:
        if line.role == "furniture" and "電信案" in compact(line):
            return 0, line
    return None


@dataclass(frozen=True)
class DraftLines:
    drafted: Finding | None
    addressee: Finding | None
    sender: Finding | None


def find_draft_lines(ctx: Context) -> DraftLines:
    """起案 and its date; …あて (to whom) and …発 (from whom), on their own lines or on one
    (国連大使あて 外務大臣発)."""
    drafted = addressee = sender = None
    for page, line in ctx.labelled:
        text, trimmed = core(line)
        if text.startswith("起案") and (date := parse_era_date(text, loose=True)):
            drafted = date_found("date_sent.drafted", date, page, line, text, "起案").noted(form="電信案 (drafted)")
            continue
        if parse_era_date(text, loose=True):
            continue
        if m := re.search(rf"({_NAME}{{2,14}}?)あ([てで])(?:{_TRAILING_JUNK}|(?=.))", text):
            addressee = Finding("addressee.ate", m.group(1), page, line, m.start(1), m.end(1), "text before あて",
                                LIKELY)
            if m.group(2) == "で":  # 英総領事あで外務大臣発: て read as で
                addressee = addressee.flagged("repaired", certainty=MENDED, method="text before あて, read あで")
            if not known_head_of_mission(m.group(1)):  # ツ連大使: a post the tables do not hold, or misread
                addressee = addressee.flagged("unknown_name", certainty=UNKNOWN_NAME,
                                              method="text before あて, not a known post and title")
            addressee = trim_noted(addressee, trimmed)
        rest = text[m.end():] if m else text
        if s := re.search(rf"({_NAME}{{2,14}})発{_TRAILING_JUNK}", rest):
            at = len(text) - len(rest)
            sender = trim_noted(_office_mended(Finding("sender.hatsu", s.group(1), page, line, at + s.start(1),
                                                       at + s.end(1), "text before 発 (no date)", LIKELY)), trimmed)
    return DraftLines(drafted, addressee, sender)


def _office_mended(found: Finding) -> Finding:
    """A draft is sent in the name of an office of the ministry (外務大臣): one read a character
    off (外聞大臣) or a character short (外務大, its 臣 read as a mark that was then dropped as a
    speck: a conditions page), or ending one with something read before it (大至急外務大臣: the
    code line's mark; に一作務大臣), is mended to it, for review; a name no office of the tables,
    kept as read, is reviewed too."""
    value = str(found.value)
    known = known_names("addressees")
    if value in known:
        return found
    offices = [k for k in known if (len(value) >= len(k) and Levenshtein.distance(value[-len(k):], k) <= 1)
               or (len(value) == len(k) - 1 and Levenshtein.distance(value, k) == 1)]
    if len(offices) != 1:
        return found.flagged("unknown_name", certainty=min(found.certainty, UNKNOWN_NAME),
                             method=f"{found.method}; not an office of the ministry the tables hold")
    return found.flagged("repaired", value=offices[0], certainty=min(found.certainty, MENDED),
                         method=f"{found.method}; read {value!r}, {offices[0]} with a misreading",
                         detail={**found.detail, "read_as": value})


def known_head_of_mission(name: str) -> bool:
    """豪大使, 国連大使, ニューヨーク総領事: a known post and a known title."""
    return any(name.endswith(t) and name[: -len(t)] in known_names("posts") for t in SENDER_TITLES)


def draft_post(title: tuple[int, Line]) -> Finding:
    page, line = title
    at = compact(line).find("電信案")
    return Finding("sending_post.draft", "本省", page, line, at, at + 3,
                   "電信案: an outgoing draft, sent from the Ministry", LIKELY,
                   detail={"english": english("posts", "本省") or ""})


def absent_by_form(rule: str, title: tuple[int, Line]) -> Absence:
    """What a draft does not carry (where and when it was received): absent by the form."""
    page, line = title
    certainty = round(0.95 * span_evidence(line, 0, len(compact(line)))[1], 4)
    return Absence(rule, "not_found", certainty, "not on a 電信案 (an outgoing draft)", page, line.box, line)
