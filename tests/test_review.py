"""The review log, decisions applied to cables, and the review server's refusals (no OCR: the
batch output is built here from a hand-made cable)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from cableocr.export import write_manifest
from cableocr.models import (
    Box,
    CableDocument,
    ExtractedField,
    Manifest,
    ManifestCable,
    Page,
    PageSource,
    Provenance,
)
from cableocr.review import apply_decisions, make_decision, review_queue, text_to_value
from cableocr.review_log import (
    REVIEW_LOG,
    ReviewPending,
    append_decision,
    finalise,
    read_log,
    rebuild,
    save_machine_copy,
)
from cableocr.review_server import create_app, safe_output_path

NOW = "2026-11-28T05:00:00+00:00"


def _field(value, confidence, status, page=0, box=(100, 100, 400, 150), reason=None):
    return ExtractedField(value=value, confidence=confidence, status=status, page=page, method="test rule",
                          box=Box(x0=box[0], y0=box[1], x1=box[2], y1=box[3]) if box else None, reason=reason)


def make_document(sha: str = "a" * 64, cable_id: str = "cable-1234") -> CableDocument:
    source = PageSource(file="scan.png", index=0, sha256=sha)
    page = Page(source=source, width=600, height=800, writing_mode="horizontal", engine="test")
    fields = {
        "cable_number": _field("1234", 0.99, "auto"),
        "date_sent": _field("1993-09-28", 0.6, "needs_review"),
        "sender": _field("波多野大便", 0.5, "needs_review"),
        "forwarding": _field(["英", "独"], 0.5, "needs_review"),
        "addressee": _field(None, 0.0, "needs_review", page=None, box=None, reason="not_found"),
    }
    return CableDocument(cable_id=cable_id, source=[source], pages=[page], text="本文", text_normalized="本文",
                         fields=fields, needs_review=[n for n, f in fields.items() if f.status == "needs_review"],
                         provenance=Provenance(software_version="test", engines=["test"], settings={}))


def make_output(out: Path, documents: list[CableDocument]) -> Path:
    """A batch output as `cableocr run` leaves it: machine copies, cable JSON, page images, manifest."""
    for document in documents:
        save_machine_copy(out, document)
        image = np.full((800, 600), 255, np.uint8)
        image[100:150, 100:400] = 0
        (out / ".pages").mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(out / ".pages" / f"{document.source[0].sha256}.png")
    manifest = Manifest(batch=str(out), files=[], cables=[
        ManifestCable(cable_id=d.cable_id, path=f"{d.cable_id}.json", cable_number=None, date_sent=None,
                      sender=None, classification=None, needs_review=len(d.needs_review)) for d in documents])
    write_manifest(manifest, out)
    rebuild(out)
    return out


def test_enter_on_the_unchanged_value_accepts_and_a_changed_value_corrects():
    document = make_document()
    accepted = make_decision(document, "date_sent", "accept", "1993-09-28", "A. Archivist", NOW)
    corrected = make_decision(document, "sender", "accept", "波多野大使", None, NOW)
    assert (accepted.action, accepted.new_value, accepted.reviewer) == ("accept", "1993-09-28", "A. Archivist")
    assert (corrected.action, corrected.old_value, corrected.new_value) == ("correct", "波多野大便", "波多野大使")
    assert make_decision(document, "forwarding", "accept", "英、独、仏", None, NOW).new_value == ["英", "独", "仏"]


def test_input_that_cannot_be_a_value_is_refused():
    document = make_document()
    with pytest.raises(ValueError, match="empty"):
        make_decision(document, "sender", "correct", "  ", None, NOW)
    with pytest.raises(ValueError, match="nothing to accept"):
        make_decision(document, "addressee", "accept", "", None, NOW)
    with pytest.raises(ValueError, match="no field"):
        make_decision(document, "nonsense", "accept", "x", None, NOW)
    with pytest.raises(ValueError, match="JSON"):
        text_to_value("speakers", "総理、大統領")
    assert text_to_value("references", "往電第5513号別電2")[0]["number"] == "5513"


def test_decisions_are_applied_and_say_so():
    document = make_document()
    decisions = [
        make_decision(document, "sender", "correct", "波多野大使", "A. Archivist", NOW),
        make_decision(document, "date_sent", "accept", "1993-09-28", None, NOW),
        make_decision(document, "forwarding", "illegible", "", None, NOW),
        make_decision(document, "addressee", "skip", "", None, NOW),
    ]
    reviewed = apply_decisions(document, decisions)
    sender = reviewed.fields["sender"]
    assert (sender.value, sender.source, sender.status) == ("波多野大使", "review", "reviewed")
    assert sender.detail["machine_value"] == "波多野大便" and sender.detail["reviewed_by"] == "A. Archivist"
    assert reviewed.fields["date_sent"].status == "reviewed"
    assert (reviewed.fields["forwarding"].value, reviewed.fields["forwarding"].reason) == (None, "illegible")
    assert reviewed.needs_review == ["addressee"]  # a skip decides nothing
    assert [i.field for i in review_queue([reviewed])] == ["addressee"]


def test_a_decision_made_on_another_image_of_the_page_is_shown_again_not_applied():
    old = make_document(sha="a" * 64)
    decision = make_decision(old, "sender", "correct", "波多野大使", None, NOW)
    rescanned = make_document(sha="b" * 64)
    reopened = apply_decisions(rescanned, [decision])
    sender = reopened.fields["sender"]
    assert (sender.value, sender.status) == ("波多野大便", "needs_review")
    assert "波多野大使" in sender.detail["previous_review"]
    item = next(i for i in review_queue([reopened]) if i.field == "sender")
    assert item.previous and item.why == "the page changed since it was reviewed"


def test_a_translation_disagreement_is_queued_with_both_readings():
    document = make_document()
    disputed = document.fields["cable_number"].model_copy(update={
        "status": "needs_review", "confidence": 0.5, "method": "number line; disagrees with the translation",
        "detail": {"translation": "1284"}})
    document = document.model_copy(update={"fields": {**document.fields, "cable_number": disputed}})
    item = next(i for i in review_queue([document]) if i.field == "cable_number")
    assert (item.value_text, item.translation, item.why) == ("1234", "1284", "disagrees with the translation")


def test_a_damaged_log_loses_only_its_damaged_line(tmp_path):
    out = make_output(tmp_path / "out", [make_document()])
    document = make_document()
    append_decision(out, make_decision(document, "sender", "correct", "波多野大使", None, NOW))
    with (out / REVIEW_LOG).open("ab") as log:
        log.write(b'{"cable_id": "cable-1234", "field": "da')  # a write cut short by a crash
    append_decision(out, make_decision(document, "date_sent", "accept", "1993-09-28", None, NOW))
    reading = read_log(out)
    assert [d.field for d in reading.decisions] == ["sender", "date_sent"]
    assert len(reading.problems) == 1 and "line 2" in reading.problems[0]
    _, documents = rebuild(out)
    assert documents[0].fields["sender"].value == "波多野大使"


def test_deleting_the_log_is_said_and_its_decisions_are_kept_to_restore(tmp_path, caplog):
    """A deleted log undoes its decisions in the rebuilt cable (the log is what is applied), but
    never without a word: the decisions the published cable carried are kept beside it, and
    putting them back as the log applies them again."""
    from cableocr.review_log import RECOVERED_LOG

    out = make_output(tmp_path / "out", [make_document()])
    append_decision(out, make_decision(make_document(), "sender", "correct", "波多野大使", None, NOW))
    rebuild(out)
    (out / REVIEW_LOG).unlink()
    rebuild(out)
    cable = json.loads((out / "cable-1234.json").read_text(encoding="utf-8"))
    assert cable["fields"]["sender"]["value"] == "波多野大便"
    assert cable["fields"]["sender"]["status"] == "needs_review"
    assert "no longer holds 1 review decisions" in caplog.text and RECOVERED_LOG in caplog.text
    (out / REVIEW_LOG).write_bytes(b"\x00\xff not json at all\n")
    rebuild(out)  # said once: the recovered file holds it already
    assert json.loads((out / "cable-1234.json").read_text(encoding="utf-8"))["fields"]["sender"]["value"] == "波多野大便"
    (out / RECOVERED_LOG).rename(out / REVIEW_LOG)
    rebuild(out)
    assert json.loads((out / "cable-1234.json").read_text(encoding="utf-8"))["fields"]["sender"]["value"] == "波多野大使"


def test_finalise_waits_for_an_empty_queue(tmp_path):
    out = make_output(tmp_path / "out", [make_document()])
    with pytest.raises(ReviewPending, match="4 fields"):
        finalise(out)
    document = make_document()
    for name, action, text in (("date_sent", "accept", "1993-09-28"), ("sender", "correct", "波多野大使"),
                               ("forwarding", "accept", "英、独"), ("addressee", "correct", "外務大臣")):
        append_decision(out, make_decision(document, name, action, text, None, NOW))
    assert finalise(out).finalised
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["finalised"] is True


# ---- the server ---------------------------------------------------------------------------

@pytest.fixture()
def server(tmp_path):
    out = make_output(tmp_path / "batch out", [make_document()])
    (tmp_path / "secret.txt").write_text("outside the batch", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "secret.txt")
    (out / "escape.txt").symlink_to(tmp_path / "secret.txt")
    app = create_app(out, allowed_hosts={"testserver"})
    return TestClient(app), out


def _token(client: TestClient) -> str:
    html = client.get("/item/0").text
    return html.split('name="token" value="')[1].split('"')[0]


@pytest.mark.parametrize("path", [
    "/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/..%2fsecret.txt", "/files/%2e%2e%2fsecret.txt",
    "/files//etc/passwd", "/files/%2fetc%2fpasswd", "/files/escape.txt", "/files/.machine/cable-1234.json",
    "/files/.pages", "/files/..%5csecret.txt", "/cable/..%2f..%2fsecret", "/crop/..%2fsecret/sender.jpg",
    "/page/cable-1234/..%2f..%2fsecret.jpg",
])
def test_no_request_reaches_outside_the_batch(server, path):
    client, _ = server
    response = client.get(path)
    assert response.status_code in (403, 404), path
    assert "outside the batch" not in response.text and "root:" not in response.text


def test_files_of_the_batch_are_served(server):
    client, _ = server
    response = client.get("/files/cable-1234.json")
    assert response.status_code == 200 and response.json()["cable_id"] == "cable-1234"
    assert safe_output_path(Path("/nonexistent"), "../../etc/passwd") is None


def test_a_cross_site_post_is_refused_and_writes_nothing(server):
    client, out = server
    token = _token(client)
    form = {"token": token, "cable_id": "cable-1234", "field": "sender", "action": "correct", "value": "偽物",
            "position": "0"}
    refused = [
        client.post("/decide", data=form, headers={"Origin": "http://evil.example"}),
        client.post("/decide", data=form, headers={"Sec-Fetch-Site": "cross-site"}),
        client.post("/decide", data={**form, "token": "guessed"}),
        client.post("/decide", data={**form, "token": "推測"}),
        client.post("/decide", data={k: v for k, v in form.items() if k != "token"}),
        client.post("/decide", data=form, headers={"Host": "attacker.example"}),
        client.post("/decide", content=json.dumps(form), headers={"Content-Type": "application/json"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert not (out / REVIEW_LOG).exists()
    assert json.loads((out / "cable-1234.json").read_text(encoding="utf-8"))["fields"]["sender"]["value"] == "波多野大便"


def test_a_same_site_post_is_logged_and_rebuilds_the_cable(server):
    client, out = server
    form = {"token": _token(client), "cable_id": "cable-1234", "field": "sender", "action": "accept",
            "value": "波多野大使", "position": "0", "reviewer": "A. Archivist"}
    response = client.post("/decide", data=form, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert response.status_code == 303
    assert [d.action for d in read_log(out).decisions] == ["correct"]
    sender = json.loads((out / "cable-1234.json").read_text(encoding="utf-8"))["fields"]["sender"]
    assert (sender["value"], sender["source"], sender["detail"]["reviewed_by"]) == ("波多野大使", "review", "A. Archivist")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cables"][0]["needs_review"] == 3


@pytest.mark.parametrize(("field", "typed", "reason"), [
    ("date_sent", "<script>alert(1)</script>", "a date is written"),
    ("date_sent", "1993-13-45", "not a date of the calendar"),
    ("date_sent", "平成5年2月30日", "a date is written"),
    ("date_sent", "平成5年9月28日の午後", "a date is written"),
    ("cable_number", "abc", "up to six digits"),
    ("cable_number", "55155155", "up to six digits"),
    ("time_sent", "25:99", "hours 00-23"),
    ("time_received", "9時75分", "minutes 00-59"),
    ("classification", "超秘", "not a classification"),
    ("precedence", "急いで", "not a precedence"),
    ("serial_number", "TA-71563", "a serial is"),
    ("separate_telegram", "別電百五十", "1-99"),
    ("sender", "波多野\x00大使", "control characters"),
    ("subject", "長" * 501, "longer than any field"),
])
def test_an_invalid_correction_is_refused_with_its_reason(field, typed, reason):
    document = make_document()
    document = document.model_copy(update={"fields": {**document.fields, field: _field("x", 0.5, "needs_review")}})
    with pytest.raises(ValueError, match=reason):
        make_decision(document, field, "correct", typed, None, NOW)


@pytest.mark.parametrize(("field", "typed", "value"), [
    ("date_received", "平成5年9月28日", "1993-09-28"),
    ("date_received", "74年10月30日", "1974-10-30"),
    ("date_received", "１９９３-０９-２８", "1993-09-28"),
    ("cable_number", "第５５１５号", "5515"),
    ("time_sent", "9時15分", "09:15"),
    ("time_sent", "9:05", "09:05"),
    ("serial_number", "(TA)71563", "(TA)71563"),
    ("separate_telegram", "別電二", "2"),
    ("classification", "極秘", "極秘"),
])
def test_a_valid_correction_is_brought_to_the_fields_own_form(field, typed, value):
    document = make_document()
    document = document.model_copy(update={"fields": {**document.fields, field: _field("x", 0.5, "needs_review")}})
    assert make_decision(document, field, "correct", typed, None, NOW).new_value == value


def test_a_refused_correction_is_explained_on_the_page_and_nothing_is_written(server):
    client, out = server
    form = {"token": _token(client), "cable_id": "cable-1234", "field": "date_sent", "action": "correct",
            "value": "1993-13-45", "position": "0"}
    response = client.post("/decide", data=form, headers={"Origin": "http://testserver"})
    assert response.status_code == 400 and "not a date of the calendar" in response.text
    assert "1993-13-45" in response.text  # what was typed is shown again, to mend
    assert not (out / REVIEW_LOG).exists()


def test_a_file_name_too_long_for_the_file_system_is_not_found(server):
    client, _ = server
    assert client.get("/files/" + "a" * 5000 + ".json").status_code == 404


def test_pages_carry_security_headers_and_images(server):
    client, _ = server
    response = client.get("/")
    assert response.status_code == 200 and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    crop = client.get("/crop/cable-1234/sender.jpg")
    assert crop.headers["content-type"] == "image/jpeg" and crop.content[:3] == b"\xff\xd8\xff"
    assert client.get("/page/cable-1234/0.jpg").status_code == 200
    assert client.get("/page/cable-1234/5.jpg").status_code == 404


def test_binding_beyond_loopback_needs_an_explicit_flag(tmp_path):
    from typer.testing import CliRunner

    from cableocr.cli import app

    out = make_output(tmp_path / "out", [make_document()])
    result = CliRunner().invoke(app, ["review", str(out), "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2 and "--allow-remote" in result.output


@pytest.mark.slow
def test_the_flow_waits_for_the_reviewers_then_finalises(tmp_path):
    """Prefect: the waiting task finalises the batch as soon as the last decision is logged,
    and the finalise flow (`cableocr finalise`) refuses while fields wait."""
    import threading
    import time

    from typer.testing import CliRunner

    from cableocr.cli import app
    from flows.finalise import wait_for_review

    out = make_output(tmp_path / "out", [make_document()])
    result = CliRunner().invoke(app, ["finalise", str(out)])
    assert result.exit_code == ReviewPending.exit_code and "4 fields" in result.output

    def reviewer() -> None:
        document = make_document()
        for name, action, text in (("date_sent", "accept", "1993-09-28"), ("sender", "correct", "波多野大使"),
                                   ("forwarding", "illegible", ""), ("addressee", "correct", "外務大臣")):
            time.sleep(0.3)
            append_decision(out, make_decision(document, name, action, text, "A. Archivist", NOW))

    thread = threading.Thread(target=reviewer)
    thread.start()
    manifest = wait_for_review(out, timeout_seconds=900, poll_seconds=0.2)  # a cap: it returns when done
    thread.join()
    assert manifest.finalised and len(read_log(out).decisions) == 4
    assert CliRunner().invoke(app, ["finalise", str(out)]).exit_code == 0
