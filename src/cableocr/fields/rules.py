"""One registry of field rules, and the extraction that runs them: each finding becomes a field
with its confidence and evidence; the review policy decides its status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property

from cableocr.assemble import AssembledCable
from cableocr.fields import body, draft, header, marks
from cableocr.fields.checks import cross_checks
from cableocr.fields.context import Context
from cableocr.fields.evidence import (
    Absence,
    Finding,
    Result,
    absent_where,
    as_second_read,
    compact,
    missing,
    span_evidence,
)
from cableocr.models import ExtractedField, Line
from cableocr.policy import ALWAYS_REVIEWED, ReviewPolicy, settle, with_flags


class Reading:
    """What the rules share about one cable, each part found once: the form (a draft or not),
    the dated lines, the draft's lines, the number line, the subject."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    @cached_property
    def title(self):
        return draft.draft_title(self.ctx)

    @cached_property
    def draft(self) -> draft.DraftLines | None:
        return draft.find_draft_lines(self.ctx) if self.title else None

    @cached_property
    def sent(self) -> header.DatedLine:
        return header.find_dated_line(self.ctx, "発")

    @cached_property
    def received(self) -> header.DatedLine:
        return header.find_dated_line(self.ctx, "着")

    @cached_property
    def subject(self) -> Finding | None:
        return header.find_subject(self.ctx)

    def on_draft(self, rule: str) -> Absence | None:
        """Absent by the form, on a draft (nothing on it is received)."""
        return draft.absent_by_form(rule, self.title) if self.title else None


def _evidence(found: Finding | None) -> list[Line]:
    return [found.line] if found is not None and found.line is not None else []


def _time(r: Reading, dated: header.DatedLine, name: str, mark: str) -> Result:
    if (absent := r.on_draft(f"{name}.draft")) is not None:
        return absent
    return dated.time or absent_where(f"{name}.none", _evidence(dated.date or dated.post),
                                      f"no 時分 and no black box on the …{mark} line")


def _redactions(r: Reading) -> Result:
    rows = marks.header_rows(r.ctx, r.sent, r.received)
    found = marks.find_redactions(r.ctx, rows, expected_rows=1 if r.title else 3)
    gaps = [t for t in (r.sent.time, r.received.time) if isinstance(t, Absence) and t.rule.endswith("unread_gap")]
    if isinstance(found, Absence) and gaps:  # a black box layout did not find may stand in the gap
        return Absence(found.rule, found.reason, 0.0, f"{found.method}, but a dated line has a gap nothing was "
                                                      f"read in", flags=frozenset({"missing"}))
    return found


@dataclass(frozen=True)
class FieldRule:
    """find: the field's finding for a cable (None: not found). must: every cable of its form
    carries it, so that not finding it is flagged missing. reread: the rule is run again on the
    second reading of the line its value came from, and a disagreement flags it disputed.
    cut_at: a second reading is cut after this mark first (read alone, a line picks up more of
    the specks after …発 than the page reading's end rule allows for: 本省着し)."""

    find: Callable[[Reading], Result]
    must: bool = False
    reread: bool = False
    cut_at: str | None = None


# Every field, in the order of the form; the foundation's eight first.
RULES: dict[str, FieldRule] = {
    "cable_number": FieldRule(lambda r: header.find_cable_number(r.ctx), must=True, reread=True),
    "date_sent": FieldRule(lambda r: r.draft.drafted if r.draft else r.sent.date, must=True, reread=True, cut_at="発"),
    "sending_post": FieldRule(lambda r: draft.draft_post(r.title) if r.title
                              else header.check_lexicon(r.sent.post, "posts"), must=True),
    "addressee": FieldRule(lambda r: r.draft.addressee if r.draft
                           else header.check_lexicon(header.find_addressee(r.ctx), "addressees"), must=True),
    "sender": FieldRule(lambda r: r.draft.sender if r.draft else header.find_sender(r.ctx), must=True),
    "classification": FieldRule(lambda r: header.find_mark(r.ctx, header.CLASSIFICATIONS, "classification")),
    "precedence": FieldRule(lambda r: header.find_mark(r.ctx, header.PRECEDENCES, "precedence")),
    "subject": FieldRule(lambda r: r.subject, must=True),
    "serial_number": FieldRule(lambda r: header.find_serial(r.ctx), reread=True),
    "primary_bureau": FieldRule(lambda r: header.check_lexicon(header.find_primary_bureau(r.ctx), "bureaus"),
                                must=True),
    "receiving_office": FieldRule(lambda r: r.on_draft("receiving_office.draft")
                                  or header.check_lexicon(r.received.post, "posts"), must=True),
    "date_received": FieldRule(lambda r: r.on_draft("date_received.draft") or r.received.date, must=True,
                               reread=True, cut_at="着"),
    "time_sent": FieldRule(lambda r: _time(r, r.sent, "time_sent", "発"), reread=True, cut_at="発"),
    "time_received": FieldRule(lambda r: _time(r, r.received, "time_received", "着"), reread=True, cut_at="着"),
    "handling": FieldRule(lambda r: header.check_lexicon(header.find_handling(r.ctx), "caveats")
                          or header.absent_handling(r.ctx)),
    "references": FieldRule(lambda r: body.find_references(r.ctx) or body.absent_references(r.ctx), reread=True),
    "separate_telegram": FieldRule(lambda r: body.find_separate_telegram(r.subject)
                                   or body.absent_separate_telegram(r.subject)),
    "forwarding": FieldRule(lambda r: body.find_forwarding(r.ctx) or body.absent_forwarding(r.ctx)),
    "end_mark": FieldRule(lambda r: body.find_end_mark(r.ctx) or body.absent_end_mark(r.ctx)),
    "declassification": FieldRule(lambda r: marks.find_declassification(r.ctx)),
    "redactions": FieldRule(_redactions),
    "speakers": FieldRule(lambda r: body.find_speakers(r.ctx) or body.absent_speakers(r.ctx)),
}
ALL_FIELDS = tuple(RULES)
FOUNDATION_FIELDS = ALL_FIELDS[:8]


