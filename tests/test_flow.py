"""The command a user runs: the Prefect batch flow behind `cableocr run`, end to end."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cableocr.cli import app
from cableocr.evaluate import as_compared, truth_compared
from cableocr.fields import FOUNDATION_FIELDS
from cableocr.models import SCHEMA_VERSION, ExtractedField

SCANS = Path(__file__).resolve().parents[1] / "scans"
pytestmark = [pytest.mark.tesseract, pytest.mark.slow]


@pytest.fixture(scope="module")
def flow_run(tesseract, tmp_path_factory):
    """A one-page sample cable plus a broken file, through `cableocr run` (Prefect included)."""
    batch = tmp_path_factory.mktemp("batch")
    shutil.copy(SCANS / "cable-5517-scan-p1.jpg", batch / "page 1 電信.jpg")  # blank and Japanese in the name
    (batch / "broken.pdf").write_text("not a pdf at all")
    translations = tmp_path_factory.mktemp("translations")
    for seed in (Path(__file__).parent / "resources" / "seeds").glob("*.txt"):
        shutil.copy(seed, translations / seed.name)
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(app, ["run", str(batch), "--out", str(out), "--translations", str(translations)])
    return result, out


def test_a_bad_file_fails_alone_and_the_exit_status_says_so(flow_run):
    result, out = flow_run
    assert result.exit_code == 2, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = {f["path"]: f for f in manifest["files"]}
    assert files["broken.pdf"]["status"] == "error" and "broken.pdf" in files["broken.pdf"]["error"]
    assert files["page 1 電信.jpg"]["status"] == "ok"
    assert "unreadable: broken.pdf" in result.output


def test_the_cable_is_written_with_the_seeds_values(flow_run):
    result, out = flow_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (cable,) = manifest["cables"]
    document = json.loads((out / cable["path"]).read_text(encoding="utf-8"))
    truth = json.loads((SCANS / "truth" / "cable-5517-scan.truth.json").read_text(encoding="utf-8"))
    assert document["schema_version"] == SCHEMA_VERSION
    # The sample page is a medium scan: every field the program does not flag is right.
    for name, expected in truth["fields"].items():
        field = ExtractedField.model_validate(document["fields"][name])
        if field.status == "auto" and name != "forwarding":  # (the seeds' lists: tests/test_pipeline.py)
            assert as_compared(name, field) == truth_compared(expected), name
    assert {k: document["fields"][k]["value"] for k in FOUNDATION_FIELDS} == {k: truth["fields"][k] for k in FOUNDATION_FIELDS}
    assert cable["cable_id"] in result.output  # the summary table
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


def test_schema_command_prints_the_cable_schema():
    result = CliRunner().invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert result.exit_code == 0 and "fields" in schema["properties"] and "schema_version" in schema["properties"]


def test_a_missing_batch_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["run", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_translations_are_matched_and_the_unmatched_reported(flow_run):
    result, out = flow_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_number = {t["cable_number"]: t for t in manifest["translations"]}
    assert by_number["5517"]["cable_ids"] == [manifest["cables"][0]["cable_id"]]
    assert by_number["5515"]["cable_ids"] == [] and "translation not used" in result.output
    document = json.loads((out / manifest["cables"][0]["path"]).read_text(encoding="utf-8"))
    assert document["alignment"]["translation"] == "004_c47ec3c8fa7c42b0.txt"
    assert {c["field"] for c in document["alignment"]["cross_checks"]} >= {"cable_number", "date_sent", "sender"}
    paragraph_pairs = [p for p in document["alignment"]["pairs"] if p["level"] == "paragraph"]
    assert [p["en_paragraphs"] for p in paragraph_pairs] == [[0], [1], [2], [3], [4]]
