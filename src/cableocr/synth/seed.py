"""Read a seed file (catalogue header, Japanese transcription, English translation) into a CableSpec.

The spec is the generator's ground truth. Header values come from the Japanese transcription;
the ISO date comes from the English translation, so that tests never check the program's era
arithmetic against itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

FURNITURE_LINES = {
    "注意", "極秘", "電信写", "秘密指定解除", "外交記録・情報公開室", "外務省", "総番号", "主管",
    "限定配布", "□ □ □", "電信写秘密指定解除",
}
SENDER_TITLES = ("臨時代理大使", "代理大使", "大使", "総領事", "公使", "領事")
_ERA_DATE = re.compile(r"^(明治|大正|昭和|平成|令和)\s*(\d+|元)年\s*(\d+)月\s*(\d+)日$")
_NUMBER_LINE = re.compile(r"^第(\d+)号\s*(.*)$")
_SPEAKER = re.compile(r"^（([^（）]{1,20})）")
_EN_DATE = re.compile(r"([A-Z][a-z]+)\s*(\d{1,2}),\s*(\d{4})")
_EN_SENTENCE_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bSt)[.?!](?=\s|$)")


class Paragraph(BaseModel):
    model_config = ConfigDict(frozen=True)
    text: str = ""
    continues: bool = False  # carries on from the previous page: no indent
    redaction_chars: int = 0  # > 0: a blacked-out span of about this many characters


class CableSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    seed_name: str
    number: str
    serial_redacted: bool
    primary_bureau: str
    era_date: str  # as on the form, spaces removed: 平成5年9月28日 (or 74年10月30日 on older forms)
    date_iso: str
    sending_post: str
    receiving_office: str
    addressee: str
    sender: str
    subject: str
    classification: str
    precedence: str
    caveat: str | None
    time_redacted: bool
    notice_lines: list[str]
    body_pages: list[list[Paragraph]]
    translation: str
    # Forms differ from the seeds'; the generator's variants set these.
    serial: str | None = None  # the serial when it is typed, not blacked out: 71563, (TA)71563
    era_date_received: str | None = None  # None: received the day it was sent
    received_iso: str | None = None
    time_sent: str | None = None  # HH:MM when typed (HH時MM分), not blacked out
    time_received: str | None = None
    forwarding: list[str] | None = None  # the forwarding items, where the generator wrote the line
    # The form it is drawn on (render.FORMS): "copy", the telegram copy (電信写) of a cable as
    # sent and received; "draft", an outgoing draft (電信案) with 起案 (its date in era_date),
    # …あて (addressee) and …発 (sender) lines; "copy-1970s" and "draft-1960s", the forms of
    # those decades. number is "" where the form carries none.
    form: str = "copy"
    header_order: tuple[str, ...] | None = None  # the header's blocks in another order (render.FORM_ORDERS)
    code: str | None = None  # a draft's transmission code: YYYYY, QQQQQ

    @property
    def is_draft(self) -> bool:
        return self.form in ("draft", "draft-1960s")

    @property
    def date_received_iso(self) -> str:
        return self.received_iso or self.date_iso

    def references(self) -> list[str]:
        """往電/来電/貴電 第N号(別電N) at the head of the body, as kind:number[:separate]."""
        kinds = {"往電": "outgoing", "来電": "incoming", "貴電": "yours"}
        head = self.paragraphs()[0] if self.paragraphs() else ""
        return [f"{kinds[k]}:{n}" + (f":{sep}" if sep else "")
                for k, n, sep in re.findall(r"(往電|来電|貴電)第(\d+)号(?:別電(\d+))?", head.split("：")[0])]

    def speakers(self) -> list[str]:
        return [m.group(1) for p in self.paragraphs() if (m := _SPEAKER.match(p))]

    @property
    def number_line(self) -> str:
        return " ".join(x for x in (f"第{self.number}号", self.classification, self.precedence) if x)

    def paragraphs(self) -> list[str]:
        """The body's paragraphs as typed, one carried over a page break joined again, redacted
        spans left out."""
        texts: list[str] = []
        for page in self.body_pages:
            for p in page:
                if p.text and p.continues and texts:
                    texts[-1] += p.text
                elif p.text:
                    texts.append(p.text)
        return texts

    def body_text(self) -> str:
        """The body as typed, redacted spans left out, one paragraph a line."""
        return "\n".join(p.text for page in self.body_pages for p in page if p.text)


def _clean(line: str) -> str:
    line = line.replace("**", "").strip()
    return re.sub(r"^-\s+", "", line).strip()


def _sections(raw: str) -> tuple[list[str], str]:
    lines = raw.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip().startswith("Translation - English")) + 1
    end = next(i for i, ln in enumerate(lines) if ln.strip().startswith("Number:"))
    japanese = [c for c in (_clean(ln) for ln in lines[start:end]) if c]
    return japanese, "\n".join(lines[end:])


def _is_notice(line: str) -> bool:
    return line.startswith("注意") or bool(re.match(r"^\d\.\s*本電", line))


def _is_furniture(line: str) -> bool:
    return line in FURNITURE_LINES or _is_notice(line) or re.fullmatch(r"月\s*\d+日", line) is not None


def _english_date(translation: str, label: str) -> str:
    line = next(ln for ln in translation.splitlines() if ln.startswith(f"{label}:"))
    month, day, year = _EN_DATE.search(line).groups()
    return datetime.strptime(f"{month} {day} {year}", "%B %d %Y").date().isoformat()


_EN_TURN = re.compile(r"^\([^)]{1,40}\)\s*\S")


def _redaction_points(translation: str) -> list[tuple[int, int, bool]]:
    """Each body redaction as (speaker turn ordinal, full sentences before it, partial clause)."""
    paragraphs = [p.strip() for p in translation.split("\n\n") if p.strip()]
    points, turn = [], -1
    for para in paragraphs:
        if _EN_TURN.match(para):
            turn += 1
        if turn < 0:
            continue
        for match in re.finditer(r"\[TN:[^\]]*blacked out[^\]]*\]", para):
            before = re.sub(r"^\([^)]*\)\s*", "", para[: match.start()])
            ends = list(_EN_SENTENCE_END.finditer(before))
            partial = bool(before[ends[-1].end():].strip()) if ends else bool(before.strip())
            points.append((turn, len(ends), partial))
    return points


def _body_lines(japanese: list[str], first: int) -> list[tuple[int, str]]:
    """(seed page, line) for the body, page breaks where the notice box repeats."""
    page, seen_notice, out = 0, False, []
    for line in japanese[first:]:
        if _is_notice(line):
            if not seen_notice:
                page += 1
            seen_notice = True
            continue
        seen_notice = False
        if _is_furniture(line):
            continue
        out.append((page, line))
        if "（了）" in line:
            break
    return out


def _insert_redactions(lines: list[tuple[int, str]], points) -> list[tuple[int, str]]:
    """Split body lines where the translation marks text blacked out; '\0' marks a redaction."""
    turn_starts = [i for i, (_, ln) in enumerate(lines) if _SPEAKER.match(ln)]
    for turn, sentences, partial in reversed(points):
        if turn >= len(turn_starts):
            continue
        at = _locate(lines, turn_starts[turn], sentences, partial)
        if at is None:
            continue
        i, cut = at
        page, text = lines[i]
        pieces = [(page, text[:cut]), (page, "\0"), (page, text[cut:])]
        lines[i : i + 1] = [p for p in pieces if p[1]]
    return lines


def _locate(lines, start: int, sentences: int, partial: bool) -> tuple[int, int] | None:
    """Line and offset just after `sentences` sentences of a turn, and a trailing clause if partial."""
    seen = 0
    for i in range(start, len(lines)):
        text = lines[i][1]
        label = _SPEAKER.match(text) if i == start else None
        offset = len(label.group(0)) if label else 0
        while seen < sentences and (pos := text.find("。", offset)) >= 0:
            seen, offset = seen + 1, pos + 1
        if seen < sentences:
            continue
        if not partial:
            return i, offset
        if offset >= len(text):
            if i + 1 >= len(lines):
                return None
            i, offset, text = i + 1, 0, lines[i + 1][1]
        comma = text.find("、", offset)
        return i, comma + 1 if comma >= 0 else len(text)
    return None


def _open_paragraph(text: str | None) -> bool:
    """A transcription line that stops mid-sentence: the next line carries on with it."""
    return bool(text) and not re.search(r"[。：）」]$", text)


def _paragraphs(lines: list[tuple[int, str]], redaction_length) -> list[list[Paragraph]]:
    pages: list[list[Paragraph]] = [[] for _ in range(max(p for p, _ in lines) + 1)]
    last: Paragraph | None = None
    for page, text in lines:
        if text == "\0":
            last = Paragraph(redaction_chars=redaction_length())
            pages[page].append(last)
            continue
        carries_on = _open_paragraph(last.text if last else None) and not _SPEAKER.match(text)
        if carries_on and pages[page] and pages[page][-1] is last:
            last = Paragraph(text=last.text + text, continues=last.continues)
            pages[page][-1] = last
        else:
            last = Paragraph(text=text, continues=carries_on)
            pages[page].append(last)
    return [p for p in pages if p]


def parse_seed(path: Path) -> CableSpec:
    """Read one seed file. Raises StopIteration/AttributeError if it lacks a required part."""
    japanese, translation = _sections(path.read_text(encoding="utf-8"))
    number_at = next(i for i, ln in enumerate(japanese) if _NUMBER_LINE.match(ln))
    number, marks = _NUMBER_LINE.match(japanese[number_at]).groups()
    marks = marks.split()
    header = japanese[:number_at]
    subject = next(ln for ln in reversed(header) if not _is_furniture(ln))
    body_start = number_at + 1
    caveat = None
    if m := re.fullmatch(r"（(限定配布|[^（）]{2,6}配布)）", japanese[body_start]):
        caveat, body_start = m.group(1), body_start + 1

    def find(pattern: str) -> str:
        return next(m.group(1) for ln in header if (m := re.fullmatch(pattern, ln)))

    sender = next(
        ln for ln in header if ln.replace(" ", "").endswith(SENDER_TITLES) and not ln.endswith("殿")
    )
    lines = _body_lines(japanese, body_start)
    lines = _insert_redactions(lines, _redaction_points(translation))
    counter = iter(range(1000))
    serial_line = next(ln for ln in translation.splitlines() if ln.startswith("Number:"))
    sent_line = next(ln for ln in translation.splitlines() if ln.startswith("Sent:"))
    received_iso = _english_date(translation, "Received")
    return CableSpec(
        seed_name=path.stem,
        number=number,
        serial_redacted="blacked out" in serial_line,
        primary_bureau=next(ln for ln in header if ln.endswith(("局長", "課長", "部長"))),
        era_date=next(ln for ln in header if _ERA_DATE.match(ln)).replace(" ", ""),
        date_iso=_english_date(translation, "Sent"),
        sending_post=find(r"(.+?)\s*発").replace(" ", ""),
        receiving_office=find(r"(.+?)\s*着").replace(" ", ""),
        addressee=find(r"(.+)殿"),
        sender=sender.replace(" ", ""),
        subject=subject,
        classification=next((m for m in marks if m in ("極秘", "秘", "特秘", "取扱注意", "部外秘")), ""),
        precedence=next((m for m in marks if m in ("大至急", "至急", "普通")), ""),
        caveat=caveat,
        time_redacted="time blacked out" in sent_line,
        received_iso=received_iso,
        notice_lines=[ln for ln in japanese[: number_at] if _is_notice(ln)][:3],
        body_pages=_paragraphs(lines, lambda: 24 + 12 * (next(counter) % 3)),
        translation=translation,
    )