def extract_fields(cable: AssembledCable, policy: ReviewPolicy) -> dict[str, ExtractedField]:
    """Every field of the cable, its status decided by the policy, the checks inside the cable
    applied."""
    reading = Reading(Context.of(cable))
    fields = {}
    for name, rule in RULES.items():
        found = rule.find(reading)
        if found is None:
            found = missing(f"{name}.none", "not found") if rule.must else absent_where(
                f"{name}.none", [], "not found")
        second = second_look(name, found, reading) if rule.reread else None
        fields[name] = settle(name, as_field(found, second), policy)
    return apply_checks(fields, reading.ctx, policy)


def as_field(found: Finding | Absence, second: str | None = None) -> ExtractedField:
    """A finding as a field: value, confidence (the rule's certainty times the weakest character
    of the span: one misread digit makes a wrong number), evidence and flags. second is what the
    line's second reading says of the value."""
    if isinstance(found, Absence):
        return ExtractedField(
            value=None, rule=found.rule, flags=sorted(found.flags), confidence=round(found.certainty, 4),
            page=found.page, box=found.box, raw=found.line.raw if found.line else None,
            line_id=found.line.id if found.line else None, method=found.method, reason=found.reason)
    if found.line is None:
        box, weakest, as_read, raw, line_id = found.box, 1.0, None, None, None
    else:
        box, weakest = span_evidence(found.line, found.start, found.end, found.delimiters)
        as_read = "".join(c.text for c in found.line.chars if c.text.strip())[found.start : found.end] or None
        raw, line_id = found.line.raw, found.line.id
    disputed = second is not None and second != "agrees"
    return ExtractedField(
        value=found.value, rule=found.rule,
        flags=sorted(found.flags | ({"disputed"} if disputed else set())),
        as_read=as_read, raw=raw, confidence=round(found.certainty * weakest, 4), page=found.page, box=box,
        line_id=line_id, method=found.method, detail={**found.detail, **({"second_reading": second} if second else {})},
    )


def apply_checks(fields: dict[str, ExtractedField], ctx: Context, policy: ReviewPolicy) -> dict[str, ExtractedField]:
    """Agreement raises the fields' confidence (noisy-OR); disagreement flags them disputed."""
    fields = dict(fields)
    for check in cross_checks(fields, ctx):
        for name in check.fields:
            field = fields[name]
            detail = {**field.detail, "cross_check": check.note}
            if check.agrees:
                confidence = round(1 - (1 - field.confidence) * (1 - policy.internal_agreement_weight), 4)
                fields[name] = settle(name, field, policy, confidence=confidence, detail=detail)
            else:
                fields[name] = settle(name, field, policy, detail=detail, flags=with_flags(field, "disputed"))
    return fields


# ---- the second reading ----------------------------------------------------------------------

def second_look(name: str, found: Finding | Absence, reading: Reading) -> str | None:
    """The same rule run on the second reading of the line a value was read from: "agrees", or
    what the other reading gives. Where the rule finds nothing in it, whether it reads a digit
    of the value otherwise (総番号7.01053 for 7061053, 1月g日 for 1月6日); None where there is no
    second reading, or it differs only elsewhere (a garbled reading is no evidence either way)."""
    if not isinstance(found, Finding) or found.line is None:
        return None
    if (twin := as_second_read(found.line, RULES[name].cut_at)) is None:
        return None
    again = RULES[name].find(Reading(reading.ctx.reading_only(found.page, twin)))
    if not isinstance(again, Finding) or again.value is None:
        return _digits_read_otherwise(found, compact(twin))
    if again.value != found.value:
        return f"differs: the line's second reading gives {again.value}"
    if doubts := again.flags & ALWAYS_REVIEWED - found.flags:
        # 4月1.6日 gives 4月1 only by taking . for a misread 日: no agreement with 4月1日 (the 6 lost)
        return f"differs: the line's second reading gives it only {', '.join(sorted(doubts))}"
    return "agrees"


SAME_LINE = 0.6  # how alike (difflib's ratio) two readings must be to be readings of one line


def _digits_read_otherwise(found: Finding, twin: str) -> str | None:
    """Where the second reading, a reading of the same line (not a garble: 篤ララ」), aligned
    with the first, reads a digit of the value otherwise (or not at all): what it reads there."""
    first = compact(found.line) if found.line is not None else ""
    matcher = SequenceMatcher(None, first, twin, autojunk=False)
    if matcher.ratio() < SAME_LINE:
        return None
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        inside = first[max(a0, found.start) : min(a1, found.end)]
        if op != "equal" and a0 < found.end and a1 > found.start and any(c.isdigit() for c in inside):
            return f"differs: the line's second reading has {twin[b0:b1]!r} where the value has {first[a0:a1]!r}"
    return None


__all__ = ["ALL_FIELDS", "FOUNDATION_FIELDS", "RULES", "as_field", "compact", "extract_fields"]
