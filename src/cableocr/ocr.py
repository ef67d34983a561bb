"""Cleaned page -> lines and characters with boxes and confidences, in source-page pixels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, replace

import cv2
import numpy as np
from rapidfuzz import fuzz

from cableocr.cleanup import Cleaned, Streak
from cableocr.combine import (
    ONE_READER,
    CombineRule,
    combine_by_region,
    combine_engines,
    combine_readings,
    mean_confidence,
    parts_by_line,
    spaced,
    split_merged_lines,
)
from cableocr.config import OcrConfig
from cableocr.engines import OcrEngine, Reading, RecognizedLine, Region
from cableocr.errors import EngineError
from cableocr.layout import OTHER, PageLayout, text_runs
from cableocr.models import (
    Box,
    Char,
    Line,
    Page,
    PageSource,
    RoundStamp,
    Step,
    WritingMode,
    median_char_size,
)
from cableocr.round_stamps import Ring
from cableocr.text import (
    DECLASSIFICATION_STAMP,
    PARAGRAPH_NUMBER,
    mend_lookalikes,
    normalize,
    remove_engine_spaces,
)

BLANK_PAGE = "blank page: no text found, not read"


def _shift(line: RecognizedLine, dx: int, dy: int) -> list[Char]:
    return [c.model_copy(update={"box": c.box.shifted(dx, dy)}) for c in line.chars]


def _doubles(chars: list[Char]) -> int:
    text = [c.text for c in chars if c.text.strip()]
    return sum(a == b for a, b in zip(text, text[1:], strict=False))


def _better(again: list[Char], before: list[Char]) -> bool:
    """Whether a line's re-reading is to be kept. The single-line model was seen to read a glyph
    twice (和和平) or to add one in a gap (斉藤了臨時): a re-reading with more doubled characters
    is refused, and one of another length must be clearly surer."""
    if _doubles(again) > _doubles(before):
        return False
    margin = 0.0 if len(again) == len(before) else 0.05
    return mean_confidence(again) > mean_confidence(before) + margin


def _same_length(again: list[Char], before: list[Char]) -> bool:
    return abs(len(again) - len(before)) <= max(1, len(before) // 10)


def _weak(line: RecognizedLine, cfg: OcrConfig) -> bool:
    confs = [c.confidence for c in line.chars if c.confidence is not None]
    return bool(confs) and min(confs) < cfg.reread_below


def _with_other_models(reading: Reading, image: np.ndarray, mode: WritingMode, engine: OcrEngine,
                       cfg: OcrConfig, line: bool = False) -> tuple[Reading, int]:
    """The reading combined with the engine's readings of the same image by its other models
    for the direction, if any: (the reading, lines whose text changed)."""
    changed = 0
    for other in engine.recognize_with_other_models(image, mode, cfg, line) if cfg.combine_models else []:
        reading, count = combine_readings(reading, other, cfg.combine_lone_min_confidence)
        changed += count
    return reading, changed


def _read_line(image: np.ndarray, mode: WritingMode, engine: OcrEngine, cfg: OcrConfig) -> Reading:
    """One line read alone, combined with the engine's other models' readings of it."""
    return _with_other_models(engine.recognize_line(image, mode, cfg), image, mode, engine, cfg, line=True)[0]


def holds_key_number(line: RecognizedLine, cfg: OcrConfig) -> bool:
    """Whether the line holds what files a cable (第N号, a date, 総番号): such a line is always
    read twice, so that extraction can compare the two readings."""
    return re.search(cfg.read_twice_pattern, remove_engine_spaces(line.raw)) is not None


def reread_weak_lines(reading: Reading, image: np.ndarray, mode: WritingMode, engine: OcrEngine,
                      cfg: OcrConfig) -> tuple[Reading, Step]:
    """Read again, on its own, every line with a doubtful character (each way the engine reads a
    single line), and keep the surest of the readings. Alone on its crop a line is read without
    its neighbours' noise (measured on the sample: 首/間, 継承/継基, 問題/間題 set right). A
    re-reading that is not one line of about the same length (characters lost, or a line read
    twice) is not taken, whatever its score. A line holding a cable's number or date is read
    alone too, however sure, and keeps the page's reading; the reading not kept is the line's
    second_reading."""
    lines, weak, twice, replaced = [], 0, 0, 0
    pad = cfg.reread_padding_px
    for line in reading.lines:
        is_weak = _weak(line, cfg) and weak < cfg.reread_max_lines
        if not is_weak and not holds_key_number(line, cfg):
            lines.append(line)
            continue
        weak, twice = weak + is_weak, twice + (not is_weak)
        x0, y0 = max(line.box.x0 - pad, 0), max(line.box.y0 - pad, 0)
        crop = image[y0 : line.box.y1 + pad, x0 : line.box.x1 + pad]
        readings = [_read_line(crop, mode, engine, cfg)]
        readings += engine.recognize_line_other_ways(crop, mode, cfg) if is_weak else []
        # A crop read as several lines is not a reading of this one.
        alone = [(r.lines[0].raw, _shift(r.lines[0], x0, y0)) for r in readings if len(r.lines) == 1]
        second = alone[0][0] if alone else " ".join(ln.raw for ln in readings[0].lines)
        surer = [(raw, chars) for raw, chars in alone if _same_length(chars, line.chars) and _better(chars, line.chars)]
        if is_weak and surer:
            raw, chars = max(surer, key=lambda r: mean_confidence(r[1]))
            lines.append(RecognizedLine(raw=raw, box=line.box, chars=chars, second_reading=line.raw))
            replaced += 1
        else:
            lines.append(replace(line, second_reading=second))
    step = Step(name="reread_weak_lines", params={
        "below_confidence": cfg.reread_below, "lines_reread": weak, "readings_replaced": replaced,
        "key_lines_read_twice": twice,
    })
    return Reading(lines=lines, engine=reading.engine), step


def _covered(blob: Box, boxes: list[Box]) -> bool:
    """Whether a line's box holds at least 30% of the blob."""
    area = max(blob.area, 1)
    return any(blob.shared_area(b) >= 0.3 * area for b in boxes)


