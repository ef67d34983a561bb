"""Quality measured on the archive's own scans: what the reviewers' decisions say of the machine.

Ground truth for real scans exists only where a person looked. A decision on an audited field
(one the machine accepted, drawn at random: cableocr.audit) says whether the machine was right:
`accept` right (an absence accepted too: the form shows none), `illegible` or `redacted` right
where the machine found the value so, else wrong, `correct` wrong; `skip` says nothing. The share right,
with its 95% interval (Wilson's, from scipy), is the precision of the fields the machine
accepts. A decision on a flagged field says what the flags cost: how often the value the
reviewer was asked about was right after all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cableocr.models import CableDocument, ExtractedField
from cableocr.policy import ReviewPolicy, default_policy
from cableocr.review import ReviewDecision, decisions_for
from cableocr.review_log import load_machine_copies, load_manifest, read_log

CONFIDENCE = 0.95
OVERALL = "(all fields)"
DEFAULT_PROMISE = 0.995


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class FieldQuality:
    field: str
    fields: int  # of this name in the batches, as the machine left them
    flagged: int  # of those, sent to review by the machine
    audited: int  # accepted fields drawn for the audit and decided
    audited_right: int
    flagged_decided: int
    flagged_right: int  # a flagged value the reviewer accepted as it was

    @property
    def precision(self) -> float | None:
        return self.audited_right / self.audited if self.audited else None

    @property
    def interval(self) -> Interval | None:
        if not self.audited:
            return None
        from scipy.stats import binomtest  # 0.8 s to import: only where an interval is wanted

        ci = binomtest(self.audited_right, self.audited).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
        return Interval(ci.low, ci.high)

    @property
    def flagged_share(self) -> float | None:
        return self.flagged / self.fields if self.fields else None

    @property
    def flagged_right_share(self) -> float | None:
        return self.flagged_right / self.flagged_decided if self.flagged_decided else None


@dataclass(frozen=True)
class QualityReport:
    rows: list[FieldQuality]  # per field, then OVERALL
    batches: list[Path]
    promised: float  # the precision the review policy promises

    @property
    def overall(self) -> FieldQuality:
        return self.rows[-1]

    def drifting(self) -> list[FieldQuality]:
        """The fields (and the overall row) whose interval lies wholly below the promise."""
        return [row for row in self.rows if row.interval is not None and row.interval.high < self.promised]


def policy_run_with(documents: list[CableDocument]) -> ReviewPolicy:
    """The review policy a batch was run with (its cables' provenance), else the package's."""
    for document in documents:
        written = document.provenance.settings.get("fields", {}).get("policy")
        if written:
            return ReviewPolicy.model_validate(written)
    return default_policy()


def promised_precision(policy: ReviewPolicy) -> float:
    """The precision of accepted fields the policy was fitted to reach (99.5% where it says none)."""
    return policy.fitted_on.target_precision if policy.fitted_on else DEFAULT_PROMISE


def measure(outs: list[Path], promised: float) -> QualityReport:
    """The quality table of one or more reviewed batch outputs."""
    batches = [(load_machine_copies(out, load_manifest(out)), read_log(out).decisions) for out in outs]
    return measure_batches(batches, promised, list(outs))


def measure_batches(batches: list[tuple[list[CableDocument], list[ReviewDecision]]], promised: float,
                    names: list[Path]) -> QualityReport:
    """The quality table of batches given as their machine readings and review decisions (the
    review server holds both already)."""
    counts: dict[str, list[int]] = {}
    for machine, decisions in batches:
        _count_machine(machine, counts)
        _count_decisions(machine, decisions, counts)
    rows = [FieldQuality(name, *values) for name, values in sorted(counts.items())]
    totals = [sum(values) for values in zip(*counts.values(), strict=True)] if counts else [0] * 6
    return QualityReport([*rows, FieldQuality(OVERALL, *totals)], names, promised)


def _row(counts: dict[str, list[int]], name: str) -> list[int]:
    # fields, flagged, audited, audited_right, flagged_decided, flagged_right
    return counts.setdefault(name, [0, 0, 0, 0, 0, 0])


def _count_machine(machine: list[CableDocument], counts: dict[str, list[int]]) -> None:
    for document in machine:
        for name, field in document.fields.items():
            row = _row(counts, name)
            row[0] += 1
            row[1] += field.status == "needs_review"


def standing_decisions(machine: list[CableDocument], decisions: list[ReviewDecision]
                       ) -> Iterator[tuple[CableDocument, ExtractedField, ReviewDecision]]:
    """Each field of the machine's reading with the decision that stands on it (the last, skips
    left out: review.decisions_for), where it was made on the value the machine still gives."""
    for document in machine:
        for name, decision in decisions_for(document, decisions).items():
            field = document.fields[name]
            if decision.old_value == field.value:  # else the reading changed since: it says nothing of this one
                yield document, field, decision


def machine_was_right(decision: ReviewDecision, field: ExtractedField) -> bool:
    """The reviewer let the machine's reading stand: accepted it, or marked illegible or
    redacted a value the machine had found so."""
    if decision.action == "accept":
        return True
    return decision.action in ("illegible", "redacted") and field.value is None and field.reason == decision.action


def _count_decisions(machine: list[CableDocument], decisions: list[ReviewDecision],
                     counts: dict[str, list[int]]) -> None:
    for _, field, decision in standing_decisions(machine, decisions):
        row = _row(counts, decision.field)
        right = machine_was_right(decision, field)
        if field.status == "auto":  # the machine accepted it: an audit of the machine
            row[2] += 1
            row[3] += right
        elif field.status == "needs_review":
            row[4] += 1
            row[5] += right


def table_rows(report: QualityReport) -> list[dict[str, str | int]]:
    """The report as rows for a terminal table, a Prefect artifact or the review page."""
    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.1%}"

    rows = []
    for row in report.rows:
        interval = row.interval
        rows.append({
            "field": row.field, "fields": row.fields, "flagged": share(row.flagged_share),
            "audited": row.audited, "machine right": row.audited_right,
            "precision of accepted": share(row.precision),
            "95% interval": f"{interval.low:.1%}–{interval.high:.1%}" if interval else "",
            "flagged and right": f"{row.flagged_right}/{row.flagged_decided}" if row.flagged_decided else "",
        })
    return rows


def drift_warning(report: QualityReport) -> str | None:
    """A plain sentence when the audited precision falls below the policy's promise."""
    below = report.drifting()
    if not below:
        return None
    names = ", ".join(f"{row.field} ({row.audited_right}/{row.audited} right)" for row in below)
    return (f"audited precision below the policy's promise of {report.promised:.1%} (its 95% interval lies "
            f"wholly below it): {names}. Review these fields in full, or refit the policy on your reviews")
