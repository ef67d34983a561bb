"""The review page in a real browser (Playwright driving Debian's chromium): a reviewer corrects a
field the machine read wrong, accepts one it read right and marks one illegible, with the
keyboard alone; the cable JSON says so; a rerun of the flow keeps all three decisions."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from cableocr.config import OcrConfig, Settings
from cableocr.evaluate import as_compared, truth_compared
from cableocr.models import CableDocument
from cableocr.review_log import REVIEW_LOG, read_log
from cableocr.synth import generate, load_truth, seed_files

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "review-page.png"
REVIEWER = "Test Archivist"
# The scan is read by Tesseract alone: the reviewer needs a field the machine read wrong to
# correct, and with both engines every field of this poor scan was read right.
TESSERACT_ALONE = Settings(ocr=OcrConfig(second_engine=None))


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI without chromium: the Makefile installs Debian's chromium")
        pytest.skip("chromium is not installed (make deps installs it)")
    return path


@pytest.fixture(scope="module")
def reviewed_batch(tesseract, tmp_path_factory):
    """A generated poor scan of seed 004 (its truth kept outside the batch), through the flow."""
    from flows.batch import batch_flow

    root = tmp_path_factory.mktemp("review")
    seed = next(p for p in seed_files() if p.name.startswith("004"))
    truth = load_truth(generate(seed, root / "batch", "horizontal", "poor", "png", 7, truth_dir=root / "truth"))
    out = root / "out"
    manifest = batch_flow(batch=root / "batch", out=out, settings=TESSERACT_ALONE)
    assert len(manifest.cables) == 1
    return root / "batch", out, truth


def _document(out: Path) -> CableDocument:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return CableDocument.model_validate_json((out / manifest["cables"][0]["path"]).read_bytes())


def _choose(document: CableDocument, truth) -> dict[str, tuple[str, str]]:
    """From the generator's truth: a flagged field the machine read wrong (to correct, with the
    truth's value), one it read right (to accept), and one more (to mark illegible)."""
    wrong, right, other = None, None, None
    for name, field in document.fields.items():
        expected = truth.fields.get(name)
        if field.status != "needs_review":
            continue
        plain = isinstance(expected, str) and expected != "redacted"
        if plain and wrong is None and as_compared(name, field) != truth_compared(expected):
            wrong = (name, expected)
        elif plain and right is None and isinstance(field.value, str) and as_compared(name, field) == truth_compared(expected):
            right = (name, field.value)
        elif other is None:
            other = (name, "")
    assert wrong and right and other, "the generated poor scan must have flagged fields, wrong and right"
    return {"correct": wrong, "accept": right, "illegible": other}


@pytest.fixture(scope="module")
def server(reviewed_batch):
    _, out, _ = reviewed_batch
    yield from _serving(out)


def _serving(out: Path):
    import uvicorn

    from cableocr.review_server import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(out, reviewer=None, allowed_hosts={"127.0.0.1", "localhost"})
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 300  # a generous cap: the start is awaited, not timed
    while not server.started:
        assert time.monotonic() < deadline, "the review server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_reviewer_corrects_accepts_and_marks_illegible_and_a_rerun_keeps_it(reviewed_batch, server, chromium):
    from playwright.sync_api import sync_playwright

    batch, out, truth = reviewed_batch
    plan = _choose(_document(out), truth)
    targets = {name: action for action, (name, _) in plan.items()}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 820})
        # Playwright gives each action 30 s, a deadline a loaded machine can miss: a generous
        # cap instead, each action still awaited on its event.
        page.set_default_timeout(300_000)
        page.set_default_navigation_timeout(300_000)
        page.goto(f"{server}/")
        with page.expect_navigation(wait_until="load"):
            page.click("#start")
        page.fill("#reviewer", REVIEWER)
        for _ in range(60):  # bounded: every item is decided or skipped once at most
            if not targets or page.locator("#done").count():
                break
            name = page.inner_text("#field-name")
            action = targets.pop(name, "skip")
            if action == "correct":
                page.wait_for_load_state("load")  # images included
                assert page.locator("#crop").evaluate("img => img.naturalWidth") > 0
                page.fill("#value", plan["correct"][1])
                SCREENSHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)  # the README's picture
            elif action == "accept":
                assert page.input_value("#value") == plan["accept"][1]
            # Each decision posts the form and the server redirects to the next item: wait for
            # that page to load, or the next read (or goto) races the navigation still under way.
            with page.expect_navigation(wait_until="load"):
                if action in ("correct", "accept"):
                    page.press("#value", "Enter")
                elif action == "illegible":
                    page.keyboard.press("Alt+KeyI")
                else:
                    page.keyboard.press("Escape")
        assert not targets, f"never shown: {targets}"
        page.goto(f"{server}/cable/{_document(out).cable_id}")
        assert plan["correct"][1] in page.inner_text("#json")
        browser.close()

    def check(document: CableDocument) -> None:
        corrected, accepted, illegible = (document.fields[plan[a][0]] for a in ("correct", "accept", "illegible"))
        assert truth_compared(corrected.value) == truth_compared(plan["correct"][1])
        assert accepted.value == plan["accept"][1]
        assert (illegible.value, illegible.reason) == (None, "illegible")
        for field in (corrected, accepted, illegible):
            assert (field.status, field.source, field.detail["reviewed_by"]) == ("reviewed", "review", REVIEWER)
        assert not {plan[a][0] for a in plan} & set(document.needs_review)

    check(_document(out))
    actions = [d.action for d in read_log(out).decisions]
    assert sorted(a for a in actions if a != "skip") == ["accept", "correct", "illegible"]
    log_before = (out / REVIEW_LOG).read_bytes()

    from flows.batch import batch_flow

    batch_flow(batch=batch, out=out, settings=TESSERACT_ALONE)
    check(_document(out))
    assert (out / REVIEW_LOG).read_bytes() == log_before  # a rerun reads the log, never writes it