def read_missed_lines(reading: Reading, image: np.ndarray, mode: WritingMode, engine: OcrEngine,
                      cfg: OcrConfig) -> tuple[Reading, Step]:
    """Read, one by one, the runs of characters the engine's page reading passed over. Tesseract
    was seen to drop short lines beside a masked redaction (総番号) or a frame (注意, 秘): a
    dropped 総番号 loses the serial field. A run read with a mean confidence under
    missed_line_min_confidence is left out (specks and frame remains read as junk)."""
    pad = cfg.reread_padding_px
    missed = [b for b in text_runs(image, mode) if not _covered(b, [ln.box for ln in reading.lines])]
    lines, added = list(reading.lines), 0
    for blob in missed[: cfg.reread_max_lines]:
        x0, y0 = max(blob.x0 - pad, 0), max(blob.y0 - pad, 0)
        again = _read_line(image[y0 : blob.y1 + pad, x0 : blob.x1 + pad], mode, engine, cfg)
        if len(again.lines) != 1:
            continue
        chars = [c for c in _shift(again.lines[0], x0, y0) if c.text.strip()]
        if not chars or mean_confidence(chars) < cfg.missed_line_min_confidence:
            continue
        lines.append(RecognizedLine(raw=again.lines[0].raw, box=Box.union([c.box for c in chars]), chars=chars))
        added += 1
    step = Step(name="read_missed_lines", params={"runs_not_read": len(missed), "lines_added": added,
                                                  "min_confidence": cfg.missed_line_min_confidence})
    return Reading(lines=lines, engine=reading.engine), step


def _whole_lines(runs: list[Box], mode: WritingMode) -> list[Box]:
    """Runs on one line (or column) joined into one: a vertical notice leaves gaps in a column
    (after 1., around 2171), and a piece read alone loses its digits."""
    def across(b: Box) -> tuple[int, int]:
        return (b.y0, b.y1) if mode == "horizontal" else (b.x0, b.x1)

    lines: list[Box] = []
    for run in sorted(runs, key=lambda b: across(b)[0]):
        if lines:
            (a0, a1), (b0, b1) = across(lines[-1]), across(run)
            if min(a1, b1) - max(a0, b0) >= 0.5 * min(a1 - a0, b1 - b0):
                lines[-1] = Box.union([lines[-1], run])
                continue
        lines.append(run)
    return lines


def read_cells(layout: PageLayout, mode: WritingMode, engine: OcrEngine,
               cfg: OcrConfig) -> tuple[list[RecognizedLine], Step]:
    """Each framed cell of the form read on its own, a line (or column) at a time: read as a
    block, the notice box's three clean lines came back in pieces (取扱いは『 スー、新設の);
    each line alone read right."""
    lines, pad = [], cfg.reread_padding_px
    for cell in layout.cells:
        inside = layout.cross_image[cell.y0 : cell.y1, cell.x0 : cell.x1]
        runs = text_runs(inside, mode)
        if not runs:
            continue
        text = Box.union(runs)
        for line in _whole_lines(runs, mode):
            # From where the cell's text starts: a narrow 1. or 2. heading a column is no run of
            # its own (its blank end is left out: read alone, blank paper was read as ししフー).
            run = line.model_copy(update={"x0": text.x0} if mode == "horizontal" else {"y0": text.y0})
            x0, y0 = max(run.x0 - pad, 0), max(run.y0 - pad, 0)
            reading = _read_line(inside[y0 : run.y1 + pad, x0 : run.x1 + pad], mode, engine, cfg)
            dx, dy = cell.x0 + x0, cell.y0 + y0
            for read in reading.lines:
                box = Box(x0=read.box.x0 + dx, y0=read.box.y0 + dy, x1=read.box.x1 + dx, y1=read.box.y1 + dy)
                lines.append(RecognizedLine(raw=read.raw, box=box, chars=_shift(read, dx, dy)))
    return lines, Step(name="read_cells", params={"cells": len(layout.cells), "lines_read": len(lines)})


def read_cross_blocks(layout: PageLayout, mode: WritingMode, engine: OcrEngine,
                      cfg: OcrConfig) -> tuple[list[RecognizedLine], Step]:
    """Each block the layout found laid across the page's direction, read on its own with the
    other direction's model. A block is kept whatever its confidence (it was masked from the
    page reading, so dropping it would lose it): a weak reading shows in its confidence."""
    other, pad, lines = OTHER[mode], cfg.reread_padding_px, []
    for block in layout.cross_blocks:
        x0, y0 = max(block.x0 - pad, 0), max(block.y0 - pad, 0)
        reading = _read_line(layout.cross_image[y0 : block.y1 + pad, x0 : block.x1 + pad], other, engine, cfg)
        for line in reading.lines:
            chars = [c for c in _shift(line, x0, y0) if c.text.strip()]
            if chars:
                lines.append(RecognizedLine(raw=line.raw, box=Box.union([c.box for c in chars]), chars=chars,
                                            writing_mode=other))
    return lines, Step(name="read_cross_blocks", params={"direction": other, "blocks": len(layout.cross_blocks),
                                                          "lines_read": len(lines)})


def reading_order(lines: list[RecognizedLine], mode: WritingMode) -> list[RecognizedLine]:
    """Rows top to bottom; or columns right to left, each read top to bottom. Vertical lines
    sharing most of their width are one column: the engine was seen to split a column of the
    notice box in two and give its lower half first. A block laid the other way that starts
    below every column's start (a footer) comes last."""
    if mode == "horizontal":
        main, last = lines, []
    else:
        # Below where every column starts (a column run on into the footer does not count).
        lowest_start = max((ln.box.y0 for ln in lines if ln.writing_mode is None), default=0)
        last = [ln for ln in lines if ln.writing_mode is not None and ln.box.y0 > lowest_start]
        main = [ln for ln in lines if not any(ln is t for t in last)]
    return _ordered(main, mode) + _ordered(last, "horizontal")


