"""Pages -> cables: a cable starts on a page whose top carries a cable's header (recognised by its
labels, in any order: header_zone); pages with only furniture and body continue it. Each line
gets its role: header, body, furniture or noise."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from cableocr.cleanup import quarter_turn_matrix
from cableocr.lexicon import known_names
from cableocr.models import BodyParagraph, Box, Char, Line, Page, median_char_size
from cableocr.numbers import NUMBER_LINE
from cableocr.text import normalize, search_form

# The printed form's furniture, matched fuzzily (OCR of stamps is rough).
FURNITURE_TEXTS = ("電信写", "電信案", "秘密指定解除", "外交記録・情報公開室", "外務省", "注意")
# The handling notice, whole or in pieces (a line may be read in two).
_NOTICE = re.compile(r"^[0-9０-９]?[.．、]?\s*本電|本電の(取扱|複製)|本電に関する|照会は|問い合わせ|連絡あり"
                     r"|本館の許可|許可なくしては|行わないこと|慎重を期|取扱いは")
_CLASSIFICATION_ALONE = re.compile(r"^(極秘|秘|特秘|部外秘|取扱注意)")
_CAVEAT = re.compile(r"^\W?[（(][^（）()]{2,8}配布[）)]")
# The titles and marks from the project's tables, longest first (大至急 before 至急).
_TITLES = "|".join(sorted(known_names("titles"), key=len, reverse=True))
_TITLE_SET = frozenset(known_names("titles"))
# A boxed title's or stamp's frame, as the engines read it: [大使], |極秘|.
TITLE_FRAME = re.compile(r"[\[\]［］|｜丨「」]")
_MARK_WORDS = "|".join(sorted([*known_names("classifications"), *known_names("precedences")], key=len, reverse=True))
# What each kind of header line carries, found by its content wherever it stands in the header:
# the form's labels (総番号, 主管, 起案, 件名), the patterns (第N号, a dated …発 or …着 line, …殿,
# a title), the stamped marks. Room is left for what poor scans add at a line's ends (specks
# read as characters) and for the frame of a boxed title or stamp ([大使], |極秘|).
# A draft's transmission code, perhaps before the precedence: QQQQQ 至急, Q55ID, and as poor pages
# give it (00000大至急, YYY Y至急, .QQQQQO′至急): four to seven capitals or digits, on a line alone.
TRANSMISSION_CODE = re.compile(rf"^\W{{0,2}}(?:[A-Z0-9]\W?){{4,7}}(?:{_MARK_WORDS})?\W*$")
HEADER_LABELS: dict[str, re.Pattern[str]] = {
    "number": NUMBER_LINE,
    "serial": re.compile(r"総番号|総第\s*[0-9０-９]"),
    "bureau": re.compile(r"^\W{0,2}主管"),
    "dated": re.compile(r"(年.{0,8}月|時.{0,3}分).{0,20}[発着]\W{0,4}$"),
    "addressee": re.compile(r"殿\W{0,4}$|あて(\W{0,3}$|.{1,16}発\W{0,3}$)"),
    "sender": re.compile(rf"({_TITLES})\W{{0,4}}$|大臣発\W{{0,3}}$"),
    "drafted": re.compile(r"^\W{0,2}起案"),
    "subject": re.compile(r"^\W{0,2}件名"),
    "marks": re.compile(rf"^(\W|{_MARK_WORDS})*({_MARK_WORDS})(\W|{_MARK_WORDS})*$"),
    "code": re.compile(rf"{TRANSMISSION_CODE.pattern}|^\W{{0,2}}[A-Z0-9]{{5}}(?![A-Za-z0-9])"),
    "caveat": _CAVEAT,
}
# Kinds that only a cable's header carries: at least one of them, among three kinds or more,
# recognises a cable (a page of body text may end a line in 大使 or hold a 第N号).
FILING_LABELS = frozenset({"number", "serial", "bureau", "dated", "drafted"})
HEADER_REACH = 20  # the header is at the top: no more than this many lines into the page
_REFERENCE_OPENING = re.compile(r"^\W{0,3}[往来貴住福]電第")


DOUBTED = 0.85  # a character read less surely than this, at a line's end, may be a speck


# The declassification stamp's wording (its 録 often read in the old form 錄, a character of it
# lost: 秘密定解除, 情報室), where the stamp was laid over a header line and read with it: no
# label of the line's own, and its 秘 no classification.
DECLASSIFICATION_WORDING = re.compile(r"秘密(?:指定|指|定)解除|秘密指定|外交記[録錄][・·.]?情報(?:公開)?室")


def _label_text(line: Line) -> str:
    """The line's text without up to three characters the engine doubts at its end (specks after
    …発 hide the label otherwise), and without the declassification stamp's wording."""
    chars = [c for c in line.chars if c.text.strip()]
    cut = len(chars)
    while cut > max(len(chars) - 3, 0) and (chars[cut - 1].confidence is not None and chars[cut - 1].confidence < DOUBTED
                                            or _detached_mark(line, chars, cut - 1)):
        cut -= 1
    text = "".join(c.text for c in chars[:cut]) if chars else line.text
    return DECLASSIFICATION_WORDING.sub("", normalize(text).replace(" ", ""))


