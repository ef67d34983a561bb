"""The IIIF Presentation 3 manifest of the sample batch."""

import json
import re

import pytest
from iiif_prezi3 import Manifest
from typer.testing import CliRunner

from cableocr.cli import app
from cableocr.models import CableDocument

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
XYWH = re.compile(r"#xywh=(\d+),(\d+),(\d+),(\d+)$")


def _written(out) -> dict:
    return json.loads((out / "iiif-manifest.json").read_text(encoding="utf-8"))


def test_the_run_writes_a_manifest_that_validates_with_a_range_per_cable(sample_output):
    written = _written(sample_output)
    Manifest(**written)  # iiif-prezi3's models of the Presentation 3 schema: raises where it does not hold
    assert written["@context"] == "http://iiif.io/api/presentation/3/context.json"
    batch = json.loads((sample_output / "manifest.json").read_text(encoding="utf-8"))
    cables = [CableDocument.model_validate_json((sample_output / c["path"]).read_bytes()) for c in batch["cables"]]
    assert len(written["structures"]) == len(cables)
    assert len(written["items"]) >= sum(len(c.pages) for c in cables)
    canvases = {c["id"]: c for c in written["items"]}
    for cable, cable_range in zip(cables, written["structures"], strict=True):
        assert cable.cable_id in cable_range["label"]["none"][0]
        assert len(cable_range["items"]) == len(cable.pages)
        first = canvases[cable_range["items"][0]["id"]]
        shown = {m["label"]["en"][0]: m["value"]["none"][0] for m in first["metadata"]}
        assert shown["cable number"].startswith(cable.fields["cable_number"].value)


def test_every_line_is_a_supplementing_annotation_on_its_box(sample_output):
    written = _written(sample_output)
    batch = json.loads((sample_output / "manifest.json").read_text(encoding="utf-8"))
    lines = sum(len(p.lines) for c in batch["cables"]
                for p in CableDocument.model_validate_json((sample_output / c["path"]).read_bytes()).pages)
    annotations = [a for canvas in written["items"] for page in canvas.get("annotations", []) for a in page["items"]]
    assert len(annotations) == lines
    canvases = {c["id"]: c for c in written["items"]}
    for annotation in annotations:
        assert annotation["motivation"] == "supplementing"
        assert annotation["body"]["type"] == "TextualBody" and annotation["body"]["value"]
        canvas_id, _, _ = annotation["target"].partition("#")
        x, y, w, h = map(int, XYWH.search(annotation["target"]).groups())
        canvas = canvases[canvas_id]
        assert w > 0 and h > 0 and x + w <= canvas["width"] and y + h <= canvas["height"]
    painted = [a["body"]["id"] for c in written["items"] for page in c["items"] for a in page["items"]]
    assert all((sample_output / ".pages" / url.rsplit("/", 1)[1]).is_file() for url in painted)


def test_a_base_url_makes_every_id_publishable(sample_output, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(sample_output, out)
    result = CliRunner().invoke(app, ["iiif", str(out), "--base-url", "https://archive.example.org/batch-7"])
    assert result.exit_code == 0, result.output
    text = (out / "iiif-manifest.json").read_text(encoding="utf-8")
    ids = re.findall(r'"id": "([^"]+)"', text)
    assert ids and all(i.startswith("https://archive.example.org/batch-7/") for i in ids)
    assert "file://" not in text
    CliRunner().invoke(app, ["iiif", str(out)])  # written again without the option: the address is kept
    assert _written(out)["id"] == "https://archive.example.org/batch-7/iiif-manifest.json"
