"""The catalogue: the sample batch loaded into SQLite, searched in Japanese and English."""

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cableocr.catalogue import load_batches, search
from cableocr.cli import app
from cableocr.errors import CableOcrError

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]


@pytest.fixture
def catalogue(sample_output, tmp_path) -> Path:
    db = tmp_path / "archive.sqlite"
    load_batches([sample_output], db)
    return db


def _rows(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_%\\_%' ESCAPE '\\' "
            "AND name NOT LIKE 'sqlite%'")]
        tables += ["search_ja", "search_en"]
        return {t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def test_a_japanese_query_finds_the_typed_orthography_through_the_normalised_text(catalogue):
    hits = [h for h in search(catalogue, "首脳") if h.language == "ja"]
    typed = [h for h in hits if "首のう" in h.text]  # the cables type 首のう; nobody searches for it so
    assert typed, [h.text for h in hits]
    hit = typed[0]
    assert hit.doc.startswith("cable-55") and hit.page and hit.line_id
    with sqlite3.connect(catalogue) as connection:
        (line_text,) = connection.execute("SELECT text FROM lines WHERE doc = ? AND line_id = ?",
                                          (hit.doc, hit.line_id)).fetchone()
    assert "首のう" in line_text  # the line named holds what was found


def test_an_english_query_finds_the_aligned_translation(catalogue):
    hits = [h for h in search(catalogue, "Yeltsin") if h.language == "en"]
    assert hits and all("Yeltsin" in h.text for h in hits)
    with sqlite3.connect(catalogue) as connection:
        numbers = {n for h in hits for (n,) in connection.execute(
            "SELECT cable_number FROM cables WHERE cable_id = ?", (h.doc,))}
    assert numbers == {"5517"}  # the seed translation that names Yeltsin is 5517's


def test_loading_again_gives_the_same_rows(catalogue, sample_output):
    before = _rows(catalogue)
    assert before["cables"] and before["lines"] and before["paragraphs"] and before["alignment_pairs"]
    load_batches([sample_output], catalogue)
    assert _rows(catalogue) == before


def test_a_batch_that_cannot_be_read_leaves_its_earlier_rows_whole(catalogue, sample_output, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sample_output, copy)
    load_batches([copy], catalogue)
    before = _rows(catalogue)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    (copy / manifest["cables"][-1]["path"]).write_text("{ cut short", encoding="utf-8")
    with pytest.raises(CableOcrError, match=str(copy)):
        load_batches([copy], catalogue)
    assert _rows(catalogue) == before


def test_the_catalogue_opens_in_datasette_with_its_metadata(catalogue):
    from datasette.app import Datasette

    metadata = json.loads(catalogue.with_name("archive.metadata.json").read_text(encoding="utf-8"))
    datasette = Datasette([str(catalogue)], metadata=metadata)

    async def fetch() -> tuple[dict, dict]:
        tables = await datasette.client.get("/archive.json")
        cables = await datasette.client.get("/archive/cables.json?_shape=objects")
        return tables.json(), cables.json()

    tables, cables = asyncio.run(fetch())
    assert {t["name"] for t in tables["tables"]} >= {"cables", "lines", "search_ja"}
    assert {row["cable_number"] for row in cables["rows"]} >= {"5515", "5517"}
    assert metadata["databases"]["archive"]["tables"]["cables"]["description"]


def test_search_command_prints_cable_page_and_line(catalogue):
    result = CliRunner().invoke(app, ["search", str(catalogue), "首脳会談"])
    assert result.exit_code == 0, result.output
    assert "cable-55" in result.output and "p0-l" in result.output
    missing = CliRunner().invoke(app, ["search", str(catalogue.with_name("none.sqlite")), "首脳"])
    assert missing.exit_code == 1 and "cableocr catalogue" in missing.output


def test_a_search_can_be_narrowed_to_a_post_and_a_month(catalogue):
    from cableocr.catalogue import Within

    with sqlite3.connect(catalogue) as connection:
        post, month = connection.execute("SELECT sending_post, substr(date_sent, 1, 7) FROM cables "
                                          "WHERE cable_number = '5515'").fetchone()
    everywhere = search(catalogue, "首脳")
    there = search(catalogue, "首脳", within=Within(post=post, since=month, until=month))
    assert there and {h.doc for h in there} <= {h.doc for h in everywhere}
    assert not search(catalogue, "首脳", within=Within(post=post, until="1900-01"))
    assert not search(catalogue, "首脳", within=Within(post="no such post"))
    result = CliRunner().invoke(app, ["search", str(catalogue), "首脳", "--post", post, "--since", month,
                                      "--until", month])
    assert result.exit_code == 0 and "cable-55" in result.output


def test_the_review_log_is_loaded_with_what_each_decision_was_shown_as(sample_output, tmp_path):
    from cableocr.review import make_decision
    from cableocr.review_log import append_decision, load_machine_copies, load_manifest

    out = tmp_path / "out"
    shutil.copytree(sample_output, out)
    document = load_machine_copies(out, load_manifest(out))[0]
    name, field = next((n, f) for n, f in document.fields.items() if f.status == "auto" and isinstance(f.value, str))
    append_decision(out, make_decision(document, name, "accept", field.value, "A. Archivist", "2026-12-06T00:00:00+00:00"))
    db = tmp_path / "archive.sqlite"
    (loaded,) = load_batches([out], db)
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT cable_id, field, action, machine_status FROM reviews").fetchall()
    assert loaded.reviews == 1 and rows == [(document.cable_id, name, "accept", "auto")]