DETACHED = 2.0  # character sizes of blank before a line's last mark that make it a speck, not the line's


def _detached_mark(line: Line, chars: list[Char], i: int) -> bool:
    """A mark (。, ., 、) standing far along the line from the character before it: a speck down
    the column read as a full stop and joined to the line (日米首のう会談(別電2) 。 。), not
    the line's own end."""
    if i < 1 or re.match(r"\w", chars[i].text):
        return False
    vertical = line.writing_mode == "vertical"
    gap = chars[i].box.y0 - chars[i - 1].box.y1 if vertical else chars[i].box.x0 - chars[i - 1].box.x1
    return gap > DETACHED * median_char_size(chars)


def header_labels(line: Line) -> set[str]:
    text = _label_text(line)
    return {kind for kind, pattern in HEADER_LABELS.items() if pattern.search(text)}


def _ends_sentence(line: Line) -> bool:
    """A 。 at the line's end, read surely: a speck far down a column, read as 。 at 0.56 and
    joined to the subject 日米外相会談, made a header line end the header."""
    return bool(re.search(r"。\W{0,3}$", _label_text(line)))


def _sentence(line: Line) -> bool:
    """A sentence of the body: a 。 at its end after a dozen words' characters (a header line
    with specks read as 。 after it, 総番号300436)。, is not one)."""
    text = normalize(line.text).replace(" ", "")
    return _ends_sentence(line) and len(re.findall(r"[一-龥ぁ-んァ-ヶ]", text)) >= 12


def _body_like(line: Line, longest: int) -> bool:
    """A line that opens the body: a reference (往電第N号), a speaker's label, a sentence's end,
    or a full line of text."""
    text = normalize(line.text).replace(" ", "")
    return bool(_REFERENCE_OPENING.match(text) or re.match(r"^\W{0,3}[（(][^（）()]{1,12}[）)]", text)
                or _ends_sentence(line) or (len(text) >= 20 and len(text) >= 0.6 * longest))


# A page the header recognition passes over, whose top still holds a dated line, 総番号, 主管 or
# 起案 and one more kind of label, opens a cable whose header was read only in part (a dithered
# or faint page): it must not be joined to the cable before it as its next page. (第N号 and the
# stamped marks alone do not count: a body line may hold a 第N号, a later page carries the stamp.)
PARTIAL_FILING_LABELS = FILING_LABELS - {"number"}


@dataclass(frozen=True)
class HeaderZone:
    end: int  # index of the zone's last line on the page
    kinds: frozenset[str]  # the kinds of header label found in it
    partial: bool = False  # too few labels were read to recognise a header, but some were


