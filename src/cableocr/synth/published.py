"""The published forms of a seed's translation, as historians bring them: the archive's web page
saved from the browser, its PDF download, text copied from either (one paragraph a line, no
blank lines; hard-wrapped lines; blank lines missing) and the typos real pages carry.

Each form is written from the seed file itself, not from the parser under test, and comes with
its truth: the header lines and paragraphs the form holds. The catalogue blocks an archive's
page puts around the cable (navigation, citation, associated people and places, related
documents, rights, source) are written too, since a parser must keep them out of the text."""

from __future__ import annotations

import html
import re
import textwrap
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class PublishedForm(StrEnum):
    MARKDOWN = "markdown"  # the seed file as it is
    WEB_COPY = "web-copy"  # text copied from the web page: one paragraph a line, no blank lines
    WRAPPED = "wrapped"  # hard-wrapped at 76 columns, paragraphs apart
    WRAPPED_NO_BLANKS = "wrapped-no-blanks"  # text copied from a PDF: wrapped, nothing between paragraphs
    MISSING_BLANKS = "missing-blanks"  # the Markdown with a blank line lost here and there
    TYPOS = "typos"  # web copy with the furniture's typos: September28, No.5515, From:Ambassador, nbsp
    HTML = "html"  # the catalogue page saved from the browser
    PDF = "pdf"  # the archive's PDF download: a header and a footer on each page


SUFFIXES = {PublishedForm.HTML: ".html", PublishedForm.PDF: ".pdf", PublishedForm.MARKDOWN: ".md"}


class SeedTranslation(BaseModel):
    """A seed's translation as its file gives it."""

    model_config = ConfigDict(frozen=True)
    date: str
    title: str  # the catalogue title: Cable No. 5515, Ambassador Hatano to the Foreign Minister, '…'
    citation: str
    summary: str
    url: str
    header_lines: list[str]  # Number: … From: …, then the subject, the No. line and any caveat
    paragraphs: list[str]


class PublishedTruth(BaseModel):
    model_config = ConfigDict(frozen=True)
    form: PublishedForm
    path: str
    title_number: str
    paragraphs: list[str]


_FORM_LINE = re.compile(r"^(Number|Primary|Sent|Received|To|From|Drafted)\s*:")
_NUMBER_LINE = re.compile(r"^No\.\s*\d+")


def _unbold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def _blocks(text: str) -> list[str]:
    return [_unbold(b) for b in re.split(r"\n\s*\n", text) if b.strip()]


def read_seed_translation(path: Path) -> SeedTranslation:
    """The catalogue and the English text of a seed file (the Japanese transcription left out)."""
    text = path.read_text(encoding="utf-8")
    catalogue, _, rest = text.partition("Contents:")
    english = rest.partition("Translation - English")[2]
    english = english[re.search(r"^Number:", english, re.M).start():]
    blocks = _blocks(catalogue)
    label = {b.rstrip(":"): i for i, b in enumerate(blocks) if b.endswith(":")}
    citation_block = blocks[label["Citation"] + 1]
    url = re.search(r"<(https?://[^>]+)>", citation_block).group(1)
    english_blocks = _blocks(english)
    number_at = next(i for i, b in enumerate(english_blocks) if _NUMBER_LINE.match(b))
    body_at = number_at + 1 + (english_blocks[number_at + 1].startswith("("))
    if english_blocks[body_at - 1].startswith("(") and not english_blocks[body_at - 1].endswith(")"):
        body_at -= 1  # a speaker's turn, not a caveat
    paragraphs: list[str] = []
    for block in english_blocks[body_at:]:  # a page break in the scan split a paragraph: join it
        if paragraphs and block[:1].islower():
            paragraphs[-1] = f"{paragraphs[-1]} {block}"
        else:
            paragraphs.append(block)
    return SeedTranslation(
        date=blocks[0], title=blocks[1], citation=citation_block.split("<")[0].strip(),
        summary=blocks[label["Summary"] + 1], url=url,
        header_lines=english_blocks[:body_at], paragraphs=paragraphs)


def _retitled(seed: SeedTranslation, title_number: str | None) -> str:
    return re.sub(r"Cable No\. \d+", f"Cable No. {title_number}", seed.title) if title_number else seed.title


def _citation(seed: SeedTranslation, title: str) -> str:
    return re.sub(r"Cable No\. \d+", title.split(",")[0], seed.citation)


def _catalogue_before(seed: SeedTranslation, title: str) -> list[str]:
    return [seed.date, title, "Citation:", _citation(seed, title), seed.url, "Summary:", seed.summary, "Original Language:", "Japanese", "Contents:", "Original Scan",
            "Translation - English"]


def _related(seed: SeedTranslation) -> list[str]:
    number = int(re.search(r"Cable No\. (\d+)", seed.title).group(1))
    return [f"Cable No. {n}, Ambassador Hatano to the Foreign Minister, 'Japan-United States Summit Meeting'"
            for n in (number - 2, number + 1)]


