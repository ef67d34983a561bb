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


def _outcome(confidence: float, correct: bool, field: str = "cable_number", absent: bool = False) -> FieldOutcome:
    return FieldOutcome("c", field, "horizontal", "clean", "plain", correct, True, confidence, "", "", absent=absent)


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


def _drawn_outcomes(count: int, random_seed: int):
    """Fields of count generated variants, every form, read off the pages as drawn (no OCR)."""
    from cableocr.assemble import assemble
    from cableocr.evaluate import pages_as_drawn, score_fields
    from cableocr.fields import extract_fields
    from cableocr.policy import default_policy
    from cableocr.synth import drawn_truth

    seeds = [parse_seed(p) for p in seed_files()]
    outcomes = []
    for i in range(count):
        spec, variant = vary(seeds[i % 2], np.random.default_rng([random_seed, i]))
        truth = drawn_truth(spec, "vertical" if i % 3 == 2 else "horizontal", variant)
        cables, _ = assemble(pages_as_drawn(truth))
        assert len(cables) == 1, f"variant {i} ({variant}): {len(cables)} cables found"
        outcomes += score_fields(truth, extract_fields(cables[0], default_policy()), f"v{i}")
    return outcomes


def test_the_rules_read_every_form_right_from_its_drawn_pages():
    """The rules apart from OCR: on every form and arrangement the generator draws, each field
    right, and nothing wrong passes unflagged under the shipped policy."""
    outcomes = _drawn_outcomes(36, random_seed=11)
    forms = {o.form for o in outcomes}
    assert {"copy", "copy-1970s", "draft-1960s"} <= forms
    wrong = [(o.cable, o.form, o.field, o.ours, o.truth) for o in outcomes if not o.correct]
    assert wrong == []
    assert not [o for o in outcomes if o.auto and not o.correct]


def test_cables_sharing_a_pdf_or_spread_over_files_are_found_and_scored(tmp_path, tesseract):
    """Two cables back to back in one PDF, and a cable whose two pages are two files, through
    OCR (Tesseract alone: what is tested is how pages are grouped and scored, not the reading)
    and scored by eval."""
    from PIL import Image

    from cableocr import eval_run
    from cableocr.config import OcrConfig, Settings
    from cableocr.synth import generate, load_truth

    seed = parse_seed(seed_files()[0])
    # Two one-page variants on the seeds' form, and the seed itself, which runs over pages.
    copies = [spec for spec, _ in (vary(seed, np.random.default_rng([5, i])) for i in range(20)) if spec.form == "copy"]
    specs = [*copies[:2], seed]
    batch, loose = tmp_path / "batch", tmp_path / "loose"
    truths = [load_truth(generate(spec, loose, "horizontal", "clean", "png", i, stem=f"c{i}", truth_dir=tmp_path / "t"))
              for i, spec in enumerate(specs)]
    batch.mkdir()
    # c0 and c1 into one PDF, page after page; c2 stays as its page images, one file a page.
    shared = [Image.open(loose / p.file) for t in truths[:2] for p in t.pages]
    shared[0].save(batch / "both.pdf", save_all=True, append_images=shared[1:], resolution=300.0)
    index = 0
    for t in truths[:2]:
        t.pages[:] = [p.model_copy(update={"file": "both.pdf", "index": (index := index + 1) - 1}) for p in t.pages]
    for p in truths[2].pages:
        (loose / p.file).rename(batch / p.file)
    assert len(truths[2].pages) >= 2, "the third cable should run over two files"
    result = eval_run.run(tmp_path, truths, Settings(ocr=OcrConfig(second_engine=None)), workers=2)
    assert result.cables_found == 3
    numbers = {o.cable: o for o in result.fields if o.field == "cable_number"}
    assert all(o.correct for o in numbers.values()), numbers
    assert sum(o.correct for o in result.fields) / len(result.fields) >= 0.9


def test_eval_refuses_a_batch_folder_holding_more_cables_than_asked_for(tmp_path):
    import pytest

    from cableocr import eval_run
    from cableocr.errors import InputError

    (tmp_path / "batch" / "truth").mkdir(parents=True)
    for i in range(3):
        (tmp_path / "batch" / "truth" / f"eval-{i:04d}.truth.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="holds 3 generated cables"):
        eval_run.generate(tmp_path, 2, 0)


def test_an_absence_is_fitted_apart_from_a_value_and_falls_back_to_it():
    """A stamp read is rarely wrong; a stamp missed reads as an absence: one threshold for both
    would review every stamp that was read."""
    from cableocr.policy import ReviewPolicy

    values = [_outcome(0.95, True, "classification") for _ in range(40)]
    absences = [_outcome(0.95, True, "classification", absent=True) for _ in range(20)]
    fitted = fit_thresholds([*values, *absences, _outcome(0.95, False, "classification", absent=True)])
    assert fitted["classification"] == 0.95 and fitted["classification.absent"] == 1.0
    policy = ReviewPolicy(thresholds=fitted)
    assert policy.threshold_for("classification", absent=True) == 1.0
    assert ReviewPolicy(thresholds={"classification": 0.8}).threshold_for("classification", absent=True) == 0.8
