"""What archives ingest: schema-valid JSON, ALTO valid against the XSD, a searchable PDF whose
text is the OCR text, batch JSONL/CSV, BagIt, and byte-identical reruns."""

import csv
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import CASES

from cableocr.alto import alto_schema
from cableocr.bag import BagError, export_bag, verify_bag
from cableocr.evaluate import character_error_rate
from cableocr.export import cable_schema_text, page_schema_text
from cableocr.text import comparison_form

REPO = Path(__file__).resolve().parents[1]
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
pytestmark = pytest.mark.tesseract
CASE_IDS = sorted(CASES)


def _documents(ocr_results, case):
    manifest, out = ocr_results[case]
    return [json.loads((out / c.path).read_text(encoding="utf-8")) for c in manifest.cables], out


def test_the_published_schemas_are_current():
    published = (REPO / "schema" / "cable.schema.json").read_text(encoding="utf-8")
    assert published == cable_schema_text(), "run `make schema` and commit schema/cable.schema.json"
    published = (REPO / "schema" / "page.schema.json").read_text(encoding="utf-8")
    assert published == page_schema_text(), "run `make schema` and commit schema/page.schema.json"


@pytest.mark.parametrize("case", CASE_IDS, ids="-".join)
def test_every_document_validates_against_the_published_schema(ocr_results, case):
    schema = json.loads((REPO / "schema" / "cable.schema.json").read_text(encoding="utf-8"))
    documents, _ = _documents(ocr_results, case)
    for document in documents:
        jsonschema.validate(document, schema)
        assert document["schema_version"] == schema["properties"]["schema_version"]["default"]
        provenance = document["provenance"]
        assert provenance["engines"] and provenance["settings"]["fields"]["policy"]["default_threshold"] > 0


@pytest.mark.parametrize("case", CASE_IDS, ids="-".join)
def test_every_alto_file_is_valid_and_marks_direction_and_redactions(ocr_results, case):
    documents, out = _documents(ocr_results, case)
    schema = alto_schema()
    for document in documents:
        for number, page in enumerate(document["pages"], start=1):
            path = out / f"{document['cable_id']}.p{number}.alto.xml"
            schema.validate(str(path))
            tree = ET.parse(path)
            blocks = tree.findall(f".//{ALTO}TextBlock")
            vertical = [b.get("BASEDIRECTION") == "ttb" for b in blocks]
            assert all(vertical) if case[1] == "vertical" else not any(vertical)
            redactions = tree.findall(f".//{ALTO}Illustration[@TYPE='redaction']")
            assert len(redactions) == len(page["redactions"])
            strings = tree.findall(f".//{ALTO}String")
            assert len(strings) == sum(len(ln["chars"]) for ln in page["lines"])


@pytest.mark.parametrize("case", CASE_IDS, ids="-".join)
def test_the_pdf_text_layer_gives_back_the_ocr_text(ocr_results, case):
    documents, out = _documents(ocr_results, case)
    for document in documents:
        ocr = "\n".join(ln["text"] for p in document["pages"] for ln in p["lines"] if ln["role"] != "noise")
        pdf = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(out / f"{document['cable_id']}.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
        assert character_error_rate(ocr, pdf) < 0.01
        assert comparison_form(ocr) == comparison_form(pdf)  # the difference only in white space


def test_batch_tables(ocr_results):
    documents, out = _documents(ocr_results, ("000", "horizontal", "clean"))
    raw = (out / "fields.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, for spreadsheet programs
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["cable_id"] for r in rows] == [d["cable_id"] for d in documents]
    assert rows[0]["sending_post"] == documents[0]["fields"]["sending_post"]["value"]
    assert rows[0]["date_sent_era"] == documents[0]["fields"]["date_sent"]["detail"]["era_form"]
    lines = (out / "cables.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == documents


def test_a_bag_verifies_and_a_changed_file_does_not(ocr_results, tmp_path):
    _, out = ocr_results[("004", "horizontal", "clean")]
    exported = export_bag(out, tmp_path / "bag")
    bag = exported.path
    assert verify_bag(bag) >= 5 and exported.left_out == []
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert "Bag-Software-Agent: cableocr" in info and "Bagging-Date" in info and "Source-Batch" in info
    assert list((bag / "data" / "scans").glob("*.png")) and list((bag / "data" / "output").glob("*.alto.xml"))
    csv_copy = bag / "data" / "output" / "fields.csv"
    csv_copy.write_bytes(csv_copy.read_bytes() + b"tampered\r\n")
    with pytest.raises(BagError, match=r"data/output/fields\.csv has changed"):
        verify_bag(bag)
    (bag / "data" / "output" / "manifest.json").unlink()
    with pytest.raises(BagError, match=r"data/output/manifest\.json is listed but missing"):
        verify_bag(bag)


def test_a_bag_holds_no_file_a_link_points_at(ocr_results, tmp_path):
    """A link in the batch folder or in OUT (to /etc/passwd, say) is left out of the bag and
    said, never followed."""
    manifest, out = ocr_results[("004", "horizontal", "clean")]
    batch = shutil.copytree(manifest.batch, tmp_path / "batch")
    outside = tmp_path / "secret.txt"
    outside.write_text("not a file of the batch")
    (batch / "z-link.png").symlink_to(outside)
    copied = shutil.copytree(out, tmp_path / "out", symlinks=True)
    (copied / "notes.txt").symlink_to(outside)
    (copied / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    document = json.loads((copied / "manifest.json").read_text(encoding="utf-8"))
    document["batch"] = str(batch)
    document["files"].append({"path": "z-link.png", "status": "error", "error": "not a readable image", "pages": []})
    (copied / "manifest.json").write_text(json.dumps(document), encoding="utf-8")

    exported = export_bag(copied, tmp_path / "bag")
    assert verify_bag(exported.path) >= 5
    payload = [p for p in (exported.path / "data").rglob("*")]
    assert all(not p.is_symlink() for p in payload)
    assert not any(p.is_file() and p.read_bytes() == b"not a file of the batch" for p in payload)
    assert sorted(reason.split(":")[0] for reason in exported.left_out) == [
        "output linked-folder", "output notes.txt", "scan z-link.png"]


def test_the_same_batch_twice_gives_byte_identical_json_jsonl_and_csv(generated, tesseract, tmp_path):
    from cableocr.pipeline import run_batch

    batch = generated[("004", "horizontal", "clean")].folder
    out = tmp_path / "out"
    run_batch(batch, out)
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".json", ".jsonl", ".csv")}
    shutil.rmtree(out / ".pages")  # the rerun decodes the scans again, too
    run_batch(batch, out)
    second = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".json", ".jsonl", ".csv")}
    assert len(first) >= 4 and first == second
