"""A translation's text, whatever its layout, into paragraph units: blank lines between
paragraphs or none, one paragraph a line or lines hard-wrapped."""

from __future__ import annotations

import re

from cableocr.translation.vocabulary import (
    FIELD_LINE,
    NUMBER_LINE,
    SENTENCE_END,
    STARTS_PARAGRAPH,
    is_heading,
)


def clean_line(line: str) -> str:
    line = line.replace("**", "").replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"[ \t]+", " ", line).strip()


def wrap_width(lines: list[str]) -> int | None:
    """The column the text was hard-wrapped at, or None when its lines are whole paragraphs. In
    wrapped text many long lines end within a few characters of one width, and lines break
    mid-sentence (the next one going on in lower case); whole paragraphs do neither."""
    lengths = sorted(len(ln) for ln in lines if ln)
    if len(lengths) < 5:
        return None
    width = lengths[int(0.95 * (len(lengths) - 1))]
    near = sum(1 for n in lengths if n >= width - 15)
    mid_sentence = sum(1 for a, b in zip(lines, lines[1:], strict=False)
                       if a and b and not SENTENCE_END.search(a) and b[:1].islower())
    return width if width <= 160 and near >= 5 and mid_sentence >= max(3, 0.2 * near) else None


def line_ends_paragraph(line: str, following: str, width: int) -> bool:
    """In hard-wrapped text a line ends its paragraph when the next line's first word would have
    fitted on it, when it closes the cable with (End), or when a sentence ends and the next line
    opens a speaker's turn or the forwarding line; form fields and catalogue headings stand
    alone. (A paragraph whose last line is full, followed by one opening like any sentence,
    cannot be told from one going on: plain wrapped text does not say.)"""
    first_word = following.split(" ", 1)[0]
    if len(line) + 1 + len(first_word) <= width or line.endswith("(End)"):
        return True
    if SENTENCE_END.search(line) and STARTS_PARAGRAPH.match(following):
        return True
    return (any(p.match(x) for x in (line, following) for p in (FIELD_LINE, NUMBER_LINE))
            or is_heading(line) or is_heading(following))


def join_wrapped(text: str, line: str) -> str:
    """A wrapped line joined to the text before it; a word broken after its hyphen
    (Japan-/United) is joined without a space."""
    return f"{text}{line}" if re.search(r"[A-Za-z]-$", text) else f"{text} {line}"


def paragraph_units(text: str) -> list[str]:
    """The text's paragraphs (and header lines), one string each, whatever its layout: blank
    lines between paragraphs or none, one paragraph a line or lines hard-wrapped. A paragraph a
    page break split mid-sentence (the next line opening in lower case) is joined again."""
    lines = [clean_line(ln) for ln in text.splitlines()]
    width = wrap_width(lines)
    units: list[str] = []
    starts_block = True
    for n, line in enumerate(lines):
        if not line:
            starts_block = True
            continue
        continues_line = (not starts_block and width is not None
                          and not line_ends_paragraph(lines[n - 1], line, width))
        page_break_split = bool(units) and not SENTENCE_END.search(units[-1]) and line[:1].islower()
        if continues_line or page_break_split:
            units[-1] = join_wrapped(units[-1], line)
        else:
            units.append(line)
        starts_block = False
    return units
