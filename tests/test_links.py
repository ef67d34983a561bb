"""The web of references: 往電第5513号別電2 in 5515 resolved to 5513, or said to be unresolved."""

import json
import sqlite3

import pytest

from cableocr.catalogue import load_batches
from cableocr.config import Settings
from cableocr.evaluate import cable_as_drawn
from cableocr.export import write_cable_json, write_manifest
from cableocr.fields import extract_fields
from cableocr.links import key_of, resolve
from cableocr.models import CableDocument, Manifest, ManifestCable
from cableocr.pipeline import build_document
from cableocr.synth import drawn_truth, seed_files
from cableocr.synth.seed import CableSpec, parse_seed

SEEDS = {p.name[:3]: p for p in seed_files()}


def _main_cable(annex: CableSpec, number: str) -> CableSpec:
    """The cable the seed is a separate telegram of: its number, no 別電 in the subject, and no
    reference at the head of its body."""
    first, *rest = annex.body_pages
    return annex.model_copy(update={"number": number, "subject": annex.subject.split("（")[0],
                                    "body_pages": [[p for p in first if not p.text.startswith("往電")], *rest]})


def _document(spec: CableSpec) -> CableDocument:
    """The cable as a perfect reader gives it, through assembly and extraction (no OCR)."""
    cable = cable_as_drawn(drawn_truth(spec), prefix=f"{spec.number}-")
    fields = extract_fields(cable, Settings().fields.policy)
    return build_document(cable, f"cable-{fields['cable_number'].value}", fields, Settings())


@pytest.fixture(scope="module")
def cables() -> dict[str, CableDocument]:
    annex_2, annex_4 = parse_seed(SEEDS["000"]), parse_seed(SEEDS["004"])
    return {d.fields["cable_number"].value: d for d in map(_document, (annex_2, annex_4, _main_cable(annex_2, "5513")))}


def _links(documents: list[CableDocument]) -> dict[str, list]:
    return {key.cable_id: links for key, links in resolve([key_of(d) for d in documents]).items()}


def test_a_separate_telegram_resolves_to_its_main_cable_and_its_siblings(cables):
    links = _links(list(cables.values()))
    (main,) = [link for link in links["cable-5515"] if link.relation == "separate_telegram_of"]
    assert (main.resolution, main.target, main.number, main.separate_telegram) == ("resolved", "cable-5513", "5513", "2")
    assert [(s.relation, s.target) for s in links["cable-5515"] if s.relation == "sibling"] == [("sibling", "cable-5517")]
    assert "cable-5513" not in links  # the main cable refers to nothing


def test_without_the_main_cable_the_reference_is_unresolved_not_guessed(cables):
    links = _links([cables["5515"], cables["5517"]])
    (main,) = [link for link in links["cable-5515"] if link.relation == "separate_telegram_of"]
    assert (main.resolution, main.target) == ("unresolved", None) and main.note


def test_two_cables_that_fit_leave_the_link_ambiguous_with_both_named(cables):
    other_post = cables["5513"].model_copy(update={"cable_id": "cable-5513-2"})
    links = _links([cables["5515"], cables["5513"], other_post])
    (main,) = [link for link in links["cable-5515"] if link.relation == "separate_telegram_of"]
    assert main.resolution == "ambiguous" and main.target is None
    assert sorted(main.candidates) == ["cable-5513", "cable-5513-2"]


def test_a_reference_to_a_later_cable_is_not_taken(cables):
    later = cables["5513"].fields["date_sent"].model_copy(update={"value": "1999-01-01"})
    main = cables["5513"].model_copy(update={"fields": {**cables["5513"].fields, "date_sent": later}})
    links = _links([cables["5515"], main])
    (link,) = [link for link in links["cable-5515"] if link.relation == "separate_telegram_of"]
    assert link.resolution == "unresolved"


def _written_batch(out, documents: list[CableDocument]):
    for document in documents:
        write_cable_json(document, out)
    write_manifest(Manifest(batch=str(out), files=[], cables=[
        ManifestCable(cable_id=d.cable_id, path=f"{d.cable_id}.json", cable_number=d.fields["cable_number"].value,
                      date_sent=None, sender=None, classification=None, needs_review=0) for d in documents]), out)
    return out


def test_the_catalogue_resolves_a_reference_across_batches_once_the_cable_is_loaded(cables, tmp_path):
    db = tmp_path / "archive.sqlite"
    annexes = _written_batch(tmp_path / "annexes", [cables["5515"], cables["5517"]])
    load_batches([annexes], db)

    def link_of_5515() -> tuple:
        with sqlite3.connect(db) as connection:
            return connection.execute("SELECT resolution, target_cable_id FROM links WHERE cable_id = 'cable-5515' "
                                      "AND relation = 'separate_telegram_of'").fetchone()

    assert link_of_5515() == ("unresolved", None)
    load_batches([_written_batch(tmp_path / "main", [cables["5513"]])], db)
    assert link_of_5515() == ("resolved", "cable-5513")


@pytest.mark.tesseract
@pytest.mark.slow
def test_the_sample_batch_writes_its_links_into_the_cable_json(sample_output):
    manifest = json.loads((sample_output / "manifest.json").read_text(encoding="utf-8"))
    documents = {c["cable_number"]: json.loads((sample_output / c["path"]).read_text(encoding="utf-8"))
                 for c in manifest["cables"]}
    links = documents["5515"]["links"]
    main = [link for link in links if link["relation"] == "separate_telegram_of"]
    assert main and main[0]["resolution"] == "unresolved" and main[0]["number"] == "5513"  # 5513 is not in the batch
    copies_of_5517 = {c["cable_id"] for c in manifest["cables"] if c["cable_number"] == "5517"}  # scan and vertical
    assert {link["target"] for link in links if link["relation"] == "sibling"} == copies_of_5517
