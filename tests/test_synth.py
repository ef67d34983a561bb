import hashlib

import numpy as np
from PIL import Image

from cableocr.synth import generate, load_truth, seed_files

SEED_5517 = next(p for p in seed_files() if p.name.startswith("004"))


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def test_same_seed_same_pages(tmp_path):
    generate(SEED_5517, tmp_path / "a", "horizontal", "medium", "png", 7)
    generate(SEED_5517, tmp_path / "b", "horizontal", "medium", "png", 7)
    generate(SEED_5517, tmp_path / "c", "horizontal", "medium", "png", 8)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_pages_are_a4_at_300_dpi_with_truth(tmp_path):
    truth = load_truth(generate(SEED_5517, tmp_path, "vertical", "clean", "png", 1))
    image = Image.open(tmp_path / truth.pages[0].file)
    assert image.size == (2480, 3508) and round(image.info["dpi"][0]) == 300
    assert truth.fields["cable_number"] == "5517" and truth.layout == "vertical"
    # serial, two times, one body redaction
    assert sum(len(p.redactions) for p in truth.pages) == 4
    assert "（了）" in truth.body_text


def test_pdf_and_tiff_hold_every_page(tmp_path):
    seed_5515 = next(p for p in seed_files() if p.name.startswith("000"))
    truth = load_truth(generate(seed_5515, tmp_path, "horizontal", "clean", "pdf", 1))
    assert {p.file for p in truth.pages} == {"5515-horizontal-clean.pdf"}
    assert [p.index for p in truth.pages] == list(range(len(truth.pages))) and len(truth.pages) >= 4
    truth = load_truth(generate(seed_5515, tmp_path, "horizontal", "clean", "tiff", 1))
    with Image.open(tmp_path / truth.pages[0].file) as tiff:
        assert tiff.n_frames == len(truth.pages)


def test_degradation_levels_get_worse(tmp_path):
    means = {}
    for level in ("clean", "medium", "poor"):
        truth = load_truth(generate(SEED_5517, tmp_path / level, "horizontal", level, "png", 3))
        page = np.asarray(Image.open(tmp_path / level / truth.pages[0].file), dtype=np.float64)
        means[level] = page.mean()
        assert abs(truth.pages[0].skew_deg) <= 3.0
    assert means["clean"] > means["medium"] > means["poor"]


def test_the_committed_sample_is_what_the_generator_writes(tmp_path):
    """scans/ and its ground truth are current: regenerated, they come out the same."""
    from pathlib import Path

    from cableocr.synth import write_sample

    scans = Path(__file__).resolve().parents[1] / "scans"
    for truth in write_sample(tmp_path):
        committed = scans / "truth" / truth.name
        assert truth.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
    for image in tmp_path.glob("*.jpg"):
        # The pixels, not the bytes: another libjpeg encodes the same page a few levels apart
        # (Pillow 13: mean 0.003, at most 11 of 255), and a byte diff of a page takes pytest minutes.
        drawn, kept = (np.asarray(Image.open(p).convert("L"), dtype=np.int16) for p in (image, scans / image.name))
        assert drawn.shape == kept.shape, f"{image.name}: the page's size changed"
        difference = np.abs(drawn - kept)
        assert difference.mean() < 0.5 and difference.max() <= 32, f"{image.name} is not what the generator draws"
    total = sum(p.stat().st_size for p in scans.rglob("*") if p.is_file())
    assert total < 4 * 2**20


def test_no_frame_line_runs_through_the_text(tmp_path):
    """On a clean page, no column (vertical text) or row (horizontal) of pixels beside or inside
    a drawn line is ink along most of the line: glyphs never are, a frame drawn across is. The
    notice box's frame once ran down the middle of its last column on vertical forms."""
    for layout in ("horizontal", "vertical"):
        truth = load_truth(generate(SEED_5517, tmp_path / layout, layout, "clean", "png", 1))
        page = truth.pages[0]
        ink = np.asarray(Image.open(tmp_path / layout / page.file).convert("L")) < 128
        for line in page.lines:
            x0, y0, x1, y1 = line.box
            band = ink[max(y0 - 4, 0) : y1 + 4, max(x0 - 4, 0) : x1 + 4]
            vertical = (line.writing_mode or truth.layout) == "vertical"
            along = band.mean(axis=0 if vertical else 1)
            if (y1 - y0 if vertical else x1 - x0) > 150:
                assert along.max() < 0.8, f"{layout}: a frame runs along {line.text!r}"
