"""Measures against ground truth: character error rate, alignment precision and recall, field
accuracy and the calibration of field confidence."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from itertools import pairwise

from rapidfuzz.distance import Levenshtein

from cableocr.assemble import AssembledCable, assemble_stream
from cableocr.models import Box, ExtractedField, Page
from cableocr.policy import ALWAYS_REVIEWED, FittedOn, ReviewPolicy, absence_key, claims_absence
from cableocr.synth import Truth, TruthPage
from cableocr.text import comparison_form


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over the reference length, after NFKC and with white space removed."""
    ref, hyp = comparison_form(reference), comparison_form(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def opening_index(texts: list[str], opening: str, minimum: float = 70.0) -> int:
    """The text that opens with these words, fuzzily (OCR misreads a character or two).

    Raises ValueError when none is close enough."""
    from rapidfuzz import fuzz

    folded = comparison_form(opening)
    scores = [fuzz.ratio(folded, comparison_form(t)[: len(folded)]) for t in texts]
    best = max(range(len(texts)), key=scores.__getitem__)
    if scores[best] < minimum:
        raise ValueError(f"no text opens with {opening!r}")
    return best


def resolve_gold(gold: list[tuple[list[str], list[str]]], ja: list[str], en: list[str]) -> list[tuple[list[int], list[int]]]:
    """A gold alignment written as opening words -> paragraph indexes."""
    return [([opening_index(ja, j) for j in js], [opening_index(en, e) for e in es]) for js, es in gold]


def precision_recall(predicted: set, gold: set) -> tuple[float, float, float]:
    """Precision, recall and F1 of predicted links against gold links (links: hashable pairs)."""
    right = len(predicted & gold)
    precision = right / len(predicted) if predicted else 1.0
    recall = right / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# ---- Fields against the generator's truth -------------------------------------------------

def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")


def as_compared(name: str, field: ExtractedField) -> str | list[str] | None:
    """A field in the form the generator's truth states it (synth.Truth.fields)."""
    if field.reason == "redacted":
        return "redacted"
    value = field.value
    if value is None:
        return None
    if name == "references":
        return [f"{r['kind']}:{r['number']}" + (f":{r['separate_telegram']}" if r.get("separate_telegram") else "")
                for r in value]
    if name == "speakers":
        return [_fold(t["speaker"]) for t in value]
    if name == "redactions":
        return sorted(f"{r['page']}:{r['hides']}" for r in value)
    if isinstance(value, list):
        return [_fold(v) for v in value]
    return _fold(value)


def truth_compared(value: str | list[str] | None) -> str | list[str] | None:
    if value is None:
        return None
    return [_fold(v) for v in value] if isinstance(value, list) else _fold(value)


@dataclass(frozen=True)
class FieldOutcome:
    cable: str
    field: str
    layout: str
    level: str
    variant: str
    correct: bool
    auto: bool  # not flagged for review
    confidence: float
    ours: str
    truth: str
    flags: tuple[str, ...] = ()
    form: str = "copy"
    typeface: str = "ipa-mincho"
    held_out: bool = False  # made with a variant, typeface or effect no fit may see
    absent: bool = False  # ours says the form shows no value

    @property
    def threshold_key(self) -> str:
        return absence_key(self.field) if self.absent else self.field


def score_fields(truth: Truth, fields: dict[str, ExtractedField], cable: str) -> list[FieldOutcome]:
    """One outcome per field the truth states (a field with no truth, such as the seeds'
    forwarding lists, is left out here and tested by hand)."""
    outcomes = []
    for name, expected in truth.fields.items():
        if name not in fields or (expected is None and name == "forwarding" and truth.variant == "seed"):
            continue
        ours, want = as_compared(name, fields[name]), truth_compared(expected)
        outcomes.append(FieldOutcome(cable, name, truth.layout, truth.level, truth.variant, ours == want,
                                     fields[name].status == "auto", fields[name].confidence, str(ours), str(want),
                                     tuple(fields[name].flags), truth.form, truth.conditions.typeface,
                                     held_out(truth), claims_absence(fields[name])))
    return outcomes


def held_out(truth: Truth) -> bool:
    """Whether a cable was made with what no fit may see: the held-out header arrangement,
    typeface or effect."""
    from cableocr.synth import held_out_conditions
    from cableocr.synth.vary import HELD_OUT_VARIANTS

    return held_out_conditions(truth) or any(v in truth.variant.split("+") for v in HELD_OUT_VARIANTS)


def judged(outcomes: list[FieldOutcome], policy: ReviewPolicy) -> list[FieldOutcome]:
    """The outcomes as the policy would decide them: a field passes when its confidence reaches
    its threshold and it carries no flag the policy always reviews."""
    return [replace(o, auto=o.confidence >= policy.threshold_for(o.field, o.absent) and not ALWAYS_REVIEWED & set(o.flags))
            for o in outcomes]


def reliability_table(outcomes: list[FieldOutcome], edges=(0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0001)):
    """(low, high, count, accuracy) per confidence bin: how often a field at that confidence is right."""
    rows = []
    for low, high in pairwise(edges):
        inside = [o for o in outcomes if low <= o.confidence < high]
        rows.append((low, min(high, 1.0), len(inside), sum(o.correct for o in inside) / len(inside) if inside else None))
    return rows


def fit_thresholds(outcomes: list[FieldOutcome], target: float = 0.995, floor: float = 0.5) -> dict[str, float]:
    """Per field, and apart for its absences, the lowest confidence from which on every higher
    threshold keeps the share of right values at or above target, among the fields the policy's
    flags do not send to review anyway. Never below floor; 1.0 (review everything) where no
    threshold reaches the target."""
    thresholds = {}
    for name in sorted({o.threshold_key for o in outcomes}):
        mine = [o for o in outcomes if o.threshold_key == name and not ALWAYS_REVIEWED & set(o.flags)]
        chosen = 1.0
        # Walk down from the top: a threshold holds if the fields at or above it are right often enough.
        for level in sorted({o.confidence for o in mine}, reverse=True):
            above = [o for o in mine if o.confidence >= level]
            if sum(o.correct for o in above) / len(above) < target:
                break
            chosen = level
        thresholds[name] = round(max(chosen, floor), 4)
    return thresholds


def fit_policy(outcomes: list[FieldOutcome], truths: list[Truth], random_seed: int, base: ReviewPolicy,
               target: float = 0.995) -> ReviewPolicy:
    """A policy with thresholds fitted on the outcomes (the held-out ones left out), recording
    what it was fitted on."""
    from cableocr import __version__

    fitted = [o for o in outcomes if not o.held_out]
    seen = [t for t in truths if not held_out(t)]
    return base.model_copy(update={
        "thresholds": fit_thresholds(fitted, target),
        "fitted_on": FittedOn(cables=len(seen), random_seed=random_seed, forms=sorted({t.form for t in seen}),
                              typefaces=sorted({t.conditions.typeface for t in seen}),
                              levels=sorted({t.level for t in seen}), software_version=__version__,
                              target_precision=target),
    })


# ---- Pages against the generator's truth --------------------------------------------------

STAMP_WORDS = ("秘密指定解除", "情報公開室")


@dataclass(frozen=True)
class PageOutcome:
    file: str
    index: int
    layout: str
    level: str
    cer: float  # every line drawn (the stamp excepted: it is masked, not read) against every line read
    body_cer: float
    lines: int
    right_direction: int
    redactions: int
    redactions_found: int
    stamp_leaks: int  # body lines holding the declassification stamp's words


SLACK_PX = 10  # how far outside a box a point may fall and still count as in it


def _skew(drawn: TruthPage, page: Page):
    """The generator's skew of a drawn page: the 2x3 map from its unskewed render's pixels to
    the page's."""
    import cv2

    return cv2.getRotationMatrix2D((page.width / 2, page.height / 2), drawn.skew_deg, 1.0)


def _centre(box: tuple[int, int, int, int], matrix):
    import numpy as np

    return matrix @ np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 1.0])