def header_zone(page: Page) -> HeaderZone | None:
    """Where the header of a cable stands on the page, if the page opens one: recognised by a
    sufficient set of header labels in any order, not by the place of a 第N号 line (several
    forms carry the number elsewhere, or none). The zone runs from the top to the last labelled
    line; an unlabelled subject after it (a form that sets the subject last) joins it, and so
    does a misread number line where no number was recognised. A top with fewer labels, but a
    filing one among two kinds, is a partial zone (PARTIAL_FILING_LABELS)."""
    lines = page.lines[:HEADER_REACH]
    texts = [normalize(ln.text).replace(" ", "") for ln in lines]
    longest = max((len(t) for t in texts), default=0)
    kinds_at: list[set[str]] = []
    for line in lines:
        # The body starts at the first line like it, unless a label says otherwise; a sentence
        # says so whatever the labels (no header line is one; a body line may hold a 第N号 and
        # end in 大使).
        if kinds_at and not is_furniture(line) and _body_like(line, longest) and (
                not header_labels(line) or _sentence(line)):
            break
        kinds_at.append(set() if is_noise(line) else header_labels(line))
    kinds = frozenset(k for found in kinds_at for k in found)
    partial = len(kinds) < 3 or not kinds & FILING_LABELS
    if partial and not (len(kinds) >= 2 and kinds & PARTIAL_FILING_LABELS):
        return None
    labelled = [i for i, found in enumerate(kinds_at) if found]
    end = labelled[-1]
    plain = [i for i in range(labelled[0], end) if not kinds_at[i] and _may_be_subject(lines, i)]
    room = (0 if plain or "subject" in kinds else 1) + (0 if "number" in kinds else 1)
    # A name parted from its boxed title (代理大使, then 斉藤) joins the zone without using the room;
    # mark stamps between the last labelled line and the subject (1970s copies: 極秘 至急 boxed
    # on the row before it) are passed over, and join the zone only if a line after them does.
    at = end + 1
    while at < len(lines):
        if _stamp_row(lines[at]):
            at += 1
            continue
        if is_furniture(lines[at]) or is_noise(lines[at]) or _body_like(lines[at], longest):
            break
        beside_title = _title_alone(lines[end])
        if not (room or beside_title):
            break
        end, room, at = at, room - (0 if beside_title else 1), at + 1
    return HeaderZone(end, kinds, partial)


def _stamp_row(line: Line) -> bool:
    """A mark stamp on a row of its own (極秘, 至急, read with its box or not), or what little
    the engines made of one: a few characters taken for noise."""
    text = TITLE_FRAME.sub("", _label_text(line))
    return 0 < len(text) <= 5 and (stamp_with_frame(text) or is_noise(line))


def _title_alone(line: Line) -> bool:
    return known_title(_label_text(line)) is not None


# A title this long read one character off is still that title (臨和代理大使); a shorter one
# would be mistaken for other words (大便, 公使 for 大使).
MENDABLE_TITLE_LENGTH = 4


def known_title(text: str) -> str | None:
    """The known title a text is and nothing else (a box's frame left out), or the one long
    title it is one character off (臨和代理大使 for 臨時代理大使)."""
    text = TITLE_FRAME.sub("", text)
    if text in _TITLE_SET:
        return text
    near = [t for t in _TITLE_SET if len(t) >= MENDABLE_TITLE_LENGTH and Levenshtein.distance(text, t) == 1]
    return near[0] if len(near) == 1 else None


_MARK_WORD = re.compile(_MARK_WORDS)


def stamp_with_frame(text: str) -> bool:
    """A mark stamp read with its box as a character or two (也秘, 必秘至急): five characters
    at most, a mark word among them."""
    text = TITLE_FRAME.sub("", text)
    return len(text) <= 5 and _MARK_WORD.search(text) is not None


def _may_be_subject(lines: list[Line], i: int) -> bool:
    """Whether an unlabelled header line could be the subject, and so leaves no room for one
    after the labelled lines: not furniture or noise, three words' characters at least (発・着
    and stamp fragments are not), and not a name next to a title read as a line of its own (a
    boxed title parts 小和田 from [臨時代理大使]), not a mark stamp read with its frame."""
    line = lines[i]
    text = _label_text(line)
    if is_furniture(line) or is_noise(line) or len(re.findall(r"[一-龥ぁ-んァ-ヶ]", text)) < 3 or stamp_with_frame(text):
        return False
    return not any(_title_alone(lines[j]) for j in (i - 1, i + 1) if 0 <= j < len(lines))


@dataclass(frozen=True)
class AssembledCable:
    pages: list[Page]  # lines carry their roles and cable-wide ids (p<page>-l<line>)
    page_positions: list[int]  # each page's position in the batch's page list
    header_kinds: frozenset[str] = frozenset()  # the kinds of header label read on its first page
    partial_header: bool = False  # its header was read only in part (HeaderZone.partial)

    @property
    def header_zone(self) -> list[tuple[int, Line]]:
        """The header's lines with the furniture among them (a stamped 極秘, the form's title),
        from the top of the first page to its last header line."""
        lines = self.pages[0].lines if self.pages else []
        end = max((i for i, ln in enumerate(lines) if ln.role == "header"), default=-1)
        return [(0, ln) for ln in lines[: end + 1] if ln.role in ("header", "furniture")]

    @property
    def body_lines(self) -> list[Line]:
        return [ln for p in self.pages for ln in p.lines if ln.role == "body"]


