"""Two readings of the same text made one, character by character: two models of one engine, or two engines."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from statistics import median

from cableocr.engines import Reading, RecognizedLine
from cableocr.lexicon import terms_in
from cableocr.models import Box, Char, WritingMode, median_char_size
from cableocr.orthography import modern_kanji, word_count
from cableocr.text import (
    CLOSING_BRACKETS,
    OPENING_BRACKETS,
    PARAGRAPH_NUMBER,
    mend_lookalikes,
    same_shape,
    unclosed_brackets,
)

# Small kana: the dictionary prefers them (行って to 行つて), but cable orthography writes them
# full-size (design/cable-format.md), so the dictionary's liking is no evidence.
_SMALL_KANA = set("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ")
CONTEXT = 4  # characters each side of a disputed one, for the word count
# The lexicon's terms a disputed character may complete, which the dictionary does not know as
# words: janome cuts 日ロ in two, and 転電 too, so that it prefers 転直した (直し, a verb).
TERM_TABLES = ("bilateral", "cable_words")


@dataclass(frozen=True)
class CombineRule:
    """How two readings of a line become one.

    lone_min: a character only one reading has is kept when read at this confidence or more.
    agreement_raises: where the readings agree, the character's confidence is that of two
    independent readers agreeing (two engines); otherwise the first reading's own (two models
    of one engine, whose errors are not independent).
    other_misses: characters the other reading is known to leave out (PP-OCR on vertical pages
    drops 、。（）ー): the first reading's lone such character is kept at its own confidence.
    """

    lone_min: float
    agreement_raises: bool = False
    other_misses: frozenset[str] = frozenset()


def mean_confidence(chars: list[Char]) -> float:
    confs = [c.confidence for c in chars if c.confidence is not None]
    return sum(confs) / len(confs) if confs else 0.0


def _disputed(kept: Char, other: Char) -> Char:
    """A character the readers read differently, with the chance that it is the right one of
    the two, were the two readers independent: from both scores, not the kept one's alone (0.99
    against 0.96 is 0.80; 0.97 against 0.96, 0.57). So a disputed character is never surer
    than the dispute allows, and review sees it."""
    k, o = kept.confidence or 0.0, other.confidence or 0.0
    odds = k * (1 - o) + o * (1 - k)
    return kept.model_copy(update={"confidence": round(k * (1 - o) / odds, 4) if odds else 0.0})


def _agreed(mine: Char, theirs: Char) -> Char:
    """A character two independent readers read alike: the chance that both are right rather
    than both wrong in the same way (0.9 and 0.9 give 0.988; 0.6 and 0.99, 0.993)."""
    a, b = mine.confidence or 0.0, theirs.confidence or 0.0
    both = a * b + (1 - a) * (1 - b)
    return mine.model_copy(update={"confidence": round(a * b / both, 4) if both else 0.0})


def _settle(before: list[Char], mine: Char, theirs: Char, after: list[Char]) -> Char:
    """Of two readings of one character, the one that makes one of the project's terms with
    its neighbours (TERM_TABLES: 日ロ against 日品, 転電 against 転直, seed 31; 口 read for ロ
    counts as ロ), else the one that makes fewer words, with modern kanji (検討 against 検計, 欧米
    against 史米, APEC against APE0, on the seed pages); where neither tells, or one is a small
    kana, the surer."""
    surer, other = (mine, theirs) if (mine.confidence or 0) >= (theirs.confidence or 0) else (theirs, mine)
    if mine.text not in _SMALL_KANA and theirs.text not in _SMALL_KANA:
        left, right = "".join(c.text for c in before[-CONTEXT:]), "".join(c.text for c in after[:CONTEXT])
        terms = {c.text: _terms_made(left + c.text + right) for c in (mine, theirs)}
        # With modern kanji, which the dictionary holds: 國務長官 is as many words as 較務長官 but
        # for it (seed 37: PP-OCR's 國 at 0.90 lost to Tesseract's 較 at 0.64). The kana stay as
        # typed: 思つた is fewer words than 思つだ, 思った no fewer than 思っだ.
        words = {c.text: word_count(modern_kanji(left + c.text + right)) for c in (mine, theirs)}
        if terms[other.text] > terms[surer.text] or (
                terms[other.text] == terms[surer.text] and words[other.text] < words[surer.text]):
            surer, other = other, surer
    return _disputed(surer, other)


@dataclass(frozen=True)
class Combined:
    chars: list[Char]
    agreed: int  # characters both readings read alike
    disputed: int  # characters read differently, settled one by one or as the surer run
    set_aside: list[Char] = field(default_factory=list)  # characters one reading alone had, left out


def combine_chars(first: list[Char], other: list[Char], rule: CombineRule,
                  set_aside: Sequence[Char] = ()) -> Combined:
    """Two readings' characters of one line, aligned: where they agree, the first's (at the
    agreement's confidence where rule.agreement_raises); where each read its own characters one
    for one, each settled by the words it makes, then by the scores (_settle); where they read
    different lengths, the surer run; a character only one of them read, kept when it is read
    at rule.lone_min or more (each model was seen to add characters the other did not: 和需要,
    理解しにている), or when it is one the other reading is known to miss, or a digit going on a
    number (_lone). set_aside: characters the first reading's own models left out as read by one
    of them alone; one of them that stands where the other reading alone read the same character
    is kept, two readers having read it (_confirmed_aside)."""
    kept: list[Char] = []
    left_out: list[Char] = []
    agreed = disputed = 0
    matcher = SequenceMatcher(None, [c.text for c in first], [c.text for c in other], autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        mine, theirs = first[a0:a1], other[b0:b1]
        if op == "equal":
            agreed += len(mine)
            kept += [_agreed(a, b) for a, b in zip(mine, theirs, strict=True)] if rule.agreement_raises else mine
        elif op == "replace" and len(mine) == len(theirs):
            disputed += len(mine)
            for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
                after = first[a0 + i + 1 :]
                if a.text in rule.other_misses and _a_letter(b) and _apart(a, b, first):
                    # Not one character read two ways but two: each reader lost the other's.
                    both = [*_lone([a], rule, kept, after, rule.other_misses), *_lone([b], rule, kept, after, frozenset())]
                    left_out += _left_out([a, b], both)
                    kept += sorted(both, key=lambda c: _along_line(c.box, first))
                else:
                    kept.append(_settle(kept, a, b, after))
        elif op == "replace":
            disputed += max(len(mine), len(theirs))
            kept += mine if mean_confidence(mine) >= mean_confidence(theirs) else theirs
        elif mine:  # read by the first alone
            lone = _lone(mine, rule, kept, first[a1:], rule.other_misses)
            left_out += _left_out(mine, lone)
            kept += lone
        else:
            lone = _confirmed_aside(theirs, kept, first[a1:], set_aside)
            lone = lone or _lone(theirs, rule, kept, first[a1:], frozenset())
            left_out += _left_out(theirs, lone)
            kept += lone
    return Combined(kept, agreed, disputed, left_out)


def _direction(line: list[Char]) -> WritingMode:
    """The way the characters run, from the first to the last."""
    return _direction_from(line[0].box, line[-1].box)


def _direction_from(first: Box, last: Box) -> WritingMode:
    (x0, y0), (x1, y1) = _middle(first), _middle(last)
    return "vertical" if abs(y1 - y0) >= abs(x1 - x0) else "horizontal"


def _along_line(box: Box, line: list[Char]) -> float:
    """Where the box's middle stands along the line the characters make."""
    return sum(_along(box, _direction(line))) / 2


def _a_letter(char: Char) -> bool:
    """Whether the character is a letter (kanji, kana, Latin), not a mark: PP-OCR's boxes run
    ahead of Tesseract's by a character and more, so that its （ of (TA) stood apart from
    Tesseract's ( (seed 35), and a mark paired with a mark is one mark read two ways."""
    return len(char.text) == 1 and unicodedata.category(char.text).startswith("L")


def _apart(mine: Char, theirs: Char, line: list[Char]) -> bool:
    """Whether two characters the alignment paired stand apart along the line, a third of a
    character or more between them: a mark the other reader is known to miss (the ( of
    機密班(電話) paired with the character the first reader lost before it (班)."""
    (a0, a1), (b0, b1) = _along(mine.box, _direction(line)), _along(theirs.box, _direction(line))
    return max(a0, b0) - min(a1, b1) >= 0.34 * median_char_size(line)


def _left_out(chars: list[Char], kept: list[Char]) -> list[Char]:
    """The characters of a lone run that _lone did not keep."""
    return [c for c in chars if not any(k.text == c.text and k.box == c.box for k in kept)]


def _confirmed_aside(chars: list[Char], before: list[Char], after: list[Char], set_aside: Sequence[Char]) -> list[Char]:
    """The characters only the other reading has, where each stands confirmed by a character
    set aside from the first reading's models: the same character (or one of the same shape: the
    口 jpn_vert reads for ロ), lying between the kept characters on either side (one model of the
    first engine read it and another did not; the other engine reads it too: 日ロ関係, whose ロ
    jpn_vert read at 0.93, Japanese_vert lost and PP-OCR read at 0.94). Each is then two
    readers agreeing, with the first's box (from the ink). Empty unless every one of them is
    confirmed so; and always for what a speck is read as (SPECKS): two readers reading a speck
    alike do not make it a character (seed 27: 05時39分.本省着)."""
    if not set_aside or not before or not after or any(c.text in SPECKS for c in chars):
        return []
    confirmed, used = [], set()
    for char in chars:
        match = next((i for i, held in enumerate(set_aside) if i not in used and same_shape(held.text, char.text)
                      and _lies_between(held.box, before[-1].box, after[0].box)), None)
        if match is None:
            return []
        used.add(match)
        confirmed.append(_agreed(set_aside[match], char))
    return confirmed


def _middle(box: Box) -> tuple[float, float]:
    return (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2


def _lies_between(box: Box, first: Box, last: Box) -> bool:
    """Whether box's middle lies between the middles of first and last, along the line they make."""
    mode = _direction_from(first, last)
    at, ends = sum(_along(box, mode)) / 2, (sum(_along(first, mode)) / 2, sum(_along(last, mode)) / 2)
    return min(ends) < at < max(ends)


ONE_READER = 0.5  # a character one reader read and the other did not: no surer than a coin toss


def _lone(chars: list[Char], rule: CombineRule, before: list[Char], after: list[Char],
          missed_by_other: frozenset[str]) -> list[Char]:
    """A run of characters only one reading has: kept when read at rule.lone_min or more;
    under it, the characters something besides their reader vouches for (_vouched_for), at
    their own confidence, and the digits that go on a number (9129 + 7.・: the last digit of a
    serial at a column's end, which PP-OCR left out; 4月1 + .6), at ONE_READER at most, so that
    the number is reviewed rather than filed a digit short. Other lone characters under it are
    dropped: each reader was seen to add specks and doubled characters the other did not."""
    if mean_confidence(chars) >= rule.lone_min:
        return chars
    on_number = _digits_going_on_a_number(chars, before, after)
    # The line's character size only where a mark may be a speck's (it sorts the whole line).
    marks = any(c.text in missed_by_other and c.text in _SPECK_SIZED for c in chars)
    size = median_char_size([*before, *after]) if marks else 0.0
    line = [*before, *chars, *after]
    return [c.model_copy(update={"confidence": min(c.confidence or 0.0, ONE_READER)}) if i in on_number else c
            for i, c in enumerate(chars)
            if i in on_number or _vouched_for(line, len(before) + i, missed_by_other, size)]


def _vouched_for(line: list[Char], place: int, missed_by_other: frozenset[str], size: float) -> bool:
    """Whether something besides its one reader vouches for the character at line[place]: a
    bracket pairing with one of its line (_pairing_bracket); a letter completing a project
    term (_completes_a_term); or one the other reading is known to miss (missed_by_other), but
    a 。、 or bracket of a speck's size (_speck_sized), a full stop but after a paragraph's
    number (_numbers_a_paragraph), a colon but after a number (_after_a_number)."""
    char = line[place]
    if _pairing_bracket(line, place) or _completes_a_term(line, place):
        return True
    return (char.text in missed_by_other and not _speck_sized(char, size, line, place)
            and (char.text not in FULL_STOPS or _numbers_a_paragraph(line, place))
            and (char.text not in COLONS or _after_a_number(line, place)))


def _completes_a_term(line: list[Char], place: int) -> bool:
    """Whether the letter at line[place] makes one of the project's terms (TERM_TABLES) with its
    neighbours that they do not make without it: 日 + ロ + 関係, where Tesseract lost the ロ and
    PP-OCR read it (as 口, the same shape) under the lone-character bar, 9 times on seed 37's
    vertical poor pages (日ロ関係, 日ロ外相会談, 日ロ新時代)."""
    if not _a_letter(line[place]):
        return False
    left = "".join(c.text for c in line[max(place - CONTEXT, 0) : place])
    right = "".join(c.text for c in line[place + 1 : place + 1 + CONTEXT])
    return _terms_made(left + line[place].text + right) > _terms_made(left + right)


def _terms_made(text: str) -> int:
    """How many of the project's terms (TERM_TABLES) the text makes, its lookalikes set to the
    characters its neighbours call for (口 read for ロ counts as ロ)."""
    return terms_in(mend_lookalikes(text), *TERM_TABLES)


def _pairing_bracket(line: list[Char], place: int) -> bool:
    """Whether line[place] is a bracket that closes one its line leaves open, or opens one its
    line closes: kept whichever reader alone read it. Both engines lose brackets in columns
    (PP-OCR most): seed 37's vertical poor pages lost 19 ( and 17 ), most the halves of (総理)
    and (了) whose other half the line held."""
    text = line[place].text
    if len(text) != 1 or text not in OPENING_BRACKETS + CLOSING_BRACKETS:
        return False
    left_open = unclosed_brackets("".join(c.text for c in line[:place]))
    after = "".join(c.text for c in reversed(line[place + 1 :]))
    closed_unopened = unclosed_brackets(after, opening=CLOSING_BRACKETS, closing=OPENING_BRACKETS)
    # Those left open pair with those closed after first; one more on the other side is its pair.
    return closed_unopened > left_open if text in OPENING_BRACKETS else left_open > closed_unopened


# A full stop is what a speck is read as too: one the other reading is known to miss is kept
# only after a paragraph's number at the line's start (the notice's 1. in a column).
FULL_STOPS = frozenset(".．")
# So is a colon: one the other reading is known to miss is kept only after a number (往電第5513号:,
# 別電2:), where every colon of the seeds and of eval seeds 30-32's truth (641) stands. Elsewhere
# (平成:9年, 本省着:外務) it was a speck: 16 on seed 32's vertical poor pages.
COLONS = frozenset(":：")


def _after_a_number(line: list[Char], place: int) -> bool:
    return place > 0 and (line[place - 1].text.isdigit() or line[place - 1].text == "号")


def _numbers_a_paragraph(line: list[Char], place: int) -> bool:
    """Whether the full stop at line[place] ends a paragraph's number: one or two digits before
    it, and no second full stop after it (the two vertical models read one stop twice: 1..)."""
    ahead = line[place + 1].text if place + 1 < len(line) else ""
    return (PARAGRAPH_NUMBER.fullmatch("".join(c.text for c in line[:place]).strip()) is not None
            and ahead not in FULL_STOPS)


# A 。 or 、 whose ink is under a fifth of its line's character size is a speck read as one.
# Measured on the vertical pages of seeds 23-25 of cableocr eval, the 。 and 、 read under 0.98:
# under a fifth, 110 that the truth does not hold (a speck after 本省着, 総番号, 外務大臣殿) against
# 8 it does; from a fifth to a quarter, 32 and none; from a quarter to 0.3, 3 and 19. Not a
# quarter: a real 。 of Noto Serif at a column's foot measured exactly that (a conditions page).
SPECK_SIZE = 0.2
# A bracket in a column is turned (︵︶): its ink is wide across the column, half a character or
# more. On the vertical pages of seeds 23-26, the brackets the combined reading held at under
# 0.98 (one reader's alone): under 0.3 of the line's character size, 49 that the truth does not
# hold (a speck after 93号, たい。) against 7; from 0.3 to 0.5, 1 and 2; above, 5 and 1393. Six of
# the seven right ones paired with a bracket of their line, none of the 49 did, so a bracket
# that pairs is kept whatever its size: a faded (別電5) on a conditions page measured 0.09, its
# box cut short. Seed 27, held out: 19 speck-sized and pairing with nothing, all wrong.
BRACKET_SPECK_SIZE = 0.3
_SPECK_SIZED = {"。": SPECK_SIZE, "、": SPECK_SIZE, "(": BRACKET_SPECK_SIZE, ")": BRACKET_SPECK_SIZE,
                "（": BRACKET_SPECK_SIZE, "）": BRACKET_SPECK_SIZE}
SPECKS = frozenset(".,・·'`")  # what a speck is read as (between two digits, after a word)


def _speck_sized(char: Char, line_char_size: float, line: list[Char], place: int) -> bool:
    """Whether the mark at line[place] is a speck's size, and, a bracket, pairs with none of its line's."""
    side = max(char.box.x1 - char.box.x0, char.box.y1 - char.box.y0)
    most = _SPECK_SIZED.get(char.text)
    return (most is not None and line_char_size > 0 and side < most * line_char_size
            and not _pairing_bracket(line, place))


def _digits_going_on_a_number(chars: list[Char], before: list[Char], after: list[Char]) -> set[int]:
    """The places in chars of the digits that run on from a digit before them (past a speck:
    4月1 + .6, where a speck parted the 6 of 16) or into one after."""
    places: set[int] = set()
    if before and before[-1].text.isdigit():
        skip = next((i for i, c in enumerate(chars) if c.text not in SPECKS), len(chars))
        places |= set(range(skip, skip + _digit_run(chars[skip:])))
    if after and after[0].text.isdigit():
        places |= set(range(len(chars) - _digit_run(chars[::-1]), len(chars)))
    return places


def _digit_run(chars: list[Char]) -> int:
    """How many of the first characters are digits."""
    return next((i for i, c in enumerate(chars) if not c.text.isdigit()), len(chars))


def combine_readings(first: Reading, other: Reading, lone_min: float) -> tuple[Reading, int]:
    """Two models' readings of one page or line: the first, each of its lines combined with the
    other model's reading of the same line (the one line of the other reading sharing most of
    its box): (the reading, lines whose text changed). A line the other model read otherwise
    (in two, or not at all) is the first's."""
    lines, changed = [], 0
    for line in first.lines:
        same = [o for o in other.lines if line.box.shared_share(o.box) > 0.6]
        if len(same) != 1 or not line.chars:
            lines.append(line)
            continue
        result = combine_chars(line.chars, same[0].chars, CombineRule(lone_min))
        chars, set_aside = result.chars, (*line.set_aside, *result.set_aside)
        text = "".join(c.text for c in chars)
        if text == "".join(c.text for c in line.chars):
            lines.append(replace(line, chars=chars, set_aside=set_aside))
        else:
            lines.append(replace(line, raw=text, chars=chars, set_aside=set_aside))
            changed += 1
    return Reading(lines=lines, engine=f"{first.engine} + {other.engine}"), changed


WORD_GAP = 0.6  # a gap between two characters wider than this many character heights is a space


def spaced(chars: list[Char], mode: WritingMode) -> str:
    """The characters as a line's text, a space where they stand apart (平成5年 9月28日): the
    word breaks an engine's raw text would have, from the boxes, in character heights."""
    if not chars:
        return ""
    height = max(1.0, median((c.box.y1 - c.box.y0) if mode == "horizontal" else (c.box.x1 - c.box.x0) for c in chars))
    text = chars[0].text
    for before, char in zip(chars, chars[1:], strict=False):
        gap = char.box.x0 - before.box.x1 if mode == "horizontal" else char.box.y0 - before.box.y1
        text += (" " if gap > WORD_GAP * height else "") + char.text
    return text


def _across(box: Box, mode: WritingMode) -> tuple[int, int]:
    """The box's extent across the reading direction (a row's height, a column's width)."""
    return (box.y0, box.y1) if mode == "horizontal" else (box.x0, box.x1)


def _along(box: Box, mode: WritingMode) -> tuple[int, int]:
    """The box's extent along the reading direction."""
    return (box.x0, box.x1) if mode == "horizontal" else (box.y0, box.y1)


def parts_of(line: RecognizedLine, other: Reading, mode: WritingMode) -> list[RecognizedLine]:
    """The other engine's lines that lie in this line (lies_in; an engine may split a line the
    other read whole: the date and 国連発 on one row), in reading order."""
    line_mode = line.writing_mode or mode
    parts = [o for o in other.lines if o.chars and (o.writing_mode or mode) == line_mode
             and lies_in(o.box, line.box, line_mode)]
    return sorted(parts, key=lambda o: _along(o.box, line_mode)[0])


def parts_by_line(first: Reading, second: Reading, mode: WritingMode) -> list[list[RecognizedLine]]:
    """For each of the first's lines, the second's lines that lie in it (parts_of), each given
    to one line only: where several of the first's lines hold it (a jumble the first read over
    a stamp, reaching over the two rows beside it), the one it fits closest (_fit). Combined
    with two, its text would be read twice (seed 31 eval-0188)."""
    parts = [parts_of(line, second, mode) for line in first.lines]
    closest: dict[int, tuple[float, int]] = {}  # id of a second's line -> (fit, index of the first's)
    for i, (line, held) in enumerate(zip(first.lines, parts, strict=True)):
        for part in held:
            fit = _fit(part.box, line.box, line.writing_mode or mode)
            if fit > closest.get(id(part), (-1.0, -1))[0]:
                closest[id(part)] = (fit, i)
    return [[part for part in held if closest[id(part)][1] == i] for i, held in enumerate(parts)]


def _fit(part: Box, line: Box, mode: WritingMode) -> float:
    """How closely two lines' boxes coincide: the share of their joint extent they both cover,
    across the line times along it."""
    def share(a: tuple[int, int], b: tuple[int, int]) -> float:
        return max(min(a[1], b[1]) - max(a[0], b[0]), 0) / max(max(a[1], b[1]) - min(a[0], b[0]), 1)

    return share(_across(part, mode), _across(line, mode)) * share(_along(part, mode), _along(line, mode))


def lies_in(part: Box, line: Box, mode: WritingMode) -> bool:
    """Whether a line of one engine lies in a line of the other: its middle across the reading
    direction inside the line, and most (60%) of its length along the line. Not by area: PP-OCR
    pads its boxes across the line (a column's 58 px against Tesseract's 40), so a reading of
    the very same column shared only 57% of its area with Tesseract's."""
    (p0, p1), (l0, l1) = _across(part, mode), _across(line, mode)
    if not l0 <= (p0 + p1) / 2 <= l1:
        return False
    (a0, a1), (b0, b1) = _along(part, mode), _along(line, mode)
    return min(a1, b1) - max(a0, b0) >= 0.6 * max(a1 - a0, 1)


def _side_by_side(a: Box, b: Box, mode: WritingMode) -> bool:
    """Whether two lines stand beside each other (two columns, two rows), not one after the
    other along one line: they share under a third of the thinner one's extent across."""
    (a0, a1), (b0, b1) = _across(a, mode), _across(b, mode)
    return min(a1, b1) - max(a0, b0) < 0.34 * max(min(a1 - a0, b1 - b0), 1)


def _merged(parts: list[RecognizedLine], mode: WritingMode) -> bool:
    """Whether the other engine read as several lines side by side what this line holds."""
    solid = [p for p in parts if len([c for c in p.chars if c.text.strip()]) >= 2]
    return any(_side_by_side(a.box, b.box, mode) for i, a in enumerate(solid) for b in solid[i + 1:])


def _nearest_part(char: Char, parts: list[RecognizedLine], mode: WritingMode) -> int:
    """The part whose extent across the line holds the character's centre, else the closest."""
    x, y = (char.box.x0 + char.box.x1) / 2, (char.box.y0 + char.box.y1) / 2
    centre = y if mode == "horizontal" else x

    def distance(part: RecognizedLine) -> float:
        low, high = _across(part.box, mode)
        return 0.0 if low <= centre <= high else min(abs(centre - low), abs(centre - high))

    return min(range(len(parts)), key=lambda i: distance(parts[i]))


def split_merged_lines(first: Reading, second: Reading, mode: WritingMode) -> tuple[Reading, int]:
    """The first engine's lines that run over several of the second's side by side (a round
    date stamp over the header joins three columns into one, whose reading is a jumble of all
    three), each cut into one line per column or row the second read there, holding the first's
    characters that stand in it. A column is kept once: a part a line of the first left whole
    holds is left to that line (kept twice, its text would be doubled); where several cut lines
    hold pieces of one column, it is one line, their characters joined (_joined). Tesseract at
    times reads overlapping boxes two columns wide, each holding a stretch of one column read
    well. Returns (the reading, lines split)."""
    parts_by_line = [parts_of(line, second, mode) for line in first.lines]
    cut = [bool(line.chars) and _merged(parts, line.writing_mode or mode)
           for line, parts in zip(first.lines, parts_by_line, strict=True)]
    whole = [line for line, is_cut in zip(first.lines, cut, strict=True) if not is_cut]
    held: dict[int, list[tuple[int, list[Char]]]] = {}  # id of a second's line -> (cut line, its characters)
    for i, line in enumerate(first.lines):
        for part, chars in _pieces(line, parts_by_line[i], mode) if cut[i] else []:
            if not any(lies_in(part.box, o.box, o.writing_mode or mode) for o in whole):
                held.setdefault(id(part), []).append((i, chars))
    lines = []
    for i, line in enumerate(first.lines):
        if not cut[i]:
            lines.append(line)
            continue
        line_mode = line.writing_mode or mode
        for part in parts_by_line[i]:
            pieces = held.get(id(part), [])
            if pieces and pieces[0][0] == i:
                chars = _joined([chars for _, chars in pieces], line_mode)
                box = Box.union([part.box, *(c.box for c in chars)]) or part.box
                lines.append(replace(line, raw=spaced(chars, line_mode), box=box, chars=chars, second_reading=None))
    return Reading(lines=lines, engine=first.engine), sum(cut)


def _joined(pieces: list[list[Char]], mode: WritingMode) -> list[Char]:
    """One column's characters from the pieces several lines read of it, taken in order along
    the column: each piece goes on from the last character it reads alike with the pieces
    before it (a stretch two pieces read is read once; what a piece holds before that, often
    a jumble of the next column, is left out), or, reading nothing alike, from where they end."""
    pieces = sorted(pieces, key=lambda piece: _along(piece[0].box, mode)[0])
    joined = list(pieces[0])
    for piece in pieces[1:]:
        matcher = SequenceMatcher(None, [c.text for c in joined], [c.text for c in piece], autojunk=False)
        blocks = [block for block in matcher.get_matching_blocks() if block.size]
        end = _along(joined[-1].box, mode)[1]
        rest = piece[blocks[-1].b + blocks[-1].size:] if blocks else \
            [c for c in piece if sum(_along(c.box, mode)) / 2 > end]
        joined += rest
    return joined


def _pieces(line: RecognizedLine, parts: list[RecognizedLine], mode: WritingMode) -> list[tuple[RecognizedLine, list[Char]]]:
    """The line's characters, each given to the part it stands in (_nearest_part); parts given none left out."""
    line_mode = line.writing_mode or mode
    chars_by_part: list[list[Char]] = [[] for _ in parts]
    for char in line.chars:
        chars_by_part[_nearest_part(char, parts, line_mode)].append(char)
    return [(part, chars) for part, chars in zip(parts, chars_by_part, strict=True) if chars]


@dataclass(frozen=True)
class EngineAgreement:
    """What combining two engines' page readings did, for the page's record."""

    lines_combined: int  # lines both engines read, combined character by character
    lines_first_only: int  # lines only the first engine read (kept as it read them)
    lines_second_only: int  # lines only the second engine read, added
    chars_agreed: int
    chars_disputed: int
    first_lines_split: int = 0  # lines of the first cut where the second read several lines side by side


def combine_engines(first: Reading, second: Reading, mode: WritingMode, rule: CombineRule,
                    second_only_min: float) -> tuple[Reading, EngineAgreement]:
    """Two engines' readings of one page made one. Each line of the first is combined with the
    second's reading of it (its lines lying inside the first's line box); a line the second
    read and the first did not (no line of the first shares 30% of it) is added when read at
    second_only_min or more. Every line records the engines that read it and how many of its
    characters they agreed on."""
    theirs = [[c for p in parts for c in p.chars] for parts in parts_by_line(first, second, mode)]
    lines, agreement = _combine_lines(first, theirs, second.engine, mode, rule)
    added = [replace(o, read_by=(second.engine,)) for o in second.lines
             if o.chars and mean_confidence(o.chars) >= second_only_min
             and not any(o.box.shared_area(ln.box) >= 0.3 * max(min(o.box.area, ln.box.area), 1) for ln in first.lines)]
    agreement = replace(agreement, lines_second_only=len(added))
    return Reading(lines=[*lines, *added], engine=f"{first.engine} + {second.engine}"), agreement


def _combine_lines(first: Reading, theirs: list[list[Char]], second_engine: str, mode: WritingMode,
                   rule: CombineRule) -> tuple[list[RecognizedLine], EngineAgreement]:
    """Each of the first's lines combined with the second engine's characters of it
    (theirs[i]; none where it read nothing there)."""
    lines: list[RecognizedLine] = []
    agreed = disputed = combined = 0
    for line, other in zip(first.lines, theirs, strict=True):
        if not other or not line.chars:
            lines.append(replace(line, read_by=(first.engine,)))
            continue
        result = combine_chars(line.chars, other, rule, line.set_aside)
        combined += 1
        agreed, disputed = agreed + result.agreed, disputed + result.disputed
        same = [c.text for c in result.chars] == [c.text for c in line.chars]
        lines.append(replace(line, raw=line.raw if same else spaced(result.chars, line.writing_mode or mode),
                             chars=result.chars, read_by=(first.engine, second_engine), chars_agreed=result.agreed,
                             set_aside=()))
    return lines, EngineAgreement(combined, len(first.lines) - combined, 0, agreed, disputed)


def combine_by_region(first: Reading, second: list[RecognizedLine | None], second_engine: str, mode: WritingMode,
                      rule: CombineRule) -> tuple[Reading, EngineAgreement]:
    """The first engine's lines, each combined with the second engine's reading of the same
    region (second[i] read where first.lines[i] lies; None where it read nothing there)."""
    lines, agreement = _combine_lines(first, [o.chars if o else [] for o in second], second_engine, mode, rule)
    return Reading(lines=lines, engine=f"{first.engine} + {second_engine}"), agreement
