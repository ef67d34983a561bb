"""Files -> page images: PDF (rendered at 300 dpi), multi-page TIFF, PNG, JPEG.

Each page is identified by its source file, its index in that file and the hash of its decoded
pixels, and is written once to a page store (PNG named by that hash) so that later stages are
handed a path, not an image.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from pdf2image import convert_from_path, pdfinfo_from_path
from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError
from PIL import Image, ImageOps, UnidentifiedImageError

from cableocr.config import IngestConfig
from cableocr.errors import BatchNotFound, InputError
from cableocr.files import write_atomic
from cableocr.models import PageSource

IMAGE_SUFFIXES = {".png", ".tif", ".tiff", ".jpg", ".jpeg"}
PDF_SUFFIXES = {".pdf"}


def list_batch(batch: Path) -> list[Path]:
    """The batch's files, in name order: every regular, non-hidden file directly in the folder.

    Sub-folders are not descended into (the generator keeps its ground truth in one).
    """
    if not batch.is_dir():
        raise BatchNotFound(f"batch folder {batch} does not exist or is not a folder")
    return sorted(
        (p for p in batch.iterdir() if p.is_file() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )


def page_hash(image: np.ndarray) -> str:
    digest = hashlib.sha256(f"{image.shape}".encode())
    digest.update(np.ascontiguousarray(image).tobytes())
    return digest.hexdigest()


def to_grey(image: Image.Image) -> np.ndarray:
    """Any Pillow image (16-bit, CMYK, palette, with alpha, EXIF-rotated) as 8-bit greyscale."""
    image = ImageOps.exif_transpose(image)
    if image.mode.startswith("I") or image.mode == "F":
        array = np.asarray(image, dtype=np.float64)
        scale = 255.0 / 65535.0 if array.max() > 255 else 1.0
        return np.clip(array * scale, 0, 255).astype(np.uint8)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return np.asarray(image.convert("L"))


def _pdf_pages(path: Path, cfg: IngestConfig) -> Iterator[np.ndarray]:
    try:
        count = int(pdfinfo_from_path(str(path), timeout=cfg.pdf_timeout_s)["Pages"])
    except PDFInfoNotInstalledError as exc:
        raise InputError("poppler-utils is missing; install it (make deps does)") from exc
    except (PDFPageCountError, PDFSyntaxError, KeyError, ValueError) as exc:
        said = str(exc)
        if "Incorrect password" in said:
            raise InputError(f"{path.name}: the PDF is password-protected; supply an unlocked copy") from exc
        if "Invalid page count 0" in said or "can not be after the last page (0)" in said:
            raise InputError(f"{path.name}: the PDF has no pages") from exc
        raise InputError(f"{path.name}: not a readable PDF ({_detail(said)})") from exc
    if count == 0:
        raise InputError(f"{path.name}: the PDF has no pages")
    for number in range(1, count + 1):
        images = convert_from_path(
            str(path), dpi=cfg.dpi, first_page=number, last_page=number,
            grayscale=True, timeout=cfg.pdf_timeout_s,
        )
        if not images:
            raise InputError(f"{path.name}: page {number} could not be rendered")
        yield to_grey(images[0])


def _image_pages(path: Path) -> Iterator[np.ndarray]:
    try:
        with Image.open(path) as image:
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                image.load()
                yield to_grey(image)
    except Image.DecompressionBombError as exc:
        raise InputError(f"{path.name}: refused as a possible decompression bomb ({_first_line(exc)})") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"{path.name}: not a readable image ({_first_line(exc)})") from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _detail(said: str) -> str:
    """poppler's own words, its errors before its warnings."""
    lines = [ln.strip() for ln in said.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln]
    return "; ".join(errors[-2:] or lines[:1]) or "unknown error"


def sniff_kind(path: Path) -> str:
    """'pdf' or 'image' from the file's first bytes, whatever its name says."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise InputError(f"{path.name}: the file is empty (0 bytes)")
    return "pdf" if head.startswith(b"%PDF") else "image"


def read_pages(path: Path, cfg: IngestConfig) -> Iterator[np.ndarray]:
    """Every page of one input file as 8-bit greyscale. Raises InputError naming the file."""
    kind = sniff_kind(path)
    if path.suffix.lower() in PDF_SUFFIXES and kind != "pdf":
        raise InputError(f"{path.name}: named .pdf but is not a PDF")
    pages = _pdf_pages(path, cfg) if kind == "pdf" else _image_pages(path)
    for page in pages:
        if min(page.shape) < 32:
            raise InputError(f"{path.name}: page of {page.shape[1]}x{page.shape[0]} pixels is too small to be a scan")
        yield page


def store_page(image: np.ndarray, store: Path) -> str:
    """Write a page to the page store once; return its hash. Two files of one batch with the
    same pixels (a JPEG and a PNG saved from it) may store the same page at once: each writes
    its own temporary, and the second rename replaces the first with the same bytes."""
    digest = page_hash(image)
    target = store / f"{digest}.png"
    if not target.exists():
        encoded = io.BytesIO()
        Image.fromarray(image).save(encoded, format="PNG", compress_level=1)
        write_atomic(target, encoded.getvalue())
    return digest


def ingest_file(path: Path, batch: Path, store: Path, cfg: IngestConfig) -> list[PageSource]:
    """All pages of one file, stored; raises InputError if the file cannot be read at all."""
    relative = path.relative_to(batch).as_posix()
    return [
        PageSource(file=relative, index=i, sha256=store_page(image, store))
        for i, image in enumerate(read_pages(path, cfg))
    ]


def load_page(source: PageSource, store: Path) -> np.ndarray:
    return np.asarray(Image.open(store / f"{source.sha256}.png").convert("L"))