def is_furniture(line: Line) -> bool:
    text = normalize(line.text).replace(" ", "")
    if not text:
        return True
    if _NOTICE.search(text) or "□" in text:
        return True
    if _CLASSIFICATION_ALONE.match(text) and not NUMBER_LINE.search(text) and len(text) <= 12:
        return True  # the 極秘 stamp, and whatever of the declassification stamp joined it
    return any(
        (f in text and len(text) <= len(f) + 4) or fuzz.ratio(f, text) >= 75 for f in FURNITURE_TEXTS
    )


# A line of Latin letters and digits alone that one engine read and the other, reading the
# page, did not, read under this mean confidence, is marks in the margin read as letters
# (eval seed 32: CrapeeoRERCS18VYReeS, 12% of its page). On eval seeds 30-32 (954 pages) two
# such lines, neither in the truth.
LATIN_ALONE_MIN_CONFIDENCE = 0.9


def is_noise(line: Line, second_engine_read: bool = False) -> bool:
    """Specks and stamp fragments: a short line the engine itself does not believe; and, where a
    second engine read the page (second_engine_read), a line of Latin only one engine read and
    doubts (LATIN_ALONE_MIN_CONFIDENCE)."""
    chars = [c for c in line.chars if c.text.strip()]
    japanese = sum(1 for c in chars if ord(c.text[0]) > 0x2E80)
    low = line.confidence is not None and line.confidence < 0.6
    latin_alone = (second_engine_read and japanese == 0 and len(line.read_by) == 1
                   and (line.confidence or 0.0) < LATIN_ALONE_MIN_CONFIDENCE)
    return (len(chars) <= 3 and (low or japanese == 0)) or latin_alone


def _with_roles(page: Page, position: int, zone: HeaderZone | None) -> Page:
    second_engine_read = any(s.name == "second_engine" and "failed" not in s.params for s in page.steps)
    lines = []
    for i, line in enumerate(page.lines):
        if is_furniture(line):
            role = "furniture"
        elif is_noise(line, second_engine_read):
            role = "noise"
        elif zone is not None and (i <= zone.end or (i == zone.end + 1 and _CAVEAT.match(normalize(line.text)))):
            role = "header"
        else:
            role = "body"
        lines.append(line.model_copy(update={"role": role, "id": line_id(position, line.id)}))
    return page.model_copy(update={"lines": lines})


def line_id(page_index: int, line_on_page: str) -> str:
    """A line's id within its cable: p<0-based page>-<the page's own id of the line>."""
    return f"p{page_index}-{line_on_page}"


def page_index_of(line: str) -> int | None:
    """The 0-based page of the cable a line id (line_id) names; None for an id of another form."""
    found = re.match(r"p(\d+)-", line)
    return int(found[1]) if found else None


NO_HEADER_YET = "no cable header before this page: it belongs to no cable"
NOT_A_FORM = "not a cable page: no telegram-form furniture (電信写, 極秘, the notice box) on it"


def assemble(pages: list[Page]) -> tuple[list[AssembledCable], dict[int, str]]:
    """Group pages (in batch order) into cables; also return the pages that belong to no cable,
    with the reason, which the manifest reports."""
    unassigned: dict[int, str] = {}
    return list(assemble_stream(pages, unassigned)), unassigned


def assemble_stream(pages: Iterable[Page], unassigned: dict[int, str],
                    on_stray: Callable[[int, Page, str], None] = lambda position, page, reason: None,
                    ) -> Iterator[AssembledCable]:
    """Each cable as soon as its last page has been seen, so that a batch of any size is held
    one cable at a time. A page continues the cable before it only if it carries the form's
    furniture: a stray page (a memo, a blank) does not join a cable; it is put in unassigned
    (position -> reason), and handed to on_stray, whose text is kept."""
    members: list[Page] = []
    positions: list[int] = []
    opening: HeaderZone | None = None
    for position, page in enumerate(pages):
        zone = header_zone(page)
        if zone is not None:
            if members:
                yield _cable(members, positions, opening)
            members, positions, opening = [], [], zone
        elif not members or not any(is_furniture(line) for line in page.lines):
            unassigned[position] = NOT_A_FORM if members else NO_HEADER_YET
            on_stray(position, page, unassigned[position])
            continue
        members.append(_with_roles(page, len(members), zone))
        positions.append(position)
    if members:
        yield _cable(members, positions, opening)


def _cable(pages: list[Page], positions: list[int], opening: HeaderZone | None) -> AssembledCable:
    kinds = opening.kinds if opening else frozenset()
    return AssembledCable(pages, positions, kinds, opening.partial if opening else False)