def test_a_rescanned_page_brings_its_reviewed_fields_back_with_the_old_decision(reviewed_batch, tmp_path):
    """Decisions are tied to the page image they were made on: a new scan of the page (other
    pixels) is read afresh, and each reviewed field returns to the queue with its old decision."""
    import numpy as np
    from PIL import Image

    from cableocr.ingest import page_hash
    from cableocr.pipeline import page_cache_key
    from cableocr.review import make_decision
    from cableocr.review_log import append_decision
    from flows.batch import batch_flow

    batch, out, truth = reviewed_batch
    rescanned, new_out = tmp_path / "rescanned", tmp_path / "out"
    shutil.copytree(batch, rescanned)
    shutil.copytree(out, new_out)
    document = _document(new_out)
    name = next(n for n, f in document.fields.items() if isinstance(f.value, str))
    append_decision(new_out, make_decision(document, name, "correct", "人の読み", REVIEWER, "2026-11-28T05:00:00+00:00"))
    for page in document.pages:
        image_path = rescanned / page.source.file
        pixels = np.asarray(Image.open(image_path)).copy()
        pixels[:4, :4] = 255 - pixels[:4, :4]  # another scan: other pixels, the same text
        Image.fromarray(pixels).save(image_path)
        # The same text reads the same: the new scan's reading is put in the page cache, so that
        # what this costs is the decisions, not the reading of a poor page again.
        source = page.source.model_copy(update={"sha256": page_hash(pixels)})
        cached = new_out / ".cache" / "pages"
        old_key, new_key = (page_cache_key(s, TESSERACT_ALONE) for s in (page.source, source))
        shutil.copy(cached / f"{old_key}.json", cached / f"{new_key}.json")
    batch_flow(batch=rescanned, out=new_out, settings=TESSERACT_ALONE)
    field = _document(new_out).fields[name]
    assert field.status == "needs_review" and field.source != "review"
    assert "人の読み" in field.detail["previous_review"] and REVIEWER in field.detail["previous_review"]


READING_SCREENSHOT = SCREENSHOT.with_name("reading-view.png")


@pytest.fixture(scope="module")
def sample_server(sample_output, tmp_path_factory):
    """The review server on a copy of the sample batch's output (its cables aligned with the
    seeds' translations)."""
    out = tmp_path_factory.mktemp("reading") / "out"
    shutil.copytree(sample_output, out)
    yield from _serving(out)


def test_the_reading_view_sets_the_english_beside_the_japanese_and_moves_by_keyboard(sample_output, sample_server,
                                                                                     chromium):
    from playwright.sync_api import sync_playwright

    manifest = json.loads((sample_output / "manifest.json").read_text(encoding="utf-8"))
    documents = [CableDocument.model_validate_json((sample_output / c["path"]).read_bytes())
                 for c in manifest["cables"] if c["translation"]]
    document = next(d for d in documents if len(d.pages) >= 3)  # 5515: four pages, aligned with its seed
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(300_000)
        page.set_default_navigation_timeout(300_000)
        page.goto(f"{sample_server}/read/{document.cable_id}/2", wait_until="load")
        pair = page.locator("#pairs tr.pair").first
        ja, en = pair.locator("td.ja"), pair.locator("td.en")
        ja_box, en_box = ja.bounding_box(), en.bounding_box()
        assert abs(ja_box["y"] - en_box["y"]) < 2 and ja_box["x"] + ja_box["width"] <= en_box["x"] + 1  # side by side
        expected = [p for p in document.alignment.pairs if p.level == "paragraph"]
        assert ja.inner_text().strip() in {p.ja.strip() for p in expected}
        assert en.inner_text().strip().startswith(next(p.en for p in expected if p.ja.strip() == ja.inner_text().strip())[:40])
        first_line = page.locator("#lines li").first
        first_line.hover()
        line_id = first_line.get_attribute("data-line")
        assert "lit" in page.locator(f'.scan .box[data-line="{line_id}"]').get_attribute("class")
        READING_SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(READING_SCREENSHOT))  # the README's picture
        with page.expect_navigation(wait_until="load"):
            page.keyboard.press("ArrowRight")
        assert page.url.endswith(f"/read/{document.cable_id}/3")
        with page.expect_navigation(wait_until="load"):
            page.keyboard.press("ArrowLeft")
        assert page.url.endswith(f"/read/{document.cable_id}/2")
        if page.locator("#next-cable").count():
            with page.expect_navigation(wait_until="load"):
                page.keyboard.press("ArrowDown")
            assert page.url.endswith("/1") and document.cable_id not in page.url
        browser.close()
