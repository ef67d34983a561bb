"""The review policy refitted on reviews: a batch run with thresholds too lax, reviewed from the
generator's truth, gives a policy that raises them and keeps wrong values out of `auto`."""

import datetime as dt

import numpy as np
import pytest

from cableocr.audit import plan_for, save_plan
from cableocr.evaluate import as_compared, cable_as_drawn, truth_compared
from cableocr.export import write_cable_json, write_manifest
from cableocr.fields import extract_fields
from cableocr.models import Manifest, ManifestCable
from cableocr.pipeline import build_document
from cableocr.policy import ReviewPolicy, settle
from cableocr.refit import refit
from cableocr.review import make_decision, review_queue
from cableocr.review_log import append_decision, save_machine_copy
from cableocr.synth import drawn_truth, seed_files
from cableocr.synth.seed import parse_seed
from cableocr.synth.vary import vary

LAX = ReviewPolicy(default_threshold=0.3)  # lets a misread at 0.4-0.6 through
AT = dt.datetime(2026, 12, 6, tzinfo=dt.UTC).isoformat()


def _misread(fields: dict, rng: np.random.Generator) -> dict:
    """About one string value in eight read wrong (a character added) at a low confidence, as
    a poor scan misreads; its status decided again by the lax policy."""
    changed = dict(fields)
    for name, field in fields.items():
        if isinstance(field.value, str) and rng.random() < 0.125:
            changed[name] = settle(name, field, LAX, value=field.value + "誤", confidence=float(rng.uniform(0.4, 0.6)))
    return changed


@pytest.fixture(scope="module")
def reviewed_lax_batch(tmp_path_factory):
    """40 generated cables read perfectly but for injected misreads, run under LAX, half their
    accepted fields audited, every queued field decided from the generator's truth."""
    from cableocr.config import Settings

    out = tmp_path_factory.mktemp("lax")
    seeds = [parse_seed(p) for p in seed_files()]
    rng = np.random.default_rng(21)
    documents, truths, summaries = [], {}, []
    for i in range(40):
        spec, variant = vary(seeds[i % 2], rng)
        truth = drawn_truth(spec, "horizontal", variant)
        cable = cable_as_drawn(truth, prefix=f"c{i:02d}-")
        fields = _misread(extract_fields(cable, LAX), rng)
        document = build_document(cable, f"cable-{i:02d}", fields, Settings())
        save_machine_copy(out, document)
        path = write_cable_json(document, out)
        documents.append(document)
        truths[document.cable_id] = truth.fields
        summaries.append(ManifestCable(cable_id=document.cable_id, path=path.name, cable_number=None, date_sent=None,
                                       sender=None, classification=None, needs_review=len(document.needs_review)))
    write_manifest(Manifest(batch=str(out), files=[], cables=summaries), out)
    plan = plan_for(0.5, seed=3, field_rates={name: 0.5 for name in ("cable_number", "date_sent", "date_received",
                                                                     "serial_number")})
    save_plan(out, plan)
    by_id = {d.cable_id: d for d in documents}
    for item in review_queue(documents, plan):
        document, expected = by_id[item.cable_id], truths[item.cable_id].get(item.field)
        field = document.fields[item.field]
        if as_compared(item.field, field) == truth_compared(expected):
            action, text = (field.reason, "") if field.reason in ("redacted", "illegible") else ("accept", item.value_text)
        elif isinstance(expected, str) and expected != "redacted":
            action, text = "correct", expected
        else:
            action, text = "illegible", ""
        append_decision(out, make_decision(document, item.field, action, text, "scripted", AT))
    return out


def test_a_refit_on_reviews_raises_lax_thresholds_and_keeps_wrong_values_out(reviewed_lax_batch):
    result = refit([reviewed_lax_batch], LAX)
    assert result.current.precision < 0.995  # the lax policy let misreads through unflagged
    raised = [name for name, threshold in result.policy.thresholds.items() if threshold > LAX.default_threshold]
    assert raised
    assert result.cross_validated.precision >= 0.995  # measured on the half each policy was not fitted on
    assert result.policy.fitted_on.target_precision == 0.995 and "reviews" in result.policy.fitted_on.note


def test_a_refit_with_no_reviews_says_so(tmp_path):
    write_manifest(Manifest(batch=str(tmp_path), files=[], cables=[]), tmp_path)
    with pytest.raises(ValueError, match="no reviewed field"):
        refit([tmp_path], LAX)


def test_eval_from_reviews_writes_the_policy_and_prints_both_figures(reviewed_lax_batch, tmp_path):
    from typer.testing import CliRunner

    from cableocr.cli import app
    from cableocr.policy import load_policy

    policy = tmp_path / "ours.json"
    result = CliRunner().invoke(app, ["eval", "--from-reviews", str(reviewed_lax_batch), "--fit-to", str(policy)])
    assert result.exit_code == 0, result.output
    assert "current" in result.output and "cross-validated" in result.output
    assert load_policy(policy).fitted_on.note.startswith("refitted on the reviews")
    refused = CliRunner().invoke(app, ["eval", "--from-reviews", str(reviewed_lax_batch)])
    assert refused.exit_code == 2 and "--fit-to" in refused.output


def test_reviews_pooled_with_generated_cables_are_fitted_together(reviewed_lax_batch):
    from cableocr.config import Settings
    from cableocr.evaluate import score_fields

    seeds = [parse_seed(p) for p in seed_files()]
    rng = np.random.default_rng(5)
    generated = []
    for i in range(10):
        spec, variant = vary(seeds[i % 2], rng)
        truth = drawn_truth(spec, "horizontal", variant)
        cable = cable_as_drawn(truth)
        generated += score_fields(truth, extract_fields(cable, Settings().fields.policy), f"eval-{i:04d}")
    alone, pooled = refit([reviewed_lax_batch], LAX), refit([reviewed_lax_batch], LAX, generated=generated)
    fitted_on = [o for o in generated if not o.held_out]  # a held-out variant no fit may see
    cables = len({o.cable for o in fitted_on})
    assert 0 < cables <= 10 and pooled.policy.fitted_on.cables == alone.policy.fitted_on.cables + cables
    assert f"pooled with {cables} generated cables" in pooled.policy.fitted_on.note
    assert pooled.current.fields == alone.current.fields + len(fitted_on)
    assert pooled.cross_validated.precision >= 0.995