def _catalogue_after(seed: SeedTranslation) -> list[str]:
    return ["Associated People & Organizations", "Hosokawa, Morihiro, 1938-", "Clinton, Bill, 1946-",
            "Associated Places", "Japan", "United States", "Associated Topics", "Japan-United States relations",
            "Related Documents", *_related(seed),
            "Rights", "The history and public policy program makes these documents available for research. "
            "Permission to publish may be required.",
            "Source", "Diplomatic Archives of the Ministry of Foreign Affairs of Japan, File No. 2014-00539.",
            "Original Classification", "Top Secret", "Record ID", seed.url.rsplit("/", 1)[-1]]


def _web_lines(seed: SeedTranslation, title: str) -> list[str]:
    return [*_catalogue_before(seed, title), *seed.header_lines, *seed.paragraphs, *_catalogue_after(seed)]


def _wrapped(lines: list[str], width: int, blank_between: bool) -> str:
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, width=width, break_long_words=False))
        if blank_between:
            out.append("")
    return "\n".join(out) + "\n"


def _missing_blanks(seed_text: str) -> str:
    """Every third blank line of the English part lost (header lines and paragraphs run on)."""
    head, marker, english = seed_text.partition("\nNumber:")
    parts = english.split("\n\n")
    joined = parts[0]
    for n, part in enumerate(parts[1:]):
        joined += ("\n" if n % 3 == 0 else "\n\n") + part
    return head + marker + joined


def _typos(lines: list[str]) -> str:
    """The furniture's slips seen on real pages; the paragraphs' words are left as published."""
    def slip(line: str) -> str:
        line = re.sub(r"^(From|To):\s*", r"\1:", line)
        line = re.sub(r"([A-Z][a-z]+) (\d{1,2}, \d{4})", r"\1\2", line)
        line = re.sub(r"^No\. (\d+)", r"No.\1", line)
        return line.replace("Top Urgent", "Top  Urgent").replace(" Ambassador", "\u00a0Ambassador") + "  "
    return "\n".join(slip(line) for line in lines) + "\n"


def _html_page(seed: SeedTranslation, title: str) -> str:
    e = html.escape
    fields = [line for line in seed.header_lines if _FORM_LINE.match(line)]
    rest = seed.header_lines[len(fields):]
    body = "\n".join(f"<p>{e(p)}</p>" if not _NUMBER_LINE.match(p) else f"<p><strong>{e(p)}</strong></p>"
                     for p in [*rest, *seed.paragraphs])
    # Source text wrapped inside the elements, as a page's HTML is: the reader must not take it for lines.
    body = "\n".join(textwrap.wrap(body, width=100, break_long_words=False, break_on_hyphens=False))
    after = _catalogue_after(seed)
    related = "".join(f"<li><a href='#'>{e(t)}</a></li>" for t in _related(seed))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)} | Wilson Center Digital Archive</title>
<style>body {{ font-family: serif; }} .site-nav li {{ display: inline; }}</style>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head><body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><div class="logo">Wilson Center Digital Archive</div>
<nav class="site-nav" aria-label="Main"><ul><li><a href="/">Home</a></li><li><a href="/browse">Browse</a></li>
<li><a href="/collections">Collections</a></li><li><a href="/search">Search</a></li><li><a href="/about">About</a></li></ul></nav>
<form class="search" role="search"><input name="q" placeholder="Search the archive"><button>Search</button></form></header>
<nav class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/collections">Collections</a> &rsaquo; Japan-US Relations</nav>
<main id="main"><article class="document">
<div class="document-date">{e(seed.date)}</div>
<h1 class="document-title">{e(title)}</h1>
<section class="citation"><h2>Citation:</h2><p>{e(_citation(seed, title))}</p><p><a href="{e(seed.url)}">{e(seed.url)}</a></p><button class="copy">Copy citation</button></section>
<section class="summary"><h2>Summary:</h2><p>{e(seed.summary)}</p></section>
<section><h2>Original Language:</h2><p>Japanese</p></section>
<section class="contents"><h2>Contents:</h2><ul><li>Original Scan</li><li>Translation - English</li></ul></section>
<div class="document-text"><h2>Translation - English</h2>
<p>{"<br>".join(e(f) for f in fields)}</p>
{body}
</div></article>
<section class="associated"><h3>{e(after[0])}</h3><ul><li>{e(after[1])}</li><li>{e(after[2])}</li></ul>
<h3>Associated Places</h3><ul><li>Japan</li><li>United States</li></ul></section>
<aside class="related"><h3>Related Documents</h3><ul>{related}</ul></aside>
<section class="rights"><h3>Rights</h3><p>{e(after[after.index("Rights") + 1])}</p>
<h3>Source</h3><p>{e(after[after.index("Source") + 1])}</p></section>
</main>
<footer class="site-footer"><p>Wilson Center &middot; One Woodrow Wilson Plaza &middot; Washington, DC</p>
<nav><a href="/privacy">Privacy</a> <a href="/terms">Terms of use</a></nav></footer>
</body></html>
"""


class PdfStyle(BaseModel):
    """How a PDF sets its text: the archive's download (Times, paragraphs apart, justified), or
    another producer's (another face and size, A4, first lines indented, nothing between)."""

    model_config = ConfigDict(frozen=True)
    font: str = "Times-Roman"
    size: float = 11
    a4: bool = False
    space_after: float = 8
    first_line_indent: float = 0
    justified: bool = True


