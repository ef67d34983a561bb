"""The review policy refitted on the archive's own reviews.

Each field a reviewer decided is an outcome with its truth: the machine's confidence, its flags,
and whether the machine was right (quality.machine_was_right). The thresholds are fitted on
those outcomes as `cableocr eval --fit-to` fits them on generated cables (evaluate.fit_thresholds:
per field, the lowest confidence from which on the values are right often enough).

The reviewed fields are not a plain sample of the batch: every flagged field was decided, but
only a share of the accepted ones (the audit). An audited field therefore stands for 1/rate
fields like it, and counts that many times in the fit and in the figures; without that, the
flagged fields, where the errors are, would weigh as much as all the accepted ones.

Cross-validation: the cables are split in two by a hash of their first page; a policy fitted on
one half judges the other, and the other way round, so that every figure reported for the new
policy is measured on cables it was not fitted on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cableocr import __version__
from cableocr.audit import load_plan
from cableocr.evaluate import FieldOutcome, fit_thresholds, judged
from cableocr.models import CableDocument
from cableocr.policy import FittedOn, ReviewPolicy, claims_absence
from cableocr.quality import machine_was_right, standing_decisions
from cableocr.review_log import load_machine_copies, load_manifest, read_log

REVIEWED = "reviewed"  # the layout, level, form and typeface of a real page: unknown


@dataclass(frozen=True)
class Figures:
    """How a policy judges weighted outcomes: the precision of what it accepts, the share it flags."""

    precision: float | None
    flagged_share: float
    fields: int


@dataclass(frozen=True)
class Refit:
    policy: ReviewPolicy
    current: Figures  # the policy the batches were run with, on the same outcomes
    cross_validated: Figures  # each half judged by a policy fitted on the other half
    outcomes: int  # reviewed fields, before weighting (generated ones not counted)


def reviewed_outcomes(outs: list[Path]) -> list[FieldOutcome]:
    """Every decided field of the batches as an outcome, an audited one repeated 1/rate times."""
    outcomes = []
    for out in outs:
        plan = load_plan(out)
        machine = load_machine_copies(out, load_manifest(out))
        for document, field, decision in standing_decisions(machine, read_log(out).decisions):
            outcome = _outcome(out, document, decision.field, machine_was_right(decision, field))
            copies = 1
            if field.status == "auto" and plan is not None and plan.rate_of(decision.field) > 0:
                copies = max(1, round(1 / plan.rate_of(decision.field)))
            outcomes += [outcome] * copies
    return outcomes


def _outcome(out: Path, document: CableDocument, name: str, right: bool) -> FieldOutcome:
    field = document.fields[name]
    return FieldOutcome(cable=f"{out.name}/{document.cable_id}", field=name, layout=REVIEWED, level=REVIEWED,
                        variant=REVIEWED, correct=right, auto=field.status == "auto", confidence=field.confidence,
                        ours=str(field.value), truth="", flags=tuple(field.flags), form=REVIEWED,
                        typeface=REVIEWED, absent=claims_absence(field))


def figures(outcomes: list[FieldOutcome]) -> Figures:
    accepted = [o for o in outcomes if o.auto]
    precision = sum(o.correct for o in accepted) / len(accepted) if accepted else None
    flagged = (len(outcomes) - len(accepted)) / len(outcomes) if outcomes else 0.0
    return Figures(precision, flagged, len(outcomes))


def _half(outcome: FieldOutcome) -> int:
    return hashlib.sha256(outcome.cable.encode()).digest()[0] % 2


def _fitted(base: ReviewPolicy, outcomes: list[FieldOutcome], target: float) -> ReviewPolicy:
    """base with the thresholds of the fields reviewed fitted again; the others as they were."""
    return base.model_copy(update={"thresholds": {**base.thresholds, **fit_thresholds(outcomes, target)}})


def refit(outs: list[Path], base: ReviewPolicy, target: float = 0.995,
          generated: list[FieldOutcome] | None = None) -> Refit:
    """A policy fitted on the reviews of the batches (pooled with generated cables' outcomes
    where given), its cross-validated figures, and the current policy's on the same fields."""
    reviewed = reviewed_outcomes(outs)
    if not reviewed:
        raise ValueError("no reviewed field in these batches: review some first (`cableocr review OUT --audit 0.05`)")
    outcomes = reviewed + [o for o in generated or [] if not o.held_out]
    cross = []
    for half in (0, 1):
        fitted = _fitted(base, [o for o in outcomes if _half(o) == half], target)
        cross += judged([o for o in outcomes if _half(o) != half], fitted)
    cables = {o.cable for o in outcomes}
    policy = _fitted(base, outcomes, target).model_copy(update={
        "fitted_on": FittedOn(cables=len(cables), random_seed=-1, forms=[REVIEWED], software_version=__version__,
                              target_precision=target,
                              note=f"refitted on the reviews of {', '.join(str(o) for o in outs)}"
                                   + (f", pooled with {len(cables) - len({o.cable for o in reviewed})} generated cables"
                                      if generated else "") + " (random_seed -1: not one generated set)"),
    })
    return Refit(policy, figures(judged(outcomes, base)), figures(cross), len({(o.cable, o.field) for o in reviewed}))
