"""Every kind of input, good and bad: pages with hashes, or a clear error naming the file."""

import numpy as np
import pytest
from PIL import Image

from cableocr.config import IngestConfig
from cableocr.errors import BatchNotFound, InputError
from cableocr.ingest import ingest_file, list_batch, load_page, read_pages

CFG = IngestConfig()


def _page(seed=0, shape=(400, 300)):
    rng = np.random.default_rng(seed)
    return (rng.random(shape) * 255).astype(np.uint8)


def test_png_jpeg_tiff_and_pdf_give_their_pages(tmp_path):
    a, b = Image.fromarray(_page(1)), Image.fromarray(_page(2))
    a.save(tmp_path / "one.png")
    a.save(tmp_path / "two.jpg")
    a.save(tmp_path / "three.tif", save_all=True, append_images=[b])
    a.save(tmp_path / "four.pdf", save_all=True, append_images=[b, a], resolution=72.0)
    counts = {p.name: len(list(read_pages(p, CFG))) for p in list_batch(tmp_path)}
    assert counts == {"four.pdf": 3, "one.png": 1, "three.tif": 2, "two.jpg": 1}


def test_pages_are_stored_by_content_hash(tmp_path):
    batch, store = tmp_path / "batch", tmp_path / "store"
    batch.mkdir()
    Image.fromarray(_page(1)).save(batch / "a.tif", save_all=True, append_images=[Image.fromarray(_page(2))])
    sources = ingest_file(batch / "a.tif", batch, store, CFG)
    assert [s.index for s in sources] == [0, 1] and sources[0].sha256 != sources[1].sha256
    assert np.array_equal(load_page(sources[1], store), _page(2))


def test_sixteen_bit_and_cmyk_are_converted_not_rejected(tmp_path):
    deep = (np.linspace(0, 65535, 400 * 300).reshape(400, 300)).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.tif")
    Image.new("CMYK", (300, 400), (0, 0, 0, 255)).save(tmp_path / "cmyk.tif")
    (grey16,) = read_pages(tmp_path / "deep.tif", CFG)
    (black,) = read_pages(tmp_path / "cmyk.tif", CFG)
    assert grey16.dtype == np.uint8 and grey16.max() == 255 and grey16.min() == 0
    assert black.max() < 10


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.png", b"", "empty"),
        ("notes.pdf", b"these are not scans", "not a PDF"),
        ("notes.txt", b"these are not scans", "not a readable image"),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj <<", "not a readable PDF"),
    ],
)
def test_unreadable_files_raise_an_error_naming_the_file(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError) as err:
        list(read_pages(tmp_path / name, CFG))
    assert name in str(err.value) and reason in str(err.value)


def test_a_one_pixel_image_is_refused(tmp_path):
    Image.new("L", (1, 1)).save(tmp_path / "dot.png")
    with pytest.raises(InputError, match="too small"):
        list(read_pages(tmp_path / "dot.png", CFG))


def test_missing_batch_folder(tmp_path):
    with pytest.raises(BatchNotFound):
        list_batch(tmp_path / "nowhere")


def test_batch_lists_files_in_name_order_and_skips_hidden_and_folders(tmp_path):
    for name in ("b.png", "a.pdf", ".hidden"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "truth").mkdir()
    assert [p.name for p in list_batch(tmp_path)] == ["a.pdf", "b.png"]
