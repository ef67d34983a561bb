"""Audit sampling and the quality report: review turned into measurement."""

import re
import shutil
from pathlib import Path

import pytest

from cableocr.audit import audited_fields, plan_for, save_plan
from cableocr.evaluate import as_compared, truth_compared
from cableocr.models import CableDocument
from cableocr.quality import measure
from cableocr.review import review_queue, value_to_text
from cableocr.synth import load_truth

SCANS = Path(__file__).resolve().parents[1] / "scans"


def _machine_documents(out: Path) -> list[CableDocument]:
    from cableocr.review_log import load_machine_copies, load_manifest

    return load_machine_copies(out, load_manifest(out))


def _sample(documents: list[CableDocument], seed: int, rate: float) -> set[tuple[str, str]]:
    plan = plan_for(rate, seed)
    return {(d.cable_id, name) for d in documents for name in audited_fields(plan, d)}


@pytest.mark.tesseract
@pytest.mark.slow
def test_an_audit_sample_is_the_same_for_the_same_seed_and_differs_for_another(sample_output):
    documents = _machine_documents(sample_output)
    accepted = {(d.cable_id, n) for d in documents for n, f in d.fields.items() if f.status == "auto"}
    first = _sample(documents, seed=11, rate=0.5)
    assert first and first <= accepted  # only fields the machine accepted are audited
    assert _sample(documents, seed=11, rate=0.5) == first
    assert _sample(documents, seed=12, rate=0.5) != first
    assert _sample(documents, seed=11, rate=1.0) == accepted
    assert plan_for(0.1).rate_of("cable_number") == pytest.approx(0.3) and plan_for(0.1).rate_of("forwarding") == 0.1


def _truths() -> dict[tuple[str, int], dict]:
    """The generator's truth of each sample cable, by its first page (file, index)."""
    found = {}
    for path in (SCANS / "truth").glob("*.truth.json"):
        truth = load_truth(path)
        found[(truth.pages[0].file, truth.pages[0].index)] = truth.fields
    return found


def _review_with_the_truth(out: Path) -> list[bool]:
    """A scripted reviewer works through the queue over the review server's own HTTP API,
    deciding each field from the generator's truth; returns, for each audit item, whether the
    machine's value was right by the truth."""
    from starlette.testclient import TestClient

    from cableocr.review_server import create_app

    truths = _truths()
    documents = {d.cable_id: d for d in _machine_documents(out)}
    audits = []
    with TestClient(create_app(out, reviewer="scripted", allowed_hosts={"testserver"})) as client:
        for _ in range(500):  # bounded: each decision takes one item off the queue
            page = client.get("/item/0")
            if 'id="done"' in page.text:
                break
            form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
            document = documents[form["cable_id"]]
            name, field = form["field"], document.fields[form["field"]]
            expected = truths[(document.source[0].file, document.source[0].index)].get(name)
            right = as_compared(name, field) == truth_compared(expected)
            if 'id="audit"' in page.text:
                audits.append(right)
            if right and field.reason in ("redacted", "illegible"):
                decision = {"action": field.reason, "value": ""}
            elif right:
                decision = {"action": "accept", "value": value_to_text(name, field.value)}
            elif expected == "redacted":
                decision = {"action": "redacted", "value": ""}
            elif isinstance(expected, str):
                decision = {"action": "correct", "value": expected}
            else:
                decision = {"action": "illegible", "value": ""}
            response = client.post("/decide", data={**form, **decision}, follow_redirects=False)
            assert response.status_code == 303, response.text
        front = client.get("/").text  # the quality table stands on the front page
        assert 'id="quality"' in front and "precision of accepted" in front and "95% interval" in front
    return audits


@pytest.mark.tesseract
@pytest.mark.slow
def test_quality_reports_the_precision_the_truth_implies_after_a_scripted_review(sample_output, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(sample_output, out)
    save_plan(out, plan_for(1.0, seed=5))  # every accepted field audited
    machine = _machine_documents(out)
    accepted = sum(f.status == "auto" for d in machine for f in d.fields.values())
    flagged = sum(f.status == "needs_review" for d in machine for f in d.fields.values())
    audits = _review_with_the_truth(out)
    assert len(audits) == accepted and accepted > 20
    report = measure([out], promised=0.995)
    overall = report.overall
    truth_precision = sum(audits) / len(audits)
    assert (overall.audited, overall.audited_right) == (len(audits), sum(audits))
    assert overall.precision == pytest.approx(truth_precision)
    assert overall.interval.low <= truth_precision <= overall.interval.high
    assert overall.interval.high - overall.interval.low > 0  # an interval, not a point
    assert overall.flagged == flagged and overall.flagged_decided == flagged
    from cableocr.review_log import rebuild

    _, documents = rebuild(out)
    assert review_queue(documents) == []  # nothing waits: the batch can be finalised
    from typer.testing import CliRunner

    from cableocr.cli import app

    printed = CliRunner().invoke(app, ["quality", str(out)])
    below = overall.interval.high < 0.995
    assert printed.exit_code == (3 if below else 0), printed.output
    assert f"{truth_precision:.1%}" in printed.output and "95% interval" in printed.output


def test_a_batch_whose_audits_fall_short_of_the_promise_is_named_with_its_fields(tmp_path):
    from cableocr.quality import FieldQuality, QualityReport, drift_warning

    rows = [FieldQuality("cable_number", 100, 5, 60, 52, 5, 1), FieldQuality("subject", 100, 20, 60, 60, 20, 15)]
    overall = FieldQuality("(all fields)", 200, 25, 120, 112, 25, 16)
    report = QualityReport([*rows, overall], [tmp_path], promised=0.995)
    assert [r.field for r in report.drifting()] == ["cable_number", "(all fields)"]
    warning = drift_warning(report)
    assert "cable_number (52/60 right)" in warning and "subject" not in warning.split(":")[1]
    assert drift_warning(QualityReport([rows[1], rows[1]], [tmp_path], promised=0.995)) is None


def test_a_field_can_be_given_a_rate_of_its_own():
    from cableocr.cli import _field_rates

    plan = plan_for(0.05, seed=1, field_rates=_field_rates(["cable_number=0.5", "forwarding=0"]))
    assert (plan.rate_of("cable_number"), plan.rate_of("forwarding"), plan.rate_of("subject")) == (0.5, 0.0, 0.05)
    assert plan.rate_of("date_sent") == pytest.approx(0.15)  # the filing fields' default stands where not given
    with pytest.raises(ValueError, match="NAME=RATE"):
        _field_rates(["cable_number=2"])
