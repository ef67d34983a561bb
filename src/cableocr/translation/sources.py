"""A translation file as text, whatever it was saved as: plain text or Markdown (any Unicode
encoding with a byte-order mark), a web page saved from the browser (navigation dropped, one
paragraph a block), or a PDF download (its text layer through poppler, page headers and footers
removed, lines rejoined into paragraphs by their geometry). Paragraphs come out separated by
blank lines wherever the file's structure says where they end."""

from __future__ import annotations

import codecs
import re
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cableocr.translation.layout import join_wrapped
from cableocr.translation.models import SourceFormat
from cableocr.translation.vocabulary import SENTENCE_END, STARTS_PARAGRAPH

SUFFIXES = {".txt": SourceFormat.TEXT, ".md": SourceFormat.MARKDOWN, ".markdown": SourceFormat.MARKDOWN,
            ".html": SourceFormat.HTML, ".htm": SourceFormat.HTML, ".pdf": SourceFormat.PDF}

# Byte-order marks, longest first (UTF-32's begins like UTF-16's): Windows saves "Unicode"
# text as UTF-16 with one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_text_file(path: Path) -> str:
    """A text file as saved by any editor: UTF-8, or UTF-8, UTF-16 or UTF-32 behind a byte-order
    mark. Raises ValueError naming the file when it is none of them."""
    data = path.read_bytes()
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not text in {encoding.upper().replace('-SIG', '')} (byte {exc.start}); "
                         f"save it as UTF-8") from exc


def source_format(path: Path) -> SourceFormat:
    return SUFFIXES.get(path.suffix.lower(), SourceFormat.TEXT)


def read_translation_source(path: Path) -> tuple[str, SourceFormat]:
    """The file's text and what it was. Raises ValueError naming the file when it cannot be read."""
    fmt = source_format(path)
    if fmt is SourceFormat.HTML:
        return html_text(read_text_file(path)), fmt
    if fmt is SourceFormat.PDF:
        return pdf_text(path), fmt
    return read_text_file(path), fmt


# ---- saved web pages ----------------------------------------------------------------------

# What a page carries besides the document: dropped whole.
_NOT_CONTENT_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "nav", "aside", "footer", "form",
                     "button", "select", "input", "head")
_NOT_CONTENT_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_NOT_CONTENT_CLASS = re.compile(r"(^|[-_\s])(nav|navbar|menu|breadcrumbs?|skip-link|share|social|cookie|sidebar|"
                                r"site-header|site-footer|footer|toolbar|pagination)($|[-_\s])", re.I)
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6", "li",
               "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "blockquote", "pre", "figure",
               "figcaption", "address", "hr"}


def _is_boilerplate(tag) -> bool:
    if tag.name in _NOT_CONTENT_TAGS or (tag.get("role") or "") in _NOT_CONTENT_ROLES:
        return True
    classes = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
    return bool(_NOT_CONTENT_CLASS.search(classes)) or tag.get("aria-hidden") == "true"


