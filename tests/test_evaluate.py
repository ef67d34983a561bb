"""The measures `cableocr eval` prints: field comparison, reliability table, fitted thresholds,
and the variants the generator draws for it."""

import numpy as np

from cableocr.evaluate import (
    FieldOutcome,
    as_compared,
    fit_thresholds,
    reliability_table,
    truth_compared,
)
from cableocr.models import ExtractedField
from cableocr.synth import parse_seed, seed_files
from cableocr.synth.vary import vary


def _outcome(confidence: float, correct: bool, field: str = "cable_number") -> FieldOutcome:
    return FieldOutcome("c", field, "horizontal", "clean", "plain", correct, True, confidence, "", "")


def test_fields_compare_in_the_truths_form():
    redacted = ExtractedField(value=None, confidence=0.97, method="box", reason="redacted")
    assert as_compared("serial_number", redacted) == "redacted"
    references = ExtractedField(value=[{"text": "往電第5513号別電2", "kind": "outgoing", "number": "5513",
                                        "separate_telegram": "2"}], confidence=1.0, method="m")
    assert as_compared("references", references) == ["outgoing:5513:2"]
    subject = ExtractedField(value="日米首のう会談（別電2）", confidence=1.0, method="m")
    assert as_compared("subject", subject) == truth_compared("日米首のう会談(別電2)")


def test_a_threshold_is_fitted_where_precision_holds_and_stays_above_every_mistake():
    outcomes = [_outcome(c / 100, True) for c in range(60, 100)] + [_outcome(0.7, False), _outcome(0.5, False)]
    threshold = fit_thresholds(outcomes, target=0.995)["cable_number"]
    assert 0.7 < threshold <= 0.71
    assert all(o.correct for o in outcomes if o.confidence >= threshold)


def test_a_field_wrong_at_its_top_confidence_is_always_reviewed():
    outcomes = [_outcome(0.99, False), *(_outcome(0.9, True) for _ in range(50))]
    assert fit_thresholds(outcomes)["cable_number"] == 1.0


def test_reliability_table_counts_every_field_once():
    outcomes = [_outcome(c / 100, c % 3 != 0) for c in range(0, 101)]
    rows = reliability_table(outcomes)
    assert sum(count for _, _, count, _ in rows) == len(outcomes)


def test_variants_differ_and_say_what_they_are():
    seed = parse_seed(seed_files()[0])
    variants = [vary(seed, np.random.default_rng([7, i])) for i in range(40)]
    numbers = {spec.number for spec, _ in variants}
    assert len(numbers) > 30
    features = {f for _, name in variants for f in name.split("+")}
    assert {"western-year", "serial-prefix", "kanji-numerals"} <= features
    for spec, name in variants:
        assert ("western-year" in name) == (spec.era_date[:2].isdigit())
        assert spec.forwarding and spec.paragraphs()[-1].endswith("に転電した。（了）")