# Up to three specks read before a line's first character (- (総理…).
LEADING_SPECKS = r"[^一-龥ぁ-んァ-ヶ（(「『]{0,3}"
# A speaker's label opening a paragraph, specks before it; OCR may close it with 」 or ].
SPEAKER_LABEL = re.compile(rf"^{LEADING_SPECKS}[（(]([^（）()「」]{{1,20}})[）)」\]］]")


def unclosed_speaker_label(text: str) -> str | None:
    """The known speaker opening a line with its opening bracket read and not its closing one
    ((総理ロシアについて…: PP-OCR drops brackets on vertical pages), the name followed by kana or
    kanji: the label of a turn, its bracket lost."""
    m = _unclosed_label().match(text)
    return m.group(1) if m else None


@cache
def _unclosed_label() -> re.Pattern[str]:
    names = "|".join(re.escape(n) for n in sorted(known_names("speakers"), key=len, reverse=True))
    return re.compile(rf"^{LEADING_SPECKS}[（(]({names})(?![）)」\]］・])(?=[一-龥ぁ-んァ-ヶ])")


def _deskew_matrix(page: Page) -> np.ndarray:
    """Source pixels -> the upright, deskewed frame the page was read in (from its recorded
    orientation and deskew steps)."""
    turn = next((int(s.params["rotated_cw"]) for s in page.steps if s.name == "orientation"), 0)
    angle = next((float(s.params["angle_deg"]) for s in page.steps if s.name == "deskew"), 0.0)
    width, height = (page.height, page.width) if turn in (90, 270) else (page.width, page.height)
    deskew = np.vstack([cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0), [0, 0, 1]])
    return (deskew @ quarter_turn_matrix(turn, page.width, page.height))[:2]


OPENING_BRACKETS = "「『（(〔［[【"


def _first_char(line: Line) -> tuple[Box, bool]:
    """The box of the line's first real character (specks read before it do not move it), and
    whether it is an opening bracket, whose ink sits in the far half of its square."""
    for char in line.chars:
        if char.text.strip() and char.text not in "・.,'`-|人" and (char.confidence or 0) >= 0.6:
            return char.box, char.text in OPENING_BRACKETS
    return line.box, False


def _indents(page: Page, lines: list[Line]) -> list[bool]:
    """Which lines start further in than the text edge, by half a character or more.

    Starts are measured in the page's deskewed frame (so a skewed scan's slant is not taken
    for indentation); the edge is the first start shared by at least two lines, so that one
    line with a speck before it does not set it."""
    if not lines:
        return []
    vertical = lines[0].writing_mode == "vertical"
    matrix = _deskew_matrix(page)
    sizes = [(c.box.x1 - c.box.x0) if vertical else (c.box.y1 - c.box.y0) for ln in lines for c in ln.chars]
    half = (float(np.median(sizes)) if sizes else 40.0) / 2
    starts = []
    for line in lines:
        box, bracket = _first_char(line)
        point = np.array([(box.x0 + box.x1) / 2, box.y0, 1.0]) if vertical else np.array([box.x0, (box.y0 + box.y1) / 2, 1.0])
        x, y = matrix @ point
        starts.append((y if vertical else x) - (half if bracket else 0.0))
    ordered = sorted(starts)
    need = 2 if len(starts) >= 3 else 1
    edge = next((s for s in ordered if sum(abs(t - s) <= half / 2 for t in starts) >= need), ordered[0])
    return [s - edge > half for s in starts]


def body_paragraphs(pages: list[Page]) -> list[BodyParagraph]:
    """The body's paragraphs: a new one where a line is indented or opens a speaker turn; a
    page's first line that is not indented carries on the paragraph of the page before."""
    paragraphs: list[tuple[list[Line], str | None]] = []
    for page in pages:
        body = [ln for ln in page.lines if ln.role == "body"]
        for line, indented in zip(body, _indents(page, body), strict=True):
            text = normalize(line.text)
            label = SPEAKER_LABEL.match(text)
            if not paragraphs or label or indented or unclosed_speaker_label(text):
                paragraphs.append(([line], label.group(1) if label else None))
            else:
                paragraphs[-1][0].append(line)
    return [
        BodyParagraph(index=i, text=(text := "".join(ln.text for ln in lines)), text_normalized=search_form(text),
                      line_ids=[ln.id for ln in lines], speaker=speaker)
        for i, (lines, speaker) in enumerate(paragraphs)
    ]