def _ordered(lines: list[RecognizedLine], mode: WritingMode) -> list[RecognizedLine]:
    if mode == "horizontal":
        return sorted(lines, key=lambda ln: (ln.box.y0 + ln.box.y1) / 2)
    columns: list[list[RecognizedLine]] = []
    for line in sorted(lines, key=lambda ln: -(ln.box.x0 + ln.box.x1)):
        if columns:
            last = columns[-1][-1].box
            shared = min(line.box.x1, last.x1) - max(line.box.x0, last.x0)
            if shared >= 0.7 * min(line.box.x1 - line.box.x0, last.x1 - last.x0):
                columns[-1].append(line)
                continue
        columns.append([line])
    return [line for column in columns for line in sorted(column, key=lambda ln: ln.box.y0)]


def read_with_second_engine(reading: Reading, layout: PageLayout, mode: WritingMode, second: OcrEngine,
                            cfg: OcrConfig) -> tuple[Reading, Step]:
    """The page read again by a second engine, and the two readings made one, line by line and
    character by character (combine.combine_engines): where the engines agree a character is
    sure, where they differ it is settled by the words, then the scores, at the confidence the
    dispute allows. The second engine reads the cleaned page with its framed cells and cross
    blocks in it (the first read those alone). Where it fails, the first reading stands and the
    step says why."""
    image = layout.cross_image if layout.cross_image is not None else layout.ocr_image
    rule = CombineRule(cfg.engines_lone_min_confidence, agreement_raises=True, other_misses=second.misses(mode))
    try:
        if cfg.second_engine_reads == "regions":
            regions = [Region(ln.box, ln.writing_mode or mode) for ln in reading.lines]
            others = second.recognize_regions(image, regions, cfg)
            engine = f"{second.name} {second.probe().version}"
            texts = [o.raw if o is not None else None for o in others]
            combined, agreement = combine_by_region(_with_second_readings(reading, texts, cfg), others, engine,
                                                    mode, rule)
        else:
            other = second.recognize(image, mode, cfg)
            engine = other.engine
            reading, split = split_merged_lines(reading, other, mode)
            texts = [" ".join(p.raw for p in parts) or None for parts in parts_by_line(reading, other, mode)]
            combined, agreement = combine_engines(_with_second_readings(reading, texts, cfg), other, mode, rule,
                                                  cfg.second_only_min_confidence)
            agreement = replace(agreement, first_lines_split=split)
    except EngineError as exc:
        return reading, Step(name="second_engine", params={"engine": second.name, "failed": str(exc)[:200]})
    return combined, Step(name="second_engine", params={
        "engine": engine, "read": cfg.second_engine_reads, **asdict(agreement),
        "lone_min_confidence": cfg.engines_lone_min_confidence,
        "second_only_min_confidence": cfg.second_only_min_confidence,
        "combined_by": "where the engines agree, the confidence of two independent readers agreeing; where they "
                      "differ, the character making fewer words with its neighbours, else the surer, its "
                      "confidence from both scores"})


def _with_second_readings(reading: Reading, others: list[str | None], cfg: OcrConfig) -> Reading:
    """A line that files a cable not read twice by the first engine keeps the second engine's
    reading of it (others[i], raw) as its second_reading: a reading by another engine, whose
    errors are its own."""
    lines = [replace(line, second_reading=other) if other and line.second_reading is None
             and holds_key_number(line, cfg) else line for line, other in zip(reading.lines, others, strict=True)]
    return Reading(lines=lines, engine=reading.engine)


def read_stamps(layout: PageLayout, engine: OcrEngine, cfg: OcrConfig) -> tuple[list[str], Step]:
    """Each stamp read on its own, both ways up; the surer reading kept."""
    texts = []
    for crops in layout.stamp_crops if cfg.read_stamps else []:
        readings = [engine.recognize(crop, "horizontal", cfg) for crop in crops]
        best = max(readings, key=lambda r: r.mean_confidence)
        texts.append(remove_engine_spaces("".join(ln.raw for ln in best.lines)))
    return texts, Step(name="stamps_read", params={"count": len(texts)})


# A run of characters at a line's end or start, inside a round stamp's ring, is the stamp's
# when this many of the line's character sizes part it from the rest of the line: the engines
# read the stamp's date into the row it stands on (電信写 … 4.14.受付). On eval seed 29's 24
# pages with a stamp, 17 such runs stood 3.3-34 characters off, every one the stamp's; the
# runs nearer (-0.9-1.5 characters) held the cable's own text (特秘, 4595号) as often as not.
STAMP_RUN_MIN_GAP_CHARS = 2.0


def _inside_ring(char: Char, ring: Ring) -> bool:
    """Whether the character's centre lies inside the ring's stroke."""
    x, y = (char.box.x0 + char.box.x1) / 2, (char.box.y0 + char.box.y1) / 2
    return bool(np.hypot(x - ring.x, y - ring.y) < ring.radius - ring.width / 2)


def _gap(a: Char, b: Char, mode: WritingMode) -> int:
    """The space between two characters of a line, along it."""
    if mode == "vertical":
        return max(a.box.y0 - b.box.y1, b.box.y0 - a.box.y1)
    return max(a.box.x0 - b.box.x1, b.box.x0 - a.box.x1)