def _pdf(seed: SeedTranslation, title: str, path: Path, style: PdfStyle) -> None:
    """The archive's PDF download: the catalogue, then the translation; a header and a footer with
    the page number on every page."""
    from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
    from reportlab.lib.pagesizes import A4, letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    page_size = A4 if style.a4 else letter
    body = ParagraphStyle("body", fontName=style.font, fontSize=style.size, leading=style.size * 1.27,
                          alignment=TA_JUSTIFY if style.justified else TA_LEFT, spaceAfter=style.space_after,
                          firstLineIndent=style.first_line_indent)
    bold = {"Times-Roman": "Times-Bold", "Helvetica": "Helvetica-Bold", "Courier": "Courier-Bold"}[style.font]
    heading = ParagraphStyle("heading", parent=body, fontName=bold, spaceBefore=6, firstLineIndent=0)
    title_style = ParagraphStyle("title", parent=heading, fontSize=15, leading=19)
    fields_style = ParagraphStyle("fields", parent=body, firstLineIndent=0)

    def furniture(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        width, height = page_size
        canvas.drawString(72, height - 40, "Wilson Center Digital Archive")
        canvas.drawRightString(width - 72, height - 40, "Translation - English")
        canvas.drawString(72, 36, seed.url)
        canvas.drawRightString(width - 72, 36, f"Page {doc.page}")
        canvas.restoreState()

    e = html.escape
    story = [Paragraph(e(seed.date), body), Paragraph(e(title), title_style)]
    for label, text in (("Citation:", _citation(seed, title)),
                        ("Summary:", seed.summary), ("Original Language:", "Japanese"),
                        ("Contents:", "Original Scan<br/>Translation - English")):
        story += [Paragraph(label, heading), Paragraph(text if "<br/>" in text else e(text), body)]
    story.append(Spacer(1, 12))
    fields = [line for line in seed.header_lines if _FORM_LINE.match(line)]
    story.append(Paragraph("<br/>".join(e(f) for f in fields), fields_style))
    story += [Paragraph(e(p), body) for p in seed.header_lines[len(fields):] + seed.paragraphs]
    doc = SimpleDocTemplate(str(path), pagesize=page_size, leftMargin=72, rightMargin=72, topMargin=72,
                            bottomMargin=72, title=title, invariant=1)
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)


def write_published(seed_path: Path, form: PublishedForm, out_dir: Path, *, title_number: str | None = None,
                    wrap_width: int = 76, pdf_style: PdfStyle | None = None) -> PublishedTruth:
    """Write one published form of the seed's translation into out_dir. title_number puts another
    number in the catalogue title (real pages have `Cable No. 785` over `No. 786`); wrap_width and
    pdf_style vary the wrapped and PDF forms (the defaults are what the parser was built on)."""
    seed = read_seed_translation(seed_path)
    title = _retitled(seed, title_number)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{seed_path.stem}-{form.value}{SUFFIXES.get(form, '.txt')}"
    lines = _web_lines(seed, title)
    if form is PublishedForm.MARKDOWN:
        catalogue, contents, rest = seed_path.read_text(encoding="utf-8").partition("Contents:")
        if title_number:
            catalogue = re.sub(r"Cable No\. \d+", f"Cable No. {title_number}", catalogue)
        path.write_text(catalogue + contents + rest, encoding="utf-8")
    elif form is PublishedForm.WEB_COPY:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif form is PublishedForm.WRAPPED:
        path.write_text(_wrapped(lines, wrap_width, blank_between=True), encoding="utf-8")
    elif form is PublishedForm.WRAPPED_NO_BLANKS:
        path.write_text(_wrapped(lines, wrap_width, blank_between=False), encoding="utf-8")
    elif form is PublishedForm.MISSING_BLANKS:
        path.write_text(_missing_blanks(seed_path.read_text(encoding="utf-8")), encoding="utf-8")
    elif form is PublishedForm.TYPOS:
        path.write_text(_typos(lines), encoding="utf-8")
    elif form is PublishedForm.HTML:
        path.write_text(_html_page(seed, title), encoding="utf-8")
    elif form is PublishedForm.PDF:
        _pdf(seed, title, path, pdf_style or PdfStyle())
    number = re.search(r"Cable No\. (\d+)", title).group(1)
    return PublishedTruth(form=form, path=str(path), title_number=number, paragraphs=seed.paragraphs)
