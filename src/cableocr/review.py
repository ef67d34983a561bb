"""Review: the queue of fields a person must look at, and the decisions that person makes.

The cable JSON a run publishes is the machine's reading plus every decision in the batch's
review log. Decisions are applied by field and checked against the page they were made on: a
decision made on other pixels is not applied, and the field goes back to the queue with that
decision shown beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from typing import Literal, get_args

from pydantic import Field

from cableocr import policy
from cableocr.audit import AuditPlan, audited_fields
from cableocr.dates import parse_era_date
from cableocr.fields import ALL_FIELDS, split_forwarding
from cableocr.lexicon import known_names
from cableocr.models import Box, CableDocument, ExtractedField, FieldStatus, FieldValue, Frozen
from cableocr.numbers import find_references, read_small_number

Action = Literal["accept", "correct", "illegible", "redacted", "skip"]
ACTIONS: tuple[str, ...] = get_args(Action)
# Fields whose value is a list of posts, and those whose items are objects (edited as JSON).
LIST_FIELDS = {"forwarding"}
OBJECT_FIELDS = {"speakers", "redactions"}


class ReviewDecision(Frozen):
    """One line of the review log: who decided what about which field, on which page, when."""

    cable_id: str
    field: str
    action: Action
    old_value: FieldValue = Field(description="the value shown to the reviewer")
    new_value: FieldValue = Field(description="the value decided on; null for illegible, redacted, skip")
    page_sha256: str = Field(description="the page the field was read from (the cable's first page when none)")
    cable_sha256: str = Field(description="the cable's first page: finds the cable again if its id changes")
    reviewer: str | None = None
    at: str = Field(description="when, ISO 8601 in UTC")
    machine_status: FieldStatus | None = Field(default=None, description=(
        "the field's status when it was shown: needs_review (flagged), auto (accepted by the machine: an audit "
        "item), reviewed (decided before); null in logs written before version 0.6"))


class ReviewItem(Frozen):
    """One entry of the review queue, with everything the reviewer is shown."""

    cable_id: str
    field: str
    page: int | None
    box: Box | None
    value_text: str = Field(description="the machine's value as the reviewer edits it")
    summary: str = Field(description="the value as the queue lists it")
    as_read: str | None
    raw: str | None
    translation: str | None = Field(description="the published translation's reading, where there is one")
    confidence: float
    method: str
    reason: str | None
    why: str = Field(description="why it is in the queue")
    previous: str | None = Field(default=None, description="an earlier decision made on another page image")
    audit: bool = Field(default=False, description="an accepted field drawn for the audit sample, not flagged")


def field_page_sha(document: CableDocument, field: ExtractedField) -> str:
    pages = document.source
    index = field.page if field.page is not None and 0 <= field.page < len(pages) else 0
    return pages[index].sha256


def cable_sha(document: CableDocument) -> str:
    return document.source[0].sha256


def value_to_text(name: str, value: FieldValue) -> str:
    """A value as the reviewer edits it: lists of posts and references joined by 、, other
    lists of objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if name in OBJECT_FIELDS:
        return json.dumps(value, ensure_ascii=False)
    return "、".join(item if isinstance(item, str) else str(item.get("text", "")) for item in value)


MAX_TYPED = 500  # characters: no field of a cable's header is longer


def _cable_number(text: str) -> str:
    """5515, ５５１５ or 第5515号 -> 5515."""
    if m := re.fullmatch(r"(?:第\s*)?([0-9]{1,6})(?:\s*号)?", text):
        return m.group(1)
    raise ValueError("a cable number is up to six digits, as 5515 or 第5515号")


def _date(text: str) -> str:
    """1993-09-28, or an era date (平成5年9月28日) or the older forms' 74年10月30日 -> ISO."""
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"{text} is not a date of the calendar") from None
    parsed = parse_era_date(text)
    if parsed is None or parsed.span != (0, len(text)) or not parsed.valid_in_era:
        raise ValueError("a date is written 1993-09-28, or as on the form: 平成5年9月28日")
    return parsed.iso


def _time(text: str) -> str:
    """09:15, 9:15 or 9時15分 -> 09:15."""
    m = re.fullmatch(r"([0-9]{1,2})\s*[:時]\s*([0-9]{2})\s*分?", text)
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError("a time is written 09:15 (hours 00-23, minutes 00-59), or 9時15分")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _serial(text: str) -> str:
    """71563 or (TA)71563, as the 総番号 carries it."""
    if m := re.fullmatch(r"([(][A-Z]{1,3}[)])?\s*([0-9]{3,8})", text):
        return f"{m.group(1) or ''}{m.group(2)}"
    raise ValueError("a serial is 3-8 digits, with its prefix where the form has one: (TA)71563")


