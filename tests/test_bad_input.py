"""Bad input: each file gets a clear error naming it and the reason, and the batch goes on."""

import errno
import json
import shutil
import zlib
from pathlib import Path
from struct import pack

import pytest
from PIL import Image, ImageDraw
from rapidfuzz.distance import Levenshtein
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from cableocr.files import OutputError, write_atomic
from cableocr.pipeline import run_batch
from cableocr.synth.render import font

SCANS = Path(__file__).resolve().parents[1] / "scans"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))


def _bomb(path: Path) -> None:
    """A tiny PNG that claims 40000 x 40000 pixels: Pillow's limit refuses it (kept, not lifted)."""
    header = pack(">IIBBBBB", 40000, 40000, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
                     + _png_chunk(b"IDAT", zlib.compress(b"")) + _png_chunk(b"IEND", b""))


def _pdf(path: Path, encryption=None) -> None:
    pdf = canvas.Canvas(str(path), encrypt=encryption)
    pdf.drawString(100, 700, "not a cable")
    pdf.showPage()
    pdf.save()


@pytest.fixture(scope="module")
def bad_batch(tesseract, tmp_path_factory):
    batch = tmp_path_factory.mktemp("bad batch 電信")
    shutil.copy(SCANS / "cable-5517-scan-p1.jpg", batch / "a cable 電信.jpg")
    (batch / "b-empty.pdf").write_bytes(b"")
    (batch / "c-truncated.pdf").write_bytes((SCANS / "cable-5515-scan.pdf").read_bytes()[:5000])
    _pdf(batch / "d-locked.pdf", StandardEncryption("secret", ownerPassword="owner"))
    (batch / "e-no-pages.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    (batch / "f-notes.pdf").write_text("minutes of the meeting", encoding="utf-8")
    Image.new("L", (1, 1), 255).save(batch / "g-dot.png")
    _bomb(batch / "h-bomb.png")
    Image.new("L", (2480, 3508), 255).save(batch / "i-blank.png")
    memo = Image.new("L", (2480, 1200), 255)
    ImageDraw.Draw(memo).text((200, 300), "会議の議事録。出席者は次のとおり。", font=font(44), fill=0)
    memo.save(batch / "j-memo.png")
    out = tmp_path_factory.mktemp("out")
    return run_batch(batch, out), out


@pytest.mark.tesseract
@pytest.mark.parametrize(("name", "reason"), [
    ("b-empty.pdf", "empty"), ("c-truncated.pdf", "not a readable PDF"), ("d-locked.pdf", "password-protected"),
    ("e-no-pages.pdf", "no pages"), ("f-notes.pdf", "not a PDF"), ("g-dot.png", "too small"),
    ("h-bomb.png", "decompression bomb"),
])
def test_each_unreadable_file_is_named_with_its_reason(bad_batch, name, reason):
    manifest, _ = bad_batch
    entry = next(f for f in manifest.files if f.path == name)
    assert entry.status == "error" and name in entry.error and reason in entry.error


@pytest.mark.tesseract
def test_the_rest_of_the_batch_goes_on(bad_batch):
    manifest, out = bad_batch
    assert manifest.failed
    (cable,) = manifest.cables
    assert cable.cable_number == "5517" and (out / cable.path).is_file()
    pages = {f.path: f.pages for f in manifest.files}
    assert pages["a cable 電信.jpg"][0].status == "ok"
    assert pages["i-blank.png"][0].status == "blank" and "blank page" in pages["i-blank.png"][0].error
    memo = pages["j-memo.png"][0]
    assert memo.status == "unassigned" and "not a cable page" in memo.error and memo.cable_id is None
    # A page of no cable still has its text kept, in a page document the manifest lists.
    kept = json.loads((out / memo.document).read_text(encoding="utf-8"))
    assert kept["source"]["file"] == "j-memo.png" and kept["reason"] == memo.error
    assert Levenshtein.normalized_distance(kept["text"].replace(" ", ""), "会議の議事録。出席者は次のとおり。") < 0.2
    assert pages["i-blank.png"][0].document is None  # a blank page has no text to keep
    document = json.loads((out / cable.path).read_text(encoding="utf-8"))
    assert [s["file"] for s in document["source"]] == ["a cable 電信.jpg"]


def test_an_owner_password_alone_does_not_stop_reading(tmp_path):
    from cableocr.config import IngestConfig
    from cableocr.ingest import read_pages

    _pdf(tmp_path / "owner.pdf", StandardEncryption("", ownerPassword="owner", canPrint=0))
    assert len(list(read_pages(tmp_path / "owner.pdf", IngestConfig(dpi=50)))) == 1


def test_a_full_disk_is_a_clear_error_and_the_old_file_stays_whole(tmp_path, monkeypatch):
    target = tmp_path / "cable-5515.json"
    target.write_bytes(b"the earlier run")

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("cableocr.files.os.fsync", full)
    with pytest.raises(OutputError, match="no space left") as err:
        write_atomic(target, b"x" * 1000)
    assert str(target) in str(err.value) and err.value.exit_code == 6
    assert target.read_bytes() == b"the earlier run"
    assert [p.name for p in tmp_path.iterdir()] == ["cable-5515.json"]  # no temporary file left


@pytest.mark.tesseract
def test_a_rerun_reads_only_pages_not_read_before(bad_batch, monkeypatch):
    """Pages are cached by their pixels, the software and the reading settings: the second run
    reads nothing again and writes the same cable; a changed OCR setting reads again."""
    from cableocr import pipeline
    from cableocr.config import OcrConfig, Settings

    manifest, out = bad_batch
    batch = Path(manifest.batch)
    before = (out / manifest.cables[0].path).read_bytes()
    reads = []
    original = pipeline.read_stored_page
    monkeypatch.setattr(pipeline, "read_stored_page", lambda *a: reads.append(a[0]) or original(*a))
    again = run_batch(batch, out)
    assert reads == [] and (out / again.cables[0].path).read_bytes() == before
    run_batch(batch, out, Settings(ocr=OcrConfig(reread_below=0.8)))
    assert len(reads) == 3  # the cable, the blank page and the memo: every page read again
