"""A searchable PDF per cable: the page images with an invisible text layer laid on the lines,
so that selecting and searching Japanese works in a PDF reader, vertical columns included."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from cableocr.errors import MissingTool
from cableocr.models import Line, Page

# Images go into the PDF as binary JPEG, not ASCII85 text: the encoder is pure Python without
# reportlab's C accelerator and took 85% of the time of a PDF.
rl_config.useA85 = 0
FONT_NAME = "IPAMincho"
FONT_FILES = (
    "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-mincho.ttf",
)


@cache
def _register_font() -> str:
    for path in FONT_FILES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont(FONT_NAME, path))
            return FONT_NAME
    raise MissingTool("no Japanese font for the PDF text layer. Install fonts-ipafont-mincho (make deps does)")


def _invisible_line(pdf: canvas.Canvas, line: Line, page_height_pt: float, pt_per_px: float) -> None:
    """One line of invisible text stretched over the line's box: along it for horizontal text,
    turned a quarter down the column for vertical text (so readers keep the column together)."""
    text = line.text
    if not text:
        return
    b = line.box
    x0, x1 = b.x0 * pt_per_px, b.x1 * pt_per_px
    top, bottom = page_height_pt - b.y0 * pt_per_px, page_height_pt - b.y1 * pt_per_px
    vertical = line.writing_mode == "vertical"
    size = max((x1 - x0) if vertical else (top - bottom), 1.0) * 0.9
    length = (top - bottom) if vertical else (x1 - x0)
    natural = pdfmetrics.stringWidth(text, FONT_NAME, size) or 1.0
    pdf.saveState()
    if vertical:
        pdf.translate(x0, top)
        pdf.rotate(-90)
    else:
        pdf.translate(x0, bottom)
    run = pdf.beginText(0, size * 0.12)
    run.setTextRenderMode(3)  # invisible: neither filled nor stroked
    run.setFont(FONT_NAME, size)
    run.setHorizScale(100.0 * length / natural)
    run.textOut(text)
    pdf.drawText(run)
    pdf.restoreState()


def cable_pdf(pages: list[Page], images: list[np.ndarray], dpi: int = 300) -> bytes:
    """Pages (with their lines) over their images (as ingested at dpi, greyscale)."""
    pt_per_px = 72 / dpi
    _register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)  # invariant: no dates or ids, same input same bytes
    pdf.setCreator("cableocr")
    for page, image in zip(pages, images, strict=True):
        width_pt, height_pt = page.width * pt_per_px, page.height * pt_per_px
        pdf.setPageSize((width_pt, height_pt))
        jpeg = io.BytesIO()
        Image.fromarray(image).save(jpeg, format="JPEG", quality=80)
        jpeg.seek(0)
        pdf.drawImage(ImageReader(jpeg), 0, 0, width=width_pt, height=height_pt)
        for line in page.lines:
            if line.role != "noise":
                _invisible_line(pdf, line, height_pt, pt_per_px)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