def _stamp_run(chars: list[Char], ring: Ring, mode: WritingMode) -> tuple[int, int]:
    """The characters of a line that are the stamp's, as a slice (start, end): all of them where
    every one stands inside the ring; else a run at its end or start inside the ring and parted
    from the rest by STAMP_RUN_MIN_GAP_CHARS; else none (0, 0)."""
    inside = [_inside_ring(c, ring) for c in chars]
    if all(inside):
        return 0, len(chars)
    size = median_char_size(chars)
    tail = len(chars)
    while inside[tail - 1]:
        tail -= 1
    if tail < len(chars) and _gap(chars[tail - 1], chars[tail], mode) >= STAMP_RUN_MIN_GAP_CHARS * size:
        return tail, len(chars)
    head = 0
    while inside[head]:
        head += 1
    if head and _gap(chars[head - 1], chars[head], mode) >= STAMP_RUN_MIN_GAP_CHARS * size:
        return 0, head
    return 0, 0


def _set_apart(lines: list[RecognizedLine], ring: Ring, page_mode: WritingMode) -> tuple[list[RecognizedLine], list[str]]:
    """The lines without the stamp's characters (_stamp_run), and the stamp's texts taken out."""
    kept, texts = [], []
    for line in lines:
        chars = [c for c in line.chars if c.text.strip()]
        start, end = _stamp_run(chars, ring, line.writing_mode or page_mode) if chars else (0, 0)
        if start == end:
            kept.append(line)
            continue
        texts.append("".join(c.text for c in chars[start:end]))
        rest = chars[:start] + chars[end:]
        if rest:
            kept.append(replace(line, chars=rest, raw=spaced(rest, line.writing_mode or page_mode),
                                box=Box.union([c.box for c in rest]) or line.box))
    return kept, texts


def round_stamp_texts_set_apart(reading: Reading, cleaned: Cleaned,
                                mode: WritingMode) -> tuple[Reading, list[RoundStamp], Step]:
    """What the engines read of a round stamp's own text (受付, a date) leaves the page's lines
    and is kept as the stamp's: a line whose every character stands inside the stamp's ring,
    and a run of characters inside it at a line's end or start, well apart from the rest (the
    stamp's date read into the row it stands on). The cable's text under a stamp runs out of
    its ring: on 39 generated pages with a stamp (eval seeds 28, 29) no line of the cable's
    text lay wholly inside one."""
    stamps, lines, moved = [], list(reading.lines), 0
    for ring in cleaned.round_stamps:
        lines, texts = _set_apart(lines, ring, mode)
        moved += len(texts)
        reach = ring.radius + ring.width / 2
        box = Box(x0=int(ring.x - reach), y0=int(ring.y - reach), x1=int(ring.x + reach) + 1, y1=int(ring.y + reach) + 1)
        stamps.append(RoundStamp(box=cleaned.box_to_source(box), text=" ".join(texts)))
    return Reading(lines=lines, engine=reading.engine), stamps, Step(name="round_stamp_texts", params={
        "stamps": len(stamps), "runs_set_apart": moved})


# The declassification stamp where the layout did not find its frame (a date stamp touching
# it: 2 of the 24 date-stamped pages of eval seed 29) and the engines read it into the page's lines,
# alone or run on from the row it stands on (電信写外交記録・情報公開室). A stretch of a line
# this close to one of the stamp's lines (rapidfuzz's best alignment, 0-100), and holding at
# least this share of its length, is the stamp's: one character off of 秘密指定解除 scores 83.
STAMP_WORDING_MIN_SCORE = 80
STAMP_WORDING_MIN_SHARE = 0.75


# The middle dots the engines read the stamp's ・ as, one for one (the length kept).
_MIDDLE_DOTS = str.maketrans("·･.", "・・・")


def _stamp_wording(chars: list[Char]) -> tuple[int, int] | None:
    """Where in the characters a line of the declassification stamp stands, if it does."""
    text = "".join(c.text for c in chars).translate(_MIDDLE_DOTS)
    for wording in DECLASSIFICATION_STAMP:
        found = fuzz.partial_ratio_alignment(wording, text, score_cutoff=STAMP_WORDING_MIN_SCORE)
        if found and found.dest_end - found.dest_start >= STAMP_WORDING_MIN_SHARE * len(wording):
            return found.dest_start, found.dest_end
    return None


def declassification_set_apart(reading: Reading, cleaned: Cleaned,
                               mode: WritingMode) -> tuple[Reading, list[tuple[Box, str]], Step]:
    """The declassification stamp's wording, where the engines read it into the page's lines,
    taken out of them and kept as a stamp's reading (its box in source pixels, its text): not
    the cable's text, and what the declassification field reads."""
    lines, stamps = [], []
    for line in reading.lines:
        read = [c for c in line.chars if c.text.strip()]
        chars = read
        while chars and all(len(c.text) == 1 for c in chars) and (found := _stamp_wording(chars)):
            start, end = found
            stamps.append((cleaned.box_to_source(Box.union([c.box for c in chars[start:end]]) or line.box),
                           "".join(c.text for c in chars[start:end])))
            chars = chars[:start] + chars[end:]
        if chars is read:
            lines.append(line)
        elif chars:
            line_mode = line.writing_mode or mode
            lines.append(replace(line, chars=chars, raw=spaced(chars, line_mode), box=Box.union([c.box for c in chars]) or line.box))
    return Reading(lines=lines, engine=reading.engine), stamps, Step(name="declassification_wording", params={
        "set_apart": len(stamps), "min_score": STAMP_WORDING_MIN_SCORE, "min_share": STAMP_WORDING_MIN_SHARE})


# A drum streak painted out can take a character with it where it crossed a line: both engines
# read 昭和39年10月28日 as 1月 alike, the 0's stroke painted out with the streak (eval seed 31,
# accepted at 0.998). Where a streak crossed a line in a gap between two of its characters at
# least this share of a character wide, the two are held at ONE_READER: a value read across the
# gap goes to review.
STREAK_GAP_CHARS = 0.4


