"""What a rule returns: a typed finding (value, span, certainty, flags) or a typed absence, and the
helpers every rule shares to read a line."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from cableocr.models import AbsentReason, Box, Char, FieldFlag, FieldValue, Line

# Certainties a rule gives, named so that each is set once. A certainty is how sure the rule
# itself is, before OCR confidence (the weakest character of the span) is taken into account.
SURE = 1.0
LIKELY = 0.95
PLAUSIBLE = 0.85
DOUBTFUL = 0.6
MENDED = 0.7  # a value read only after mending an OCR confusion (O→0, 弓→号): also flagged repaired
UNKNOWN_NAME = 0.75  # a name (post, bureau, addressee) the project's tables do not hold
REDACTION_CERTAINTY = 0.97  # a solid black box is rarely anything else on these forms


@dataclass(frozen=True)
class Finding:
    """A value a rule found: where (page, line and the span in its compact text, or a box for
    evidence that is not text), how surely, and what may be wrong with it."""

    rule: str
    value: FieldValue
    page: int
    line: Line | None
    start: int
    end: int
    method: str
    certainty: float
    flags: frozenset[FieldFlag] = frozenset()
    detail: dict[str, str] = field(default_factory=dict)
    box: Box | None = None
    # Characters of the span the rule took only as delimiters, whatever they were read as (the
    # brackets of (TA): its confidence is not the value's.
    delimiters: frozenset[str] = frozenset()

    def flagged(self, *flags: FieldFlag, **change: Any) -> Finding:
        return replace(self, flags=self.flags | set(flags), **change)

    def noted(self, **detail: str) -> Finding:
        return replace(self, detail={**self.detail, **detail})


@dataclass(frozen=True)
class Absence:
    """A field that is not on the page, why, and how sure that is (from the lines searched, or
    the black box that hides it). flags holds missing where every cable of the form carries it."""

    rule: str
    reason: AbsentReason
    certainty: float
    method: str
    page: int | None = None
    box: Box | None = None
    line: Line | None = None
    flags: frozenset[FieldFlag] = frozenset()


Result = Finding | Absence | None


def compact(line: Line) -> str:
    """The line's characters as the engine boxed them, blanks removed, NFKC-folded one by one so
    that positions still match the character boxes."""
    return "".join(unicodedata.normalize("NFKC", c.text)[:1] for c in line.chars if c.text.strip())


def span_evidence(line: Line, start: int, end: int, delimiters: frozenset[str] = frozenset()) -> tuple[Box | None, float]:
    """The box of a span of compact(line), and the confidence of its weakest character (the
    delimiters left out)."""
    chars = [c for c in line.chars if c.text.strip()][start:end]
    confs = [c.confidence for c in chars if c.confidence is not None
             and unicodedata.normalize("NFKC", c.text)[:1] not in delimiters]
    return Box.union([c.box for c in chars]), (min(confs) if confs else 0.0)


# Two engines read alike fewer than this share of the characters of a set of lines: they read
# different text (a jumbled column, a line one engine alone saw), and what is not found there
# may still be on the page, however surely each engine read its own version.
ENGINES_AGREE = 0.5
# Over fewer characters than this the share says little (a ten-character reference line, one
# engine reading a digit or a colon more).
AGREEMENT_SAMPLE = 40


def lines_read(lines: list[Line]) -> float:
    """How surely a set of lines was read: their mean confidence, and no more than half sure
    where two engines read them and agreed on under half their characters (of enough)."""
    confs = [ln.confidence for ln in lines if ln.confidence is not None]
    mean = sum(confs) / len(confs) if confs else 0.0
    if any(ln.chars_agreed is not None for ln in lines):
        chars = sum(len(ln.chars) for ln in lines)
        if chars >= AGREEMENT_SAMPLE and sum(ln.chars_agreed or 0 for ln in lines) / chars < ENGINES_AGREE:
            return min(mean, ENGINES_AGREE)
    return mean


def absent_where(rule: str, lines: list[Line], method: str, certainty: float = LIKELY) -> Absence:
    """Not found where it would stand: as sure as those lines were read."""
    return Absence(rule, "not_found", round(certainty * lines_read(lines), 4), method)


def missing(rule: str, method: str) -> Absence:
    """A field every cable of the form carries, not found: always for review."""
    return Absence(rule, "not_found", 0.0, method, flags=frozenset({"missing"}))


def as_second_read(line: Line, cut_at: str | None = None) -> Line | None:
    """The line as its second reading gives it (cut after cut_at); its characters carry the
    line's box and no confidence of their own (so a value read from them is never sure)."""
    if line.second_reading is None:
        return None
    chars = [Char(text=ch, box=line.box, confidence=None) for ch in line.second_reading if ch.strip()]
    if cut_at is not None and (at := next((i for i, c in enumerate(chars) if c.text == cut_at), None)) is not None:
        chars = chars[: at + 1]
    text = "".join(c.text for c in chars)
    return line.model_copy(update={"text": text, "raw": text, "chars": chars, "second_reading": None})