def _separate_telegram(text: str) -> str:
    number = read_small_number(re.sub(r"^別電\s*", "", text))
    if number is None or not 1 <= int(number) <= 99:
        raise ValueError("a separate telegram's number is 1-99 (別電2 or 2)")
    return number


def _one_of(table_name: str, what: str):
    def check(text: str) -> str:
        allowed = known_names(table_name)
        if text not in allowed:
            raise ValueError(f"{text} is not {what}: one of {'、'.join(allowed)}")
        return text
    return check


# How a typed correction of each field is checked and brought to the field's own form; a
# field not listed takes any text without control characters.
TYPED_FORMS = {
    "cable_number": _cable_number, "serial_number": _serial,
    "date_sent": _date, "date_received": _date, "time_sent": _time, "time_received": _time,
    "classification": _one_of("classifications", "a classification"),
    "precedence": _one_of("precedences", "a precedence"),
    "separate_telegram": _separate_telegram,
}


def _plain_text(text: str) -> str:
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise ValueError("the value holds control characters")
    return text


def text_to_value(name: str, text: str) -> FieldValue:
    """What the reviewer typed, as the field's value, checked against the field's type (an era
    date is brought to ISO, a full-width number to ASCII). Raises ValueError saying what is
    wrong, and nothing is written then."""
    text = text.strip()
    if not text:
        raise ValueError("an empty value: mark the field illegible or redacted instead")
    if len(text) > MAX_TYPED:
        raise ValueError(f"{len(text)} characters: longer than any field of a cable ({MAX_TYPED})")
    if name in TYPED_FORMS:
        return TYPED_FORMS[name](unicodedata.normalize("NFKC", text).strip())
    if name in LIST_FIELDS:
        return split_forwarding(text)
    if name == "references":
        found = find_references(text)
        if not found:
            raise ValueError("no reference read: write them as 往電第1234号、貴電第567号")
        return [r.as_value() for r in found]
    if name in OBJECT_FIELDS:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON list of objects: {exc.msg}") from exc
        if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
            raise ValueError("not a JSON list of objects")
        return value
    return _plain_text(text)


def _describe(decision: ReviewDecision) -> str:
    shown = value_to_text(decision.field, decision.new_value) if decision.new_value is not None else ""
    who = f" by {decision.reviewer}" if decision.reviewer else ""
    return f"{decision.action}{': ' + shown if shown else ''}{who} at {decision.at}"


def _reviewed(field: ExtractedField, decision: ReviewDecision) -> ExtractedField:
    detail = {
        **field.detail, "review_action": decision.action, "reviewed_at": decision.at,
        "machine_value": value_to_text(decision.field, field.value),
        "machine_confidence": f"{field.confidence:.4f}",
    }
    if decision.reviewer:
        detail["reviewed_by"] = decision.reviewer
    absent = decision.action in ("illegible", "redacted")
    if decision.action == "accept" and decision.new_value is None:  # an absence confirmed keeps its reason
        return policy.reviewed(field, value=None, reason=field.reason, detail=detail)
    return policy.reviewed(field, value=None if absent else decision.new_value,
                           reason=decision.action if absent else None, detail=detail)


def _reopened(field: ExtractedField, decision: ReviewDecision) -> ExtractedField:
    detail = {**field.detail, "previous_review": f"{_describe(decision)} (on another image of the page)"}
    return policy.reopened(field, detail=detail)


def decisions_for(document: CableDocument, decisions: list[ReviewDecision]) -> dict[str, ReviewDecision]:
    """The last decision (skips left out) on each field of this cable, in log order."""
    latest: dict[str, ReviewDecision] = {}
    for decision in decisions:
        ours = decision.cable_id == document.cable_id or decision.cable_sha256 == cable_sha(document)
        if ours and decision.action != "skip" and decision.field in document.fields:
            latest[decision.field] = decision
    return latest


