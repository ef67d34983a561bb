"""The review policy: the one place that decides whether a field passes unreviewed.

Every `status` a field carries is written here: by `settle` (the machine's reading, its
agreement with checks inside the cable or with the translation), by `reviewed` (a person's
decision) and by `reopened` (a decision that no longer applies). The thresholds come from a
policy file; `cableocr eval --fit-to FILE` writes one, recording what it was fitted on, and a run
can be given it (`--policy FILE`). The package's own file (data/policy.json) changes only by a
commit.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from cableocr.errors import InputError
from cableocr.models import ExtractedField, FieldFlag

# A field carrying any of these is always reviewed: the program never files a guess, a mended
# reading, a disputed, unknown or unconfirmed value, or a missing one silently. (A trim of
# doubtful specks is recorded, and lowers the confidence, but is left to the threshold.)
ALWAYS_REVIEWED: frozenset[FieldFlag] = frozenset(
    {"disputed", "inferred", "repaired", "unknown_name", "unconfirmed", "truncated", "missing", "translation",
     "page_changed"})


# The fields that file a cable: whatever a fit found on generated cables, none of them is
# accepted unreviewed below this confidence. A fit on seed 0 set the serial's threshold at 0.51,
# and on cables it was not fitted on a serial cut short by both engines ((TA)226 for
# (TA)22616) then passed at 0.55; a wrong filing number is the worst error this tool can make.
FILING_FIELDS = frozenset({"cable_number", "serial_number", "date_sent"})
FILING_MIN_THRESHOLD = 0.9


class FittedOn(BaseModel):
    """What a policy's thresholds were fitted on, so that an evaluation can refuse to score the
    same cables (an in-sample figure)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cables: int
    random_seed: int
    forms: list[str] = []
    typefaces: list[str] = []
    levels: list[str] = []
    software_version: str
    target_precision: float
    note: str = ""


class ReviewPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Fields scoring below their threshold are flagged; a field with no fitted threshold uses
    # default_threshold (a conservative value: no wrong value seen on the sample pages passed).
    default_threshold: float = 0.93
    # Keyed by field name for a value read, and by absence_key's "name.absent" for the claim
    # that the form shows none: the two fail differently (a stamp read is rarely wrong, a stamp
    # missed is an absence), so one threshold for both flags every stamp that was read.
    thresholds: dict[str, float] = {}
    # How much a check that agrees removes of a field's doubt (noisy-OR): a check inside the
    # cable (the send and receive dates a day apart), and the published translation.
    internal_agreement_weight: float = 0.5
    translation_reliability: float = 0.9
    fitted_on: FittedOn | None = None

    def threshold_for(self, name: str, absent: bool = False) -> float:
        """The threshold of a field's value, or of its absence (where the policy fitted none for
        the absence, the value's)."""
        threshold = self.thresholds.get(name, self.default_threshold)
        if absent:
            threshold = self.thresholds.get(absence_key(name), threshold)
        return max(threshold, FILING_MIN_THRESHOLD) if name in FILING_FIELDS else threshold


def absence_key(name: str) -> str:
    """The threshold key of the claim that a field is not on the form."""
    return f"{name}.absent"


def claims_absence(field: ExtractedField) -> bool:
    """Whether a field says the form shows no value (a black box over it is a reading, not an absence)."""
    return field.value is None and field.reason != "redacted"


POLICY_FILE = "data/policy.json"


def default_policy() -> ReviewPolicy:
    """The policy the package ships."""
    path = resources.files("cableocr").joinpath(POLICY_FILE)
    return ReviewPolicy.model_validate_json(path.read_text(encoding="utf-8")) if path.is_file() else ReviewPolicy()


def load_policy(path: Path) -> ReviewPolicy:
    try:
        return ReviewPolicy.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a review policy file ({exc})") from exc


def save_policy(policy: ReviewPolicy, path: Path) -> None:
    from cableocr.files import write_atomic

    write_atomic(path, (json.dumps(policy.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n").encode())


def passes(name: str, field: ExtractedField, policy: ReviewPolicy) -> bool:
    """Whether the machine's value may go unreviewed: sure enough, and nothing against it."""
    return field.confidence >= policy.threshold_for(name, claims_absence(field)) and not ALWAYS_REVIEWED & set(field.flags)


def settle(name: str, field: ExtractedField, policy: ReviewPolicy, **update: Any) -> ExtractedField:
    """The field with the update applied, its status decided by the policy. A reviewed field
    keeps its status: a person's decision is not undone by a check the machine makes later."""
    changed = field.model_copy(update=update)
    if field.status == "reviewed":
        return changed
    return changed.model_copy(update={"status": "auto" if passes(name, changed, policy) else "needs_review"})


def with_flags(field: ExtractedField, *flags: FieldFlag) -> list[FieldFlag]:
    """The field's flags with these added, in a stable order."""
    return sorted(set(field.flags) | set(flags))


def reviewed(field: ExtractedField, **update: Any) -> ExtractedField:
    """A person's decision on the field: sure, from review."""
    return field.model_copy(update={**update, "confidence": 1.0, "status": "reviewed", "source": "review"})


def reopened(field: ExtractedField, **update: Any) -> ExtractedField:
    """A decision that no longer applies (the page changed): back to review."""
    return field.model_copy(update={**update, "flags": with_flags(field, "page_changed"), "status": "needs_review"})