def html_text(markup: str) -> str:
    """The document's text of a saved web page: navigation, scripts and page furniture dropped,
    each block element a paragraph, a <br> a line break, the source's own line wrapping undone."""
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(markup, "html.parser")
    for tag in [t for t in soup.find_all(True) if _is_boilerplate(t)]:
        if not tag.decomposed:
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    pieces: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                    continue
                pieces.append(re.sub(r"\s+", " ", str(child)))
            elif isinstance(child, Tag):
                if child.name == "br":
                    pieces.append("\n")
                    continue
                block = child.name in _BLOCK_TAGS
                if block:
                    pieces.append("\n\n")
                walk(child)
                if block:
                    pieces.append("\n\n")

    walk(root)
    lines = [line.strip() for line in "".join(pieces).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


# ---- PDF downloads ------------------------------------------------------------------------

@dataclass(frozen=True)
class _PdfLine:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    page_height: float
    first_word_width: float
    word_gaps: tuple[float, ...]  # the spaces between its words

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _pdf_lines(path: Path) -> list[_PdfLine]:
    """Every text line of the PDF with its box, through poppler's pdftotext -bbox-layout."""
    from bs4 import BeautifulSoup

    try:
        done = subprocess.run(["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, check=False, timeout=300)
    except FileNotFoundError as exc:
        raise ValueError(f"{path.name}: reading a PDF needs poppler's pdftotext (apt install poppler-utils)") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(f"{path.name}: not a readable PDF ({reason[-1] if reason else 'pdftotext failed'})")
    soup = BeautifulSoup(done.stdout.decode("utf-8", "replace"), "html.parser")
    lines = []
    for number, page in enumerate(soup.find_all("page")):
        height = float(page.get("height", 792))
        for line in page.find_all("line"):
            words = line.find_all("word")
            if not words:
                continue
            first = float(words[0]["xmax"]) - float(words[0]["xmin"])
            gaps = tuple(float(b["xmin"]) - float(a["xmax"]) for a, b in zip(words, words[1:], strict=False))
            lines.append(_PdfLine(number, float(line["xmin"]), float(line["ymin"]), float(line["xmax"]),
                                  float(line["ymax"]), " ".join(w.get_text() for w in words), height, first, gaps))
    return lines


_PAGE_NUMBER = re.compile(r"^(page\s*)?[-–]?\s*\d+\s*[-–]?(\s*(of|/)\s*\d+)?$", re.I)


def _furniture(lines: list[_PdfLine]) -> set[int]:
    """Indexes of the running headers and footers: lines in the top or bottom margin whose text
    (digits aside) comes back on other pages, and page numbers."""
    pages = {ln.page for ln in lines}
    margin = {i for i, ln in enumerate(lines) if ln.y1 < 0.1 * ln.page_height or ln.y0 > 0.9 * ln.page_height}
    shape = {i: re.sub(r"\d+", "#", lines[i].text.lower()) for i in margin}
    on_pages: dict[str, set[int]] = {}
    for i, key in shape.items():
        on_pages.setdefault(key, set()).add(lines[i].page)
    recurring = {i for i, key in shape.items() if len(pages) > 1 and len(on_pages[key]) > 1}
    numbered = {i for i in margin if _PAGE_NUMBER.match(lines[i].text)}
    # A single page: a margin line standing well apart from the text is furniture too.
    body = [ln for i, ln in enumerate(lines) if i not in margin]
    apart = set()
    if len(pages) == 1 and body:
        pitch = statistics.median(ln.height for ln in body)
        top, bottom = min(ln.y0 for ln in body), max(ln.y1 for ln in body)
        apart = {i for i in margin if lines[i].y1 < top - 2 * pitch or lines[i].y0 > bottom + 2 * pitch}
    return recurring | numbered | apart


def _ends_paragraph(line: _PdfLine, following: _PdfLine, right: float, left: float, pitch: float,
                    space: float, leading_gap: float) -> bool:
    """The line stops where the next line's first word would have fitted (set flush or ragged,
    a paragraph goes on to the margin), the next line is indented, a wider gap follows (not
    across a page break, where the gap says nothing), or a sentence ends and the next line
    opens a speaker's turn or the forwarding line."""
    room_left = line.x1 + space + following.first_word_width < right - 0.5 * space
    indented = following.x0 > left + 0.8 * pitch
    spaced = following.page == line.page and following.y0 - line.y1 > leading_gap + 0.5 * pitch
    turn = bool(SENTENCE_END.search(line.text) and STARTS_PARAGRAPH.match(following.text))
    return room_left or indented or spaced or turn


def pdf_text(path: Path) -> str:
    """The text layer of a PDF, running headers and footers dropped, each paragraph on one line
    and paragraphs apart (see _ends_paragraph)."""
    lines = _pdf_lines(path)
    if not lines:
        raise ValueError(f"{path.name}: the PDF has no text layer (a scanned translation needs OCR first)")
    drop = _furniture(lines)
    body = [ln for i, ln in enumerate(lines) if i not in drop]
    if not body:
        return ""
    pitch = statistics.median(ln.height for ln in body)
    # The narrowest spaces are the font's own (justified lines stretch theirs).
    gaps = sorted(g for ln in body for g in ln.word_gaps if g > 0)
    space = gaps[len(gaps) // 10] if gaps else 0.3 * pitch
    right = max(ln.x1 for ln in body)
    # The usual gap between one line and the next: paragraphs set apart have more.
    leading_gap = statistics.median([b.y0 - a.y1 for a, b in zip(body, body[1:], strict=False)
                                     if a.page == b.page and b.y0 > a.y1] or [0.0])
    left = min(ln.x0 for ln in body)
    paragraphs, current = [], [body[0].text]
    for line, following in zip(body, body[1:], strict=False):
        if _ends_paragraph(line, following, right, left, pitch, space, leading_gap):
            paragraphs.append(current)
            current = []
        current.append(following.text)
    paragraphs.append(current)
    return "\n\n".join(_joined(p) for p in paragraphs) + "\n"


def _joined(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        text = join_wrapped(text, line)
    return text
