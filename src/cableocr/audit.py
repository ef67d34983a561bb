"""Audit sampling: a random sample of the fields the machine accepted, put to the reviewer like
the flagged ones, so that the review measures how often an accepted field is wrong.

The sample is reproducible: whether a field is in it depends only on the plan's seed, the
cable's first page and the field's name (a hash read as a number between 0 and 1, compared with
the field's rate), not on the order of the batch or on what else is in it. The same seed gives
the same sample; another seed another one. The plan (seed, rates) is kept in OUT/audit.json,
so the sample can be drawn again and the quality report says what was sampled.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from pydantic import Field

from cableocr.files import write_atomic
from cableocr.models import CableDocument, Frozen

AUDIT_FILE = "audit.json"
# The fields that file a cable are audited at this many times the plan's rate (at most every
# one): a wrong cable number or date is the costliest error, a forwarding list the cheapest.
FILING_FIELDS = ("cable_number", "date_sent", "date_received", "serial_number")
FILING_FACTOR = 3.0


class AuditPlan(Frozen):
    seed: int = Field(description="the random seed of the sample: the same seed draws the same sample")
    rate: float = Field(ge=0.0, le=1.0, description="the share of accepted fields audited")
    field_rates: dict[str, float] = Field(default={}, description="a rate of its own for these fields")

    def rate_of(self, field: str) -> float:
        return self.field_rates.get(field, self.rate)


def plan_for(rate: float, seed: int | None = None, field_rates: dict[str, float] | None = None) -> AuditPlan:
    """A plan at rate, the fields that file a cable at FILING_FACTOR times it unless given."""
    stratified = {name: min(1.0, rate * FILING_FACTOR) for name in FILING_FIELDS}
    return AuditPlan(seed=secrets.randbelow(2**31) if seed is None else seed, rate=rate,
                     field_rates={**stratified, **(field_rates or {})})


def in_sample(plan: AuditPlan, document: CableDocument, field: str) -> bool:
    """Whether the field of this cable is audited under the plan."""
    digest = hashlib.sha256(f"{plan.seed}:{document.source[0].sha256}:{field}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return draw < plan.rate_of(field)


def audited_fields(plan: AuditPlan, document: CableDocument) -> list[str]:
    """The fields of the cable the machine accepted (`auto`) that the plan audits."""
    return [name for name, field in document.fields.items() if field.status == "auto" and in_sample(plan, document, name)]


def save_plan(out: Path, plan: AuditPlan) -> Path:
    path = out / AUDIT_FILE
    write_atomic(path, (plan.model_dump_json(indent=2) + "\n").encode("utf-8"))
    return path


def load_plan(out: Path) -> AuditPlan | None:
    path = out / AUDIT_FILE
    if not path.is_file():
        return None
    return AuditPlan.model_validate_json(path.read_bytes())