def _crossing(streak: Streak, box: Box, mode: WritingMode) -> float | None:
    """Where a streak crosses the middle of a line, along the line; None where it runs along the
    line or passes beyond its ends."""
    (x0, y0), (x1, y1) = streak.ends
    if mode == "vertical":  # a column is crossed by a streak across the page: the same, turned
        (x0, y0), (x1, y1) = (y0, x0), (y1, x1)
        box = Box(x0=box.y0, y0=box.x0, x1=box.y1, y1=box.x1)
    if abs(y1 - y0) <= abs(x1 - x0):
        return None
    middle = (box.y0 + box.y1) / 2
    if not min(y0, y1) <= middle <= max(y0, y1):
        return None
    at = x0 + (middle - y0) * (x1 - x0) / (y1 - y0)
    return at if box.x0 <= at <= box.x1 else None


def _beside_a_gap(chars: list[Char], at: float, mode: WritingMode) -> tuple[int, int] | None:
    """The two characters either side of a gap holding the point at along the line, where the gap
    is STREAK_GAP_CHARS wide or more."""
    size = median_char_size(chars)
    for i in range(len(chars) - 1):
        end = chars[i].box.x1 if mode == "horizontal" else chars[i].box.y1
        gap = _gap(chars[i], chars[i + 1], mode)
        if gap >= STREAK_GAP_CHARS * size and end <= at <= end + gap:
            return i, i + 1
    return None


def doubts_where_streaks_crossed(reading: Reading, cleaned: Cleaned, mode: WritingMode) -> tuple[Reading, Step]:
    """The characters either side of a gap a painted-out drum streak crossed, held at ONE_READER
    (STREAK_GAP_CHARS): a character may have gone with the streak."""
    lines, doubted = [], 0
    for line in reading.lines:
        line_mode = line.writing_mode or mode
        chars = [c for c in line.chars if c.text.strip()]
        held: set[int] = set()
        for streak in cleaned.streaks:
            at = _crossing(streak, line.box, line_mode) if len(chars) > 1 else None
            pair = _beside_a_gap(chars, at, line_mode) if at is not None else None
            held |= {id(chars[i]) for i in pair or ()}
        if held:
            doubted += len(held)
            line = replace(line, chars=[c.model_copy(update={"confidence": min(c.confidence or 0.0, ONE_READER)})
                                        if id(c) in held else c for c in line.chars])
        lines.append(line)
    return Reading(lines=lines, engine=reading.engine), Step(name="streak_gaps", params={
        "streaks": len(cleaned.streaks), "characters_doubted": doubted, "min_gap_chars": STREAK_GAP_CHARS})


# jpn_vert was seen to read one full-size つ as つ and っ both (思っつて for 思つて); in cable
# orthography (no small kana) the pair is never typed, so it is one つ.
_DOUBLED_TSU = re.compile(r"つ[ \t]*っ|っ[ \t]*つ")


# A paragraph's number at a line's start (the notice's 1. and 2.) whose full stop neither engine
# read: in a column it stands alone in its own cell, centred, a dot far from both neighbours
# (eval seed 31: 15 of the 138 errors of its clean vertical pages without effects). The one
# blob of ink between the number and the next character, a dot's size (a tenth to two fifths
# of a character, neither side over twice the other), is the stop, at ONE_READER: no engine read it.
STOP_MIN_CHARS, STOP_MAX_CHARS = 0.1, 0.4


# What follows a number that a column carries on from the one before (第512 / 3号): no paragraph.
_COUNTERS = frozenset("号年月日時分秒件名通部枚回人個条項点歳度円万億千百ヶカ")


def _paragraph_number_end(chars: list[Char]) -> int:
    """How many of the line's first characters are a paragraph's number followed by a word
    (a kana or kanji, not a counter): 0 where the line does not open so."""
    digits = next((i for i, c in enumerate(chars) if not c.text.isdigit()), len(chars))
    opens = 0 < digits < len(chars) and PARAGRAPH_NUMBER.fullmatch("".join(c.text for c in chars[:digits]))
    word = chars[digits].text if opens else ""
    return digits if _japanese_letter(word) and word not in _COUNTERS else 0


def _stop_in_gap(image: np.ndarray, number: Box, word: Box, size: float, mode: WritingMode) -> Box | None:
    """The one dot of ink between a number and the word after it, if the gap holds just that."""
    if mode == "vertical":
        x0, x1, y0, y1 = min(number.x0, word.x0), max(number.x1, word.x1), number.y1, word.y0
    else:
        x0, x1, y0, y1 = number.x1, word.x0, min(number.y0, word.y0), max(number.y1, word.y1)
    if x1 - x0 < 2 or y1 - y0 < STOP_MIN_CHARS * size:
        return None
    ink = (image[y0:y1, x0:x1] < 128).astype(np.uint8)  # the cleaned page: paper white, ink dark
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    # Touching the gap's ends, a blob is a piece of the number or the word that their boxes cut
    # off (an engine's box of a 1 ends halfway down its stroke).
    ends = (cv2.CC_STAT_TOP, cv2.CC_STAT_HEIGHT, y1 - y0) if mode == "vertical" else (cv2.CC_STAT_LEFT, cv2.CC_STAT_WIDTH, x1 - x0)
    blobs = [b for b in stats[1:] if b[cv2.CC_STAT_AREA] >= 4 and b[ends[0]] > 0 and b[ends[0]] + b[ends[1]] < ends[2]]
    if len(blobs) != 1:
        return None
    left, top, w, h = (int(v) for v in blobs[0][:4])
    # A stop stands centred under the number in a column, on the word's foot in a row.
    if mode == "vertical":
        placed = abs(x0 + left + w / 2 - (number.x0 + number.x1) / 2) <= 0.25 * size
    else:
        placed = y0 + top + h >= word.y1 - 0.3 * size
    dot = STOP_MIN_CHARS * size <= max(w, h) <= STOP_MAX_CHARS * size and max(w, h) <= 2 * min(w, h)
    if not placed or not dot:
        return None
    return Box(x0=x0 + left, y0=y0 + top, x1=x0 + left + w, y1=y0 + top + h)