def apply_decisions(document: CableDocument, decisions: list[ReviewDecision]) -> CableDocument:
    """The machine's document with the reviewer's decisions applied. A decision made on another
    image of the page is not applied: the field is flagged again, the old decision beside it."""
    fields = dict(document.fields)
    applied = []
    for name, decision in decisions_for(document, decisions).items():
        field = fields[name]
        if decision.page_sha256 == field_page_sha(document, field):
            fields[name] = _reviewed(field, decision)
            # The whole decision, too: a lost review log can be written again from the JSON.
            applied.append({"field": name, "action": decision.action, "at": decision.at,
                            "reviewer": decision.reviewer or "", "decision": decision.model_dump_json()})
        else:
            fields[name] = _reopened(field, decision)
    provenance = document.provenance.model_copy(update={"review_decisions": applied})
    return document.model_copy(update={
        "fields": fields, "provenance": provenance,
        "needs_review": [name for name, f in fields.items() if f.status == "needs_review"],
    })


def value_summary(name: str, value: FieldValue) -> str:
    """A value as the queue lists it: lists of objects by what they are about."""
    if name in OBJECT_FIELDS and isinstance(value, list):
        key = "speaker" if name == "speakers" else "hides"
        return f"{len(value)}: " + "、".join(str(item.get(key, "?")) for item in value)
    return value_to_text(name, value)


def _why(field: ExtractedField) -> str:
    if field.status == "auto":
        return "audit: the machine accepted it; is it right?"
    if field.detail.get("previous_review"):
        return "the page changed since it was reviewed"
    if "disagrees with the translation" in field.method:
        return "disagrees with the translation"
    if field.source == "translation":
        return "taken from the translation"
    if "inferred" in field.flags:
        return "inferred, not read as it stands"
    if "disputed" in field.flags:
        return "two readings disagree"
    if "unknown_name" in field.flags:
        return "a name the tables do not hold"
    if "missing" in field.flags:
        return "not found where every cable has it"
    if field.value is None and field.reason in ("not_found", "illegible"):
        return f"{field.reason.replace('_', ' ')} on the page"
    return "confidence below the review threshold"


def review_queue(documents: list[CableDocument], audit: AuditPlan | None = None) -> list[ReviewItem]:
    """Every field waiting for review, and with an audit plan every accepted field it samples, in
    batch order, then by page, then in the form's order."""
    order = {name: i for i, name in enumerate(ALL_FIELDS)}
    items = []
    for document in documents:
        sampled = set(audited_fields(audit, document)) if audit else set()
        waiting = [(name, f) for name, f in document.fields.items() if f.status == "needs_review" or name in sampled]
        waiting.sort(key=lambda nf: (nf[1].page if nf[1].page is not None else -1, order.get(nf[0], len(order))))
        items += [_item(document, name, field) for name, field in waiting]
    return items


def _item(document: CableDocument, name: str, field: ExtractedField) -> ReviewItem:
    return ReviewItem(
        cable_id=document.cable_id, field=name, page=field.page, box=field.box,
        value_text=value_to_text(name, field.value), summary=value_summary(name, field.value), as_read=field.as_read, raw=field.raw,
        translation=field.detail.get("translation"), confidence=field.confidence, method=field.method,
        reason=field.reason, why=_why(field), previous=field.detail.get("previous_review"),
        audit=field.status == "auto",
    )


def make_decision(document: CableDocument, name: str, action: str, text: str, reviewer: str | None,
                  at: str) -> ReviewDecision:
    """A reviewer's input as a decision on the field. Enter on the unchanged value accepts it;
    a changed value is a correction. Raises ValueError for an unknown field or action, or a
    value that cannot be read."""
    field = document.fields.get(name)
    if field is None:
        raise ValueError(f"{document.cable_id} has no field {name!r}")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    new_value: FieldValue = None
    if action == "accept" and text.strip() != value_to_text(name, field.value).strip():
        action = "correct"
    if action == "accept":
        # An audited absence (the machine accepted that the form shows none) can be confirmed;
        # a flagged one is typed, or marked illegible or redacted.
        if field.value is None and field.status != "auto":
            raise ValueError("nothing to accept: type the value, or mark it illegible or redacted")
        new_value = field.value
    elif action == "correct":
        new_value = text_to_value(name, text)
    return ReviewDecision(
        cable_id=document.cable_id, field=name, action=action, old_value=field.value, new_value=new_value,
        page_sha256=field_page_sha(document, field), cable_sha256=cable_sha(document),
        reviewer=reviewer or None, at=at, machine_status=field.status,
    )
