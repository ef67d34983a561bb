"""Checks inside the cable: the send date against the receive date, the classification in the
number line against the stamp. Each returns a typed check; the policy applies it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cableocr.fields.context import Context
from cableocr.fields.header import CLASSIFICATIONS, core
from cableocr.models import ExtractedField

MAX_TRANSIT_DAYS = 2  # a cable is received the day it is sent, or a day or two later at most


@dataclass(frozen=True)
class Check:
    fields: tuple[str, ...]
    agrees: bool
    note: str


def date_check(fields: dict[str, ExtractedField]) -> Check | None:
    sent, received = fields["date_sent"].value, fields["date_received"].value
    if not (isinstance(sent, str) and isinstance(received, str)):
        return None
    days = (dt.date.fromisoformat(received) - dt.date.fromisoformat(sent)).days
    if 0 <= days <= MAX_TRANSIT_DAYS:
        return Check(("date_sent", "date_received"), True, f"received {days} day(s) after it was sent")
    return Check(("date_sent", "date_received"), False,
                 f"received {days} day(s) after it was sent: one of the two dates is misread")


def classification_stamp(ctx: Context) -> str | None:
    """The classification stamped at the top of the first page, apart from the header (the 1990s
    forms: 極秘 alone, above the title)."""
    header_ids = {ln.id for _, ln in ctx.labelled}
    for line in ctx.pages[0].lines if ctx.pages else []:
        if line.id in header_ids:
            break
        if line.role == "furniture" and (text := core(line)[0]) in CLASSIFICATIONS:
            return text
    return None


def stamp_check(fields: dict[str, ExtractedField], ctx: Context) -> Check | None:
    classification = fields["classification"]
    stamp = classification_stamp(ctx)
    if stamp is None or classification.rule.endswith(".stamp"):  # the stamp cannot confirm itself
        return None
    if classification.value == stamp:
        return Check(("classification",), True, f"the stamp reads {stamp} too")
    return Check(("classification",), False, f"the stamp reads {stamp}")


def cross_checks(fields: dict[str, ExtractedField], ctx: Context) -> list[Check]:
    return [c for c in (date_check(fields), stamp_check(fields, ctx)) if c is not None]