def paragraph_stops_from_ink(reading: Reading, image: np.ndarray, mode: WritingMode) -> tuple[Reading, Step]:
    """Each line opening with a paragraph's number straight into a word (1本電の), with the
    full stop between them that the ink shows and no engine read (_stop_in_gap), at ONE_READER."""
    lines, added = [], 0
    for line in reading.lines:
        end = _paragraph_number_end(line.chars)
        line_mode = line.writing_mode or mode
        stop = _stop_in_gap(image, line.chars[end - 1].box, line.chars[end].box, median_char_size(line.chars),
                            line_mode) if end else None
        if stop is None:
            lines.append(line)
            continue
        added += 1
        chars = [*line.chars[:end], Char(text=".", box=stop, confidence=ONE_READER), *line.chars[end:]]
        raw = spaced(line.chars[:end], line_mode) + "." + spaced(line.chars[end:], line_mode)
        lines.append(replace(line, chars=chars, raw=raw))
    return Reading(lines=lines, engine=reading.engine), Step(name="paragraph_stops_from_ink", params={
        "added": added, "confidence": ONE_READER, "min_chars": STOP_MIN_CHARS, "max_chars": STOP_MAX_CHARS})


def _without_doubled_tsu(chars: list[Char]) -> list[Char]:
    kept: list[Char] = []
    for char in chars:
        if kept and {kept[-1].text, char.text} == {"つ", "っ"}:
            kept[-1] = char if char.text == "つ" else kept[-1]
            continue
        kept.append(char)
    return kept


# Marks a line never begins with: JIS X 4051's line-start rule (行頭禁則: closing brackets,
# hyphens, middle dots, full stops, commas), and marks a speck is read as, which end no line of a
# cable's text. A speck before a column's first character or after a line's last is read as
# one of them by both engines alike (seed 27: ・外務, 別電5・, 874.), so the engines' agreement
# does not save it. Measured on the engines' lines of eval seeds 23-26 (both layouts): 390 began
# with one of the first, 2 of them rightly; 473 ended in one of the second, 1 rightly; seed 27,
# held out: 85 and 128, none rightly.
LINE_START_MARKS = frozenset("、。，．,.・：:；;)）]］」』】〕-‐–")
LINE_END_SPECKS = frozenset(".,・-")


# A hand's underline or a rule read as text: a run of dashes (ー 一 - ―) three or more long, and
# dashes half the line or more. On eval seeds 31-33 nine such lines, their truth holding no
# run of three dashes at all (ー never doubles in Japanese).
_DASHES = frozenset("ー一-―—_－")
_DASH_RUN = re.compile("[" + re.escape("".join(sorted(_DASHES))) + "]{3,}")


def _a_rule_read_as_dashes(chars: list[Char]) -> bool:
    texts = [c.text for c in chars if c.text.strip()]
    dashes = sum(t in _DASHES for t in texts)
    return bool(_DASH_RUN.search("".join(texts))) and 2 * dashes >= len(texts)


def without_stray_marks(line: RecognizedLine, page_mode: WritingMode) -> RecognizedLine | None:
    """The line without the marks it may not begin with and the specks after its last
    character (but a paragraph's number, 1., and an abbreviation, No.); None where nothing else
    was read, or where it is a rule read as dashes (_a_rule_read_as_dashes)."""
    if _a_rule_read_as_dashes(line.chars):
        return None
    chars = list(line.chars)
    while chars and chars[0].text in LINE_START_MARKS:
        chars.pop(0)
    while chars and chars[-1].text in LINE_END_SPECKS and not _ends_a_word(chars):
        chars.pop()
    if len(chars) == len(line.chars):
        return line
    if not chars or not any(c.text.strip() for c in chars):
        return None
    return replace(line, chars=chars, raw=spaced(chars, line.writing_mode or page_mode))


def _ends_a_word(chars: list[Char]) -> bool:
    """Whether the line's last mark, a full stop, belongs to what it follows: a paragraph's
    number alone on its line (1.) or a Latin abbreviation (No.)."""
    before = "".join(c.text for c in chars[:-1]).strip()
    return chars[-1].text == "." and bool(before) and (
        PARAGRAPH_NUMBER.fullmatch(before) is not None or (before[-1].isascii() and before[-1].isalpha()))


def _japanese_letter(text: str) -> bool:
    return len(text) == 1 and ord(text) >= 0x3040 and (unicodedata.category(text) == "Lo" or text in "ー々")


def full_stop_is_maru(lines: list[RecognizedLine]) -> bool:
    """Whether the page ends its sentences with 。 rather than ．: more 。 than full stops after a
    kana or kanji. Where it does, such a full stop is a speck read as one (号., 発.): in cable
    text . follows a number (1.) or Latin (No.). Seeds 23-26 of cableocr eval: 176 inside a line
    after a kana or kanji and before no digit, none right; seed 27, held out: 36, none right. A
    page typed in the academic style, ．for its full stop, keeps them."""
    after_words = sum(_full_stop_after_a_word([c.text for c in ln.chars], i) for ln in lines for i in range(len(ln.chars)))
    return sum(c.text == "。" for ln in lines for c in ln.chars) > after_words


def _full_stop_after_a_word(texts: list[str], i: int) -> bool:
    """A full stop after a kana or kanji, but not one before a digit: there it may be a digit
    lost (第.2441号), which the number's own rules flag."""
    return (texts[i] == "." and i > 0 and _japanese_letter(texts[i - 1])
            and not (i + 1 < len(texts) and texts[i + 1].isdigit()))


# Marks a full stop never follows: the poor pages' specks read as one after them (、. and 。.
# and ). : 55 on eval seeds 30 and 31, none in their truth), and a full stop itself (the two
# vertical models read the notice's 1. as 1.., seven times on seed 35). Before a digit it may
# be one lost.
_NO_STOP_AFTER = frozenset("、。，,)）.．")