def _holds(box: tuple[int, int, int, int], x: float, y: float) -> bool:
    return box[0] - SLACK_PX <= x <= box[2] + SLACK_PX and box[1] - SLACK_PX <= y <= box[3] + SLACK_PX


def _found(box: tuple[int, int, int, int], drawn: TruthPage, page: Page) -> bool:
    """Whether the page's redactions hold the centre of a box drawn before the page was skewed."""
    x, y = _centre(box, _skew(drawn, page))
    return any(_holds((r.x0, r.y0, r.x1, r.y1), x, y) for r in page.redactions)


def _drawn_modes(truth: Truth, index: int, page: Page) -> list[str]:
    """The writing direction the generator drew each read line in: that of the drawn line
    under the read line's centre (a horizontal stamp on a vertical page), else the page's."""
    import cv2

    drawn = truth.pages[index]
    back = cv2.invertAffineTransform(_skew(drawn, page))
    modes = []
    for line in page.lines:
        if line.role == "noise":
            continue
        x, y = _centre((line.box.x0, line.box.y0, line.box.x1, line.box.y1), back)
        under = [t for t in drawn.lines if _holds(t.box, x, y)]
        modes.append((under[0].writing_mode if under else None) or truth.layout)
    return modes


def score_page(truth: Truth, index: int, page: Page) -> PageOutcome:
    drawn = truth.pages[index]
    expected = "".join(ln.text for ln in drawn.lines if not any(w in ln.text for w in STAMP_WORDS))
    read = [ln for ln in page.lines if ln.role != "noise"]
    body = [ln for ln in read if ln.role == "body"]
    return PageOutcome(
        file=drawn.file, index=drawn.index, layout=truth.layout, level=truth.level,
        cer=character_error_rate(expected, "".join(ln.text for ln in read)),
        body_cer=character_error_rate(drawn.body_text, "".join(ln.text for ln in body)),
        lines=len(read), right_direction=sum(
            ln.writing_mode == mode for ln, mode in zip(read, _drawn_modes(truth, index, page), strict=True)),
        redactions=len(drawn.redactions),
        redactions_found=sum(_found(b, drawn, page) for b in drawn.redactions),
        stamp_leaks=sum(any(w in ln.text for w in STAMP_WORDS) for ln in body),
    )


