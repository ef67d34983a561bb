"""Draw a cable's pages on the printed telegram form, horizontal or vertical, with ground truth."""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from cableocr.synth.seed import SENDER_TITLES, CableSpec, Paragraph


@dataclass(frozen=True)
class Typeface:
    path: Path
    package: str  # the Debian package that installs it (the Makefile's APT_PACKAGES)
    index: int = 0  # the face inside a collection (Noto's .ttc: 0 is the Japanese one)


# The typefaces the generator sets cables in: the Mincho of the seeds' era, and others a
# printer or typewriter of another decade might have used.
TYPEFACES: dict[str, Typeface] = {
    "ipa-mincho": Typeface(Path("/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"), "fonts-ipafont-mincho"),
    "ipa-gothic": Typeface(Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"), "fonts-ipafont-gothic"),
    "ipaex-mincho": Typeface(Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"), "fonts-ipaexfont-mincho"),
    "ipaex-gothic": Typeface(Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"), "fonts-ipaexfont-gothic"),
    "noto-serif": Typeface(Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"), "fonts-noto-cjk"),
    "noto-sans": Typeface(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), "fonts-noto-cjk"),
}
DEFAULT_TYPEFACE = "ipa-mincho"
_typeface: ContextVar[str] = ContextVar("typeface", default=DEFAULT_TYPEFACE)
PAGE_W, PAGE_H = 2480, 3508  # A4 at 300 dpi
MARGIN = 200
BODY_SIZE = 44
BODY_PITCH = 74
DECLASSIFICATION = ("秘密指定解除", "外交記録・情報公開室")


def font_path(name: str | None = None) -> Path:
    typeface = TYPEFACES[name or _typeface.get()]
    if not typeface.path.exists():
        raise FileNotFoundError(f"no {name or _typeface.get()} font at {typeface.path}: install {typeface.package} "
                                "(make deps does)")
    return typeface.path


@lru_cache(maxsize=64)
def _face(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), size, index=TYPEFACES[name].index)


def font(size: int) -> ImageFont.FreeTypeFont:
    """The typeface the cable is being set in (set_in), at size px."""
    return _face(_typeface.get(), size)


@contextmanager
def set_in(typeface: str):
    """Render in this typeface (a name of TYPEFACES) within the block."""
    if typeface not in TYPEFACES:
        raise ValueError(f"unknown typeface {typeface!r}; known: {', '.join(TYPEFACES)}")
    token = _typeface.set(typeface)
    try:
        yield
    finally:
        _typeface.reset(token)


@dataclass
class TruthLine:
    text: str
    role: str  # furniture | header | body
    box: tuple[int, int, int, int]
    writing_mode: str | None = None  # set where it differs from the page's (a horizontal stamp)


@dataclass
class DrawnPage:
    image: Image.Image
    vertical: bool
    lines: list[TruthLine] = field(default_factory=list)
    redactions: list[tuple[int, int, int, int]] = field(default_factory=list)
    redaction_hides: list[str] = field(default_factory=list)  # what each redaction covers


class Flow:
    """Lines (horizontal) or columns right to left (vertical) laid one after another on a page."""

    def __init__(self, page: DrawnPage, start: int):
        self.page = page
        self.draw = ImageDraw.Draw(page.image)
        self.vertical = page.vertical
        self.cursor = start  # y of the next line, or x of the next column's right edge

    def _kw(self) -> dict:
        return {"direction": "ttb", "features": ["vert"]} if self.vertical else {}

    def advance_of(self, text: str, size: int) -> int:
        if not text:
            return 0
        return math.ceil(font(size).getlength(text, **self._kw()))

    def room(self, pitch: int) -> bool:
        if self.vertical:
            return self.cursor - pitch >= MARGIN
        return self.cursor + pitch <= PAGE_H - MARGIN - 80

    def line(self, segments, role: str, size: int = BODY_SIZE, pitch: int = BODY_PITCH, offset: int = 0,
             hides: str = "body"):
        """Draw one line of text, boxed text and redaction segments (('text', str), ('boxed', str),
        ('redact', n_chars)); hides names what a redaction on it covers."""
        pos = MARGIN + offset
        across = self.cursor if not self.vertical else self.cursor - size - (pitch - size) // 2
        start, texts = pos, []
        for kind, value in segments:
            if kind == "redact":
                length = value * size
                box = self._box(pos, pos + length, across, size)
                self.draw.rectangle(box, fill=0)
                self.page.redactions.append(box)
                self.page.redaction_hides.append(hides)
                pos += length
                continue
            # A stamp or a title in a printed box: the frame, a fifth of a character clear of
            # the text all round, is not text.
            pad = size // 5 if kind == "boxed" else 0
            length = self.advance_of(value, size)
            pos += pad
            xy = (pos, across) if not self.vertical else (across, pos)
            self.draw.text(xy, value, font=font(size), fill=0, **self._kw())
            texts.append(value)
            if pad:
                x0, y0, x1, y1 = self._box(pos, pos + length, across, size)
                self.draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), outline=0, width=max(size // 14, 2))
            pos += length + pad
        text = "".join(texts)
        if text.strip():
            self.page.lines.append(TruthLine(text, role, self._box(start, pos, across, size)))
        self.cursor = self.cursor + pitch if not self.vertical else self.cursor - pitch

    def _box(self, along0: int, along1: int, across: int, size: int) -> tuple[int, int, int, int]:
        if self.vertical:
            return (across, along0, across + size, along1)
        return (along0, across, along1, across + size + size // 5)

    def paragraph(self, para: Paragraph, role: str = "body") -> Paragraph | None:
        """Wrap a paragraph into lines; return what did not fit on this page, or None."""
        extent = (PAGE_H if self.vertical else PAGE_W) - 2 * MARGIN
        if para.redaction_chars:
            if not self.room(BODY_PITCH):
                return para
            self.line([("redact", para.redaction_chars)], role)
            return None
        indent = 0 if para.continues else BODY_SIZE
        rest = para.text
        while rest:
            if not self.room(BODY_PITCH):
                return Paragraph(text=rest, continues=True)
            cut = self._fit(rest, extent - indent)
            self.line([("text", rest[:cut])], role, offset=indent)
            rest, indent = rest[cut:], 0
        return None

    def _fit(self, text: str, extent: int) -> int:
        used = 0
        for i, ch in enumerate(text):
            used += self.advance_of(ch, BODY_SIZE)
            if used > extent:
                # Keep closing punctuation on the line it closes (kinsoku), by letting it overhang.
                return i + 1 if ch in "、。）」" else i
        return len(text)


def _notice_box(flow: Flow, lines: list[str]) -> None:
    size, pitch = 32, 48
    start = flow.cursor
    for text in lines:
        flow.line([("text", text)], "furniture", size=size, pitch=pitch, offset=20)
    longest = max(flow.advance_of(t, size) for t in lines) + 40
    if flow.vertical:  # the last column's left edge is (pitch - size) / 2 right of the cursor
        box = (flow.cursor + (pitch - size) // 2 - 10, MARGIN - 10, start + 10, MARGIN + longest)
    else:
        box = (MARGIN - 10, start - 10, MARGIN + longest, flow.cursor)
    flow.draw.rectangle(box, outline=0, width=3)
    flow.cursor += 30 if not flow.vertical else -30


def _declassification_stamp(page: DrawnPage, centre: tuple[int, int], angle: float) -> None:
    """The later stamp, in lighter ink, askew; recorded as furniture."""
    w, h = 640, 190
    stamp = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(stamp)
    d.rectangle((4, 4, w - 5, h - 5), outline=90, width=5)
    d.text((60, 25), DECLASSIFICATION[0], font=font(56), fill=90)
    d.text((40, 105), DECLASSIFICATION[1], font=font(48), fill=90)
    rotated = stamp.rotate(angle, expand=True, fillcolor=255)
    x, y = centre[0] - rotated.width // 2, centre[1] - rotated.height // 2
    mask = rotated.point(lambda v: 255 if v < 250 else 0)
    page.image.paste(rotated, (x, y), mask)
    page.lines.append(TruthLine("".join(DECLASSIFICATION), "furniture", (x, y, x + rotated.width, y + rotated.height)))


def _classification_stamp(flow: Flow, text: str) -> None:
    """The classification (極秘), stamped across the top of the form. On a vertical form it
    still reads left to right: the page mixes directions, as real vertical cables do."""
    if not flow.vertical:
        flow.line([("text", text)], "furniture", size=60, pitch=90)
        return
    size = 60
    width = math.ceil(font(size).getlength(text))
    x, y = flow.cursor - width, MARGIN
    flow.draw.text((x, y), text, font=font(size), fill=0)
    if text.strip():
        flow.page.lines.append(TruthLine(text, "furniture", (x, y, x + width, y + size), "horizontal"))
    flow.cursor -= width + 40


# The header blocks of each form of telegram, in the order the form prints them. A spec's
# header_order sets them in another order: the same form filled in by another office, year or
# typist. copy and draft are the 1990s forms of the seeds; copy-1970s an incoming copy with a
# (TA) serial, Western years with hours, boxed stamps and a boxed title and often no 第N号;
# draft-1960s an outgoing 外務省電信案 with its 総第N号 beside 第N号, 件名 and a transmission code.
FORMS = ("copy", "draft", "copy-1970s", "draft-1960s")
FORM_ORDERS: dict[str, tuple[str, ...]] = {
    "copy": ("serial", "bureau", "sent", "received", "addressee", "sender", "subject", "number", "caveat"),
    "draft": ("serial", "bureau", "drafted", "addressee", "sender", "subject", "number", "caveat"),
    "copy-1970s": ("serial", "bureau", "marks", "sent", "received", "number", "addressee", "sender", "subject"),
    "draft-1960s": ("drafted", "bureau", "numbers", "marks", "subject", "route", "code"),
}
FORM_TITLES = {"copy": "電信写", "draft": "電信案", "copy-1970s": "電信写", "draft-1960s": "外務省電信案"}


def _furniture_top(flow: Flow, spec: CableSpec) -> None:
    if spec.form in ("copy", "draft"):  # the notice box and the 極秘 stamp of the 1990s forms
        _notice_box(flow, spec.notice_lines)
        _classification_stamp(flow, spec.classification or "　")
    flow.line([("text", FORM_TITLES[spec.form])], "furniture", size=60, pitch=100, offset=600)


def _header(flow: Flow, spec: CableSpec) -> None:
    for block in spec.header_order or FORM_ORDERS[spec.form]:
        HEADER_BLOCKS[block](flow, spec)


def _serial(flow: Flow, spec: CableSpec) -> None:
    if spec.serial_redacted:
        flow.line([("text", "総番号　"), ("redact", 6)], "header", hides="serial_number")
    else:
        gap = "" if spec.form == "copy-1970s" else "　"
        flow.line([("text", f"総番号{gap}{spec.serial or ''}")], "header", hides="serial_number")


def _bureau(flow: Flow, spec: CableSpec) -> None:
    label = "主管局部課(室)名" if spec.form == "draft-1960s" else "主管"
    flow.line([("text", f"{label}　{spec.primary_bureau}")], "header")


def _dated(flow: Flow, spec: CableSpec, received: bool) -> None:
    era_date = (spec.era_date_received or spec.era_date) if received else spec.era_date
    time = spec.time_received if received else spec.time_sent
    post, mark = (spec.receiving_office, "着") if received else (spec.sending_post, "発")
    hides = "time_received" if received else "time_sent"
    clock = [("redact", 5)] if spec.time_redacted else [("text", _typed_time(time) if time else "")]
    if spec.form == "copy-1970s":  # 74年10月30日01時00分　英国　発: date and time run together
        flow.line([("text", era_date), *clock, ("text", f"　{post}　{mark}")], "header", hides=hides)
        return
    flow.line([("text", f"{_spaced_era(era_date)}　"), *clock, ("text", f"　{post}{mark}")], "header", hides=hides)


def _addressee(flow: Flow, spec: CableSpec) -> None:
    mark = "あて" if spec.form == "draft" else "殿"
    flow.line([("text", f"{spec.addressee}{mark}")], "header")


def _sender(flow: Flow, spec: CableSpec) -> None:
    if spec.form == "draft":
        flow.line([("text", f"{spec.sender}発")], "header", offset=700)
    elif spec.form == "copy-1970s":  # 森 [大使]: the title printed in a box of the form
        name, title = _name_and_title(spec.sender)
        flow.line([("text", f"{name}　"), ("boxed", title)] if title else [("text", name)], "header", offset=700)
    else:
        flow.line([("text", _spaced_sender(spec.sender))], "header", offset=700)


def _name_and_title(sender: str) -> tuple[str, str]:
    title = next((t for t in SENDER_TITLES if sender.endswith(t)), "")
    return sender[: len(sender) - len(title)], title


def _subject(flow: Flow, spec: CableSpec) -> None:
    if spec.form == "draft-1960s":
        flow.line([("text", f"件名　{spec.subject}")], "header")
    else:
        flow.line([("text", spec.subject)], "header", size=48, pitch=90, offset=200)


def _number(flow: Flow, spec: CableSpec) -> None:
    if spec.form == "copy-1970s":  # the marks are stamped apart: the number stands alone, if at all
        if spec.number:
            flow.line([("text", f"第{spec.number}号")], "header")
        return
    flow.line([("text", spec.number_line.replace(" ", "　"))], "header")


def _caveat(flow: Flow, spec: CableSpec) -> None:
    if spec.caveat:
        flow.line([("text", f"（{spec.caveat}）")], "header")


def _drafted(flow: Flow, spec: CableSpec) -> None:
    flow.line([("text", f"起案　{_spaced_era(spec.era_date)}")], "header")


def _numbers(flow: Flow, spec: CableSpec) -> None:
    """A 1960s draft's two numbers: the Ministry's serial (総第N号) and the cable's own."""
    flow.line([("text", f"総第{spec.serial}号　　第{spec.number}号")], "header")


def _marks(flow: Flow, spec: CableSpec) -> None:
    """Classification and precedence stamped in boxes (the 1960s draft's code line carries its
    precedence instead)."""
    marks = [spec.classification] + ([spec.precedence] if spec.form == "copy-1970s" else [])
    segments = [seg for mark in marks if mark for seg in (("boxed", mark), ("text", "　"))]
    if segments:
        flow.line(segments[:-1], "header", offset=900)


def _route(flow: Flow, spec: CableSpec) -> None:
    flow.line([("text", f"{spec.addressee}あて　　{spec.sender}発")], "header")


def _code(flow: Flow, spec: CableSpec) -> None:
    flow.line([("text", f"{spec.code or 'YYYYY'}　{spec.precedence}".strip())], "header")


HEADER_BLOCKS = {
    "serial": _serial, "bureau": _bureau, "sent": lambda f, s: _dated(f, s, received=False),
    "received": lambda f, s: _dated(f, s, received=True), "addressee": _addressee, "sender": _sender,
    "subject": _subject, "number": _number, "caveat": _caveat, "drafted": _drafted, "numbers": _numbers,
    "marks": _marks, "route": _route, "code": _code,
}


def _typed_time(hhmm: str) -> str:
    hour, minute = hhmm.split(":")
    return f"{hour}時{minute}分"


def _spaced_era(era_date: str) -> str:
    """平成5年9月28日 as the form prints it, numbers right-aligned in their cells."""
    m = re.match(r"(\D*?)(\d+|元)年(\d+)月(\d+)日", era_date)
    if not m:
        return era_date  # kanji numerals: typed as they are
    era, y, mo, d = m.groups()
    return f"{era}{y:>2}年{mo:>2}月{d:>2}日"


def _spaced_sender(sender: str) -> str:
    for title in SENDER_TITLES:
        if sender.endswith(title):
            return f"{sender[: -len(title)]}　{title}"
    return sender


def render_cable(spec: CableSpec, vertical: bool) -> list[DrawnPage]:
    """All pages of the cable: the seed's page breaks, plus overflow pages where text runs on."""
    pages: list[DrawnPage] = []
    queue = [list(paras) for paras in spec.body_pages]
    first = True
    while queue:
        paras = queue.pop(0)
        page = DrawnPage(Image.new("L", (PAGE_W, PAGE_H), 255), vertical)
        flow = Flow(page, start=PAGE_W - MARGIN if vertical else MARGIN)
        _furniture_top(flow, spec)
        if first:
            _header(flow, spec)
        # In the margin the form leaves free: top right (horizontal), below the notice (vertical).
        stamp_at, angle = ((2050, 2000), -84.0) if vertical else ((1900, 330), 8.0)
        _declassification_stamp(page, stamp_at, angle)
        overflow: list[Paragraph] = []
        for i, para in enumerate(paras):
            rest = flow.paragraph(para)
            if rest is not None:
                overflow = [rest, *paras[i + 1 :]]
                break
        if overflow:
            queue.insert(0, overflow)
        _footer(page)
        pages.append(page)
        first = False
    return pages


def _footer(page: DrawnPage) -> None:
    """外務省, printed at the foot of the form: left to right on either form."""
    d = ImageDraw.Draw(page.image)
    size = 40
    x, y = PAGE_W // 2 - 60, PAGE_H - MARGIN + 40
    d.text((x, y), "外務省", font=font(size), fill=0)
    mode = "horizontal" if page.vertical else None
    page.lines.append(TruthLine("外務省", "furniture", (x, y, x + 3 * size, y + size), mode))