def without_stray_dots(line: RecognizedLine, page_mode: WritingMode, maru_page: bool) -> RecognizedLine:
    """The line without the dots inside it that are specks: a middle dot beside a mark (it
    parts two words, and a mark is none: 。・本, (・, 号)・: seeds 23-26, 103 none right; seed 27,
    31 none right; beside a digit it may part numbers, 43・44年度, and stays), a full stop after
    a mark (_NO_STOP_AFTER), and, on a page whose full stop is 。, a full stop after a kana or
    kanji (full_stop_is_maru, _full_stop_after_a_word)."""
    texts = [c.text for c in line.chars]

    def stray(i: int) -> bool:
        if texts[i] == "・":
            return not (_word_char(texts[i - 1]) and _word_char(texts[i + 1])) if 0 < i < len(texts) - 1 else False
        if texts[i] in ".．" and i > 0 and texts[i - 1] in _NO_STOP_AFTER:
            return not (i + 1 < len(texts) and texts[i + 1].isdigit())
        return maru_page and _full_stop_after_a_word(texts, i)

    chars = [c for i, c in enumerate(line.chars) if not stray(i)]
    if len(chars) == len(line.chars):
        return line
    return replace(line, chars=chars, raw=spaced(chars, line.writing_mode or page_mode))


def _word_char(text: str) -> bool:
    """A letter (kana, kanji, Latin, ー, 々) or a digit: what a word or number is made of."""
    return len(text) == 1 and unicodedata.category(text)[0] in "LN"


INK_AFTER = 1.15  # character sizes after a line's last character: where its next one would stand


def ink_after_end(line: RecognizedLine, image: np.ndarray, mode: WritingMode, read: list[Box]) -> float | None:
    """Where the line's next character would stand (up to INK_AFTER character sizes after its
    last, as wide as that one): the longest side, in character sizes, of the largest patch of
    ink there that touches no character read on the page. Ink no engine read, as large as a
    piece of a character, means the line may go on unread (a date stamp over 880 of 525880); a
    speck is a tenth or two. Patches, not pixels, because an engine's box may end short of its
    character's ink."""
    chars = [c for c in line.chars if c.text.strip()]
    if not chars:
        return None
    last = chars[-1].box
    size = median_char_size(chars)
    reach = round(INK_AFTER * size)
    window = (Box(x0=last.x0, y0=last.y0, x1=last.x1, y1=last.y1 + reach) if mode == "vertical"
              else Box(x0=last.x0, y0=last.y0, x1=last.x1 + reach, y1=last.y1))
    height, width = image.shape[:2]
    x0, y0, x1, y1 = max(window.x0, 0), max(window.y0, 0), min(window.x1, width), min(window.y1, height)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    dark = (image[y0:y1, x0:x1] < 128).astype(np.uint8)
    near = [b for b in read if b.x1 > x0 and b.x0 < x1 and b.y1 > y0 and b.y0 < y1]
    count, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    longest = 0
    for i in range(1, count):
        left, top, w, h = (int(v) for v in stats[i, :4])
        patch = Box(x0=x0 + left, y0=y0 + top, x1=x0 + left + w, y1=y0 + top + h)
        if not any(patch.shared_area(b) > 0 for b in near):
            longest = max(longest, w, h)
    return round(longest / max(size, 1), 3)


def _to_line(line: RecognizedLine, number: int, page_mode: WritingMode, cleaned: Cleaned,
             ink_after: float | None = None) -> Line:
    """The engine's line in source pixels: text with the engine's spaces removed and lookalikes
    mended (text.mend_lookalikes, in the characters too); raw as the engine gave it."""
    mode = line.writing_mode or page_mode
    engine_chars = _without_doubled_tsu(line.chars) if mode == "vertical" else line.chars
    texts = [c.text for c in engine_chars]
    if all(len(t) == 1 for t in texts):
        texts = list(mend_lookalikes("".join(texts)))
    chars = [
        Char(text=t, box=cleaned.box_to_source(c.box), confidence=c.confidence)
        for t, c in zip(texts, engine_chars, strict=True)
    ]
    confs = [c.confidence for c in chars if c.confidence is not None]
    text = remove_engine_spaces(line.raw)
    text = mend_lookalikes(_DOUBLED_TSU.sub("つ", text) if mode == "vertical" else text)
    return Line(
        id=f"l{number}",
        text=text,
        raw=line.raw,
        normalized=normalize(text),
        box=cleaned.box_to_source(line.box),
        confidence=round(sum(confs) / len(confs), 4) if confs else None,
        writing_mode=mode,
        chars=chars,
        second_reading=remove_engine_spaces(line.second_reading) if line.second_reading is not None else None,
        read_by=list(line.read_by),
        chars_agreed=line.chars_agreed,
        ink_after_end=ink_after,
    )


def _read(layout: PageLayout, engine: OcrEngine, cfg: OcrConfig) -> tuple[WritingMode, Reading, Step]:
    """Read in the layout's direction; where it is undecided, read both ways and keep the
    reading with the higher mean character confidence, recording both scores."""
    if layout.writing_mode is not None:
        reading = engine.recognize(layout.ocr_image, layout.writing_mode, cfg)
        return layout.writing_mode, reading, Step(name="ocr", params={"engine": reading.engine})
    readings = {m: engine.recognize(layout.ocr_image, m, cfg) for m in ("horizontal", "vertical")}
    mode: WritingMode = max(readings, key=lambda m: readings[m].mean_confidence)
    step = Step(
        name="ocr",
        params={
            "engine": readings[mode].engine,
            "direction_chosen_by": "higher mean confidence of both readings",
            "horizontal_confidence": round(readings["horizontal"].mean_confidence, 4),
            "vertical_confidence": round(readings["vertical"].mean_confidence, 4),
        },
    )
    return mode, readings[mode], step