# ---- Pages as the generator drew them ------------------------------------------------------

def pages_as_drawn(truth: Truth, prefix: str = "") -> list[Page]:
    """The pages as a perfect reader would give them: every drawn line with its text, each
    character a share of the line's box at confidence 0.99, the black boxes as redactions and
    the declassification stamp as a stamp read on its own. The field rules measured on these
    are measured apart from OCR. prefix goes before each page's file name (and its stand-in
    hash): many drawn cables of one number are then pages of their own."""
    from cableocr.models import Char, Line, PageSource
    from cableocr.text import normalize

    pages = []
    for drawn in truth.pages:
        lines, stamps, stamp_texts = [], [], []
        for line in drawn.lines:
            box = Box(x0=line.box[0], y0=line.box[1], x1=line.box[2], y1=line.box[3])
            if any(w in line.text for w in STAMP_WORDS):
                stamps.append(box)
                stamp_texts.append(line.text)
                continue
            mode = line.writing_mode or truth.layout
            text = "".join(line.text.split())
            chars = [Char(text=ch, box=b, confidence=0.99)
                     for ch, b in zip(text, box.split(max(len(text), 1), mode == "vertical"), strict=False)]
            lines.append(Line(id=f"l{len(lines)}", text=text, raw=line.text, normalized=normalize(text), box=box,
                              confidence=0.99, writing_mode=mode, chars=chars))
        width, height = (max(ln.box[2] for ln in drawn.lines) + 200, max(ln.box[3] for ln in drawn.lines) + 200)
        pages.append(Page(
            source=PageSource(file=f"{prefix}{drawn.file}", index=drawn.index,
                              sha256=f"drawn-{prefix}{drawn.file}-{drawn.index}"),
            width=width, height=height, writing_mode=truth.layout, engine="as-drawn", lines=lines,
            redactions=[Box(x0=r[0], y0=r[1], x1=r[2], y1=r[3]) for r in drawn.redactions],
            stamps=stamps, stamp_texts=stamp_texts,
        ))
    return pages


def cable_as_drawn(truth: Truth, prefix: str = "") -> AssembledCable:
    """The one cable a perfect reader gives of a drawn truth (pages_as_drawn, assembled)."""
    (cable,) = list(assemble_stream(iter(pages_as_drawn(truth, prefix)), {}, lambda *_: None))
    return cable
