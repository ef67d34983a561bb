"""The pipeline on generator pages, against the generator's ground truth (taken from the seeds)."""

import json

import pytest
from conftest import CASES

from cableocr.evaluate import as_compared, character_error_rate, truth_compared
from cableocr.fields import FOUNDATION_FIELDS
from cableocr.models import ExtractedField

# Body CER bounds per scan level, from what was measured on these eight cases (clean 0.4-1.6%,
# medium 0.7-5.0%: one long line of one medium page garbled by Tesseract costs 4 points), with
# a little headroom. The cleanup/OCR issue tightens them.
CER_BOUND = {"clean": 0.025, "medium": 0.06}
pytestmark = pytest.mark.tesseract


def _document(ocr_results, case):
    manifest, out = ocr_results[case]
    assert len(manifest.cables) == 1, f"{case}: expected one cable, got {len(manifest.cables)}"
    return json.loads((out / manifest.cables[0].path).read_text(encoding="utf-8"))


# The forwarding lists of the seeds, written by hand from the seed files (the generator writes
# the truth of its variants' lists, not of the seeds').
FORWARDING = {
    "5515": ["全米公館（除、アガナ、デトロイト）", "英", "独", "仏", "イタリア", "加", "メキシコ", "ジュ府代",
             "EC代", "OECD代", "豪", "NZ", "ASEAN", "中国", "韓国"],
    "5517": ["全米公館（除く、アガナ、デトロイト）", "英", "独", "仏", "イタリア", "カナダ", "ロシア"],
}


def _expected(truth) -> dict:
    fields = {name: truth_compared(value) for name, value in truth.fields.items()}
    return {**fields, "forwarding": truth_compared(FORWARDING[truth.cable_number])}


def _ours(document) -> dict:
    return {name: as_compared(name, ExtractedField.model_validate(f)) for name, f in document["fields"].items()}


@pytest.mark.parametrize("case", sorted(CASES), ids="-".join)
def test_foundation_fields_equal_the_seeds_values(ocr_results, generated, case):
    document = _document(ocr_results, case)
    truth = generated[case].truth
    found = {name: document["fields"][name]["value"] for name in FOUNDATION_FIELDS}
    assert found == {name: truth.fields[name] for name in FOUNDATION_FIELDS}
    assert document["fields"]["date_sent"]["detail"]["era_form"] == truth.era_date


@pytest.mark.parametrize("seed", ["000", "004"])
def test_every_field_of_the_seed_cables_as_the_seeds_state_it(ocr_results, generated, seed):
    """The seed cables as typed (the clean horizontal rendering): all fields, the serial and the
    times redacted, the bureau, the receiving office, the reference, the separate-telegram
    number, the forwarding list, the end mark, every redaction and every speaker turn."""
    case = (seed, "horizontal", "clean")
    document = _document(ocr_results, case)
    expected, ours = _expected(generated[case].truth), _ours(document)
    assert ours == expected
    assert ours["serial_number"] == ours["time_sent"] == ours["time_received"] == "redacted"


@pytest.mark.parametrize("case", sorted(CASES), ids="-".join)
def test_no_wrong_value_passes_unflagged(ocr_results, generated, case):
    document = _document(ocr_results, case)
    expected, ours = _expected(generated[case].truth), _ours(document)
    for name, value in expected.items():
        if document["fields"][name]["status"] == "auto":
            assert ours[name] == value, f"{name} is wrong but not flagged for review"


@pytest.mark.parametrize("case", sorted(CASES), ids="-".join)
def test_body_character_error_rate(ocr_results, generated, case):
    document = _document(ocr_results, case)
    cer = character_error_rate(generated[case].truth.body_text, document["text"])
    assert cer <= CER_BOUND[case[2]], f"body CER {cer:.4f}"


@pytest.mark.parametrize("case", sorted(CASES), ids="-".join)
def test_every_page_is_in_the_cable_with_evidence(ocr_results, generated, case):
    manifest, _ = ocr_results[case]
    document = _document(ocr_results, case)
    pages = [p for f in manifest.files for p in f.pages]
    assert len(pages) == len(generated[case].truth.pages)
    assert all(p.status == "ok" and p.cable_id == document["cable_id"] for p in pages)
    assert document["schema_version"] and len(document["source"]) == len(pages)
    line = document["pages"][0]["lines"][0]
    assert line["chars"] and all(0 <= c["confidence"] <= 1 for c in line["chars"])


@pytest.mark.parametrize("case", sorted(CASES), ids="-".join)
def test_the_number_and_dates_are_read_twice(ocr_results, case):
    """The lines that file a cable (its number, its dates) are read in the page and alone; the
    two readings are compared, and where they differ the field is for review."""
    document = _document(ocr_results, case)
    for name in ("cable_number", "date_sent", "date_received"):
        field = document["fields"][name]
        line = next(ln for page in document["pages"] for ln in page["lines"] if ln["id"] == field["line_id"])
        assert line["second_reading"], f"{name}: its line {line['id']} was read once"
        if field["detail"].get("second_reading", "").startswith("differs"):
            assert field["status"] == "needs_review"