def reading_score(page: Page) -> float:
    """How well a page was read, to choose between two readings of it: the share of its
    characters two engines read alike where two read it, else its mean character confidence."""
    both = [ln for ln in page.lines if ln.chars_agreed is not None]
    if both:
        return sum(ln.chars_agreed or 0 for ln in both) / max(sum(len(ln.chars) for ln in page.lines), 1)
    return mean_confidence([c for ln in page.lines for c in ln.chars])


FirstReading = tuple[WritingMode, Reading, Step]


def first_reading(layout: PageLayout, engine: OcrEngine, cfg: OcrConfig) -> FirstReading | None:
    """The page reading alone, before any re-reading (None for a blank page): enough to tell
    whether the page lies the right way up."""
    return None if layout.blank else _read(layout, engine, cfg)


def stray_marks_dropped(reading: Reading, mode: WritingMode) -> tuple[Reading, Step]:
    """The reading with each line's stray marks at its ends dropped (without_stray_marks), and the
    dots inside it that are specks (without_stray_dots); with the step saying how many went."""
    lines = [kept for ln in reading.lines if (kept := without_stray_marks(ln, mode)) is not None]
    maru_page = full_stop_is_maru(lines)
    lines = [without_stray_dots(ln, mode, maru_page) for ln in lines]
    dropped = sum(len(ln.chars) for ln in reading.lines) - sum(len(ln.chars) for ln in lines)
    return Reading(lines=lines, engine=reading.engine), Step(name="stray_marks", params={
        "dropped": dropped, "lines_dropped": len(reading.lines) - len(lines),
        "rule": "lines that are a rule read as dashes, marks no line begins with (JIS X 4051), . , ・ - after a "
                "line's last character, ・ beside a mark, "
                ". after 、。) or another . but before a digit, and . after a kana or kanji where the page's full stop is 。"})


def read_page(source: PageSource, cleaned: Cleaned, layout: PageLayout, engine: OcrEngine,
              cfg: OcrConfig, size: tuple[int, int], first: FirstReading | None = None,
              second: OcrEngine | None = None) -> Page:
    """OCR one cleaned page, from its first_reading where it was taken, and with the second
    engine where there is one. size is the ingested page's (width, height)."""
    if layout.blank:
        return Page(source=source, width=size[0], height=size[1], writing_mode="horizontal", engine="none",
                    steps=[*cleaned.steps, *layout.steps], issues=[BLANK_PAGE])
    mode, reading, ocr_step = first or _read(layout, engine, cfg)
    # Combined after the orientation check (first_reading): a page lying sideways is not read twice.
    reading, changed = _with_other_models(reading, layout.ocr_image, mode, engine, cfg)
    if reading.engine != ocr_step.params.get("engine"):
        ocr_step = ocr_step.model_copy(update={"params": {
            **ocr_step.params, "engine": reading.engine, "lines_changed_by_other_model": changed,
            "combined_by": "where the models differ, the character making fewer words with its neighbours, else "
                          "the surer, its confidence from both scores; a character one model alone read, kept at "
                          f"{cfg.combine_lone_min_confidence}"}})
    if second is None or cfg.rereads_with_second_engine:
        reading, reread_step = reread_weak_lines(reading, layout.ocr_image, mode, engine, cfg)
    else:
        reread_step = Step(name="reread_weak_lines", params={"skipped": "the second engine reads every line"})
    reading, missed_step = read_missed_lines(reading, layout.ocr_image, mode, engine, cfg)
    # Cells and cross blocks are masked in ocr_image: their lines, each read alone already, join
    # the page's after its re-reads.
    cell_lines, cells_step = read_cells(layout, mode, engine, cfg)
    cross_lines, cross_step = read_cross_blocks(layout, mode, engine, cfg)
    reading = Reading(lines=[*reading.lines, *cell_lines, *cross_lines], engine=reading.engine)
    second_steps = []
    if second is not None:
        reading, second_step = read_with_second_engine(reading, layout, mode, second, cfg)
        second_steps = [second_step]
    ordered = Reading(lines=reading_order(reading.lines, mode), engine=reading.engine)
    reading, marks_step = stray_marks_dropped(ordered, mode)
    reading, round_stamps, round_stamps_step = round_stamp_texts_set_apart(reading, cleaned, mode)
    reading, worded_stamps, wording_step = declassification_set_apart(reading, cleaned, mode)
    reading, streaks_step = doubts_where_streaks_crossed(reading, cleaned, mode)
    # The page before specks were cleared (a stop alone in its cell is a speck's size), cells unmasked.
    ink_image = cleaned.before_binarising if cleaned.before_binarising is not None else cleaned.image
    reading, stops_step = paragraph_stops_from_ink(reading, ink_image, mode)
    stamp_texts, stamps_step = read_stamps(layout, engine, cfg)
    read = [c.box for ln in reading.lines for c in ln.chars]
    lines = [_to_line(ln, i, mode, cleaned, ink_after_end(ln, layout.ocr_image, ln.writing_mode or mode, read))
             for i, ln in enumerate(reading.lines)]
    issues = [] if lines else ["no text found on the page"]
    return Page(
        source=source,
        width=size[0],
        height=size[1],
        writing_mode=mode,
        engine=reading.engine,
        steps=[*cleaned.steps, *layout.steps, ocr_step, reread_step, missed_step, cells_step, cross_step,
               *second_steps, marks_step, round_stamps_step, wording_step, streaks_step, stops_step,
               stamps_step],
        lines=lines,
        redactions=layout.redactions,
        stamps=[*layout.stamps, *(box for box, _ in worded_stamps)],
        stamp_texts=[*stamp_texts, *(text for _, text in worded_stamps)],
        round_stamps=round_stamps,
        issues=issues,
    )
