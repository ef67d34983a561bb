"""Fields of the body: the cables it answers (references), its own separate-telegram number, the
forwarding list, the end mark, the speakers' turns."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

from cableocr.assemble import LEADING_SPECKS, SPEAKER_LABEL, body_paragraphs, unclosed_speaker_label
from cableocr.fields.context import Context
from cableocr.fields.evidence import (
    DOUBTFUL,
    LIKELY,
    MENDED,
    PLAUSIBLE,
    SURE,
    UNKNOWN_NAME,
    Absence,
    Finding,
    absent_where,
    compact,
    span_evidence,
)
from cableocr.lexicon import alternation, english, known_names, nearest
from cableocr.models import Line
from cableocr.numbers import find_references as parse_references
from cableocr.numbers import read_small_number
from cableocr.text import search_form


def find_references(ctx: Context) -> Finding | None:
    """往電/来電/貴電 第NNNN号 (別電N) at the head of the body: the cables this one answers or
    annexes, each a structured object."""
    for n, (page, line) in enumerate(ctx.body[:REFERENCE_LINES_SEARCHED]):
        text = compact(line)
        if not (found := parse_references(text)):
            continue
        start, end = found[0].span[0], found[-1].span[1]
        if n >= 2 and not (page == 0 and _alone_on_its_line(text, start, end)):
            continue
        finding = Finding("references.head_of_body", [r.as_value() for r in found], page, line, start, end,
                          "references at the head of the body", SURE)
        if n >= 2:  # lines read before it (a page's show-through, read as junk) made it the body's third or later
            finding = finding.flagged("unconfirmed", certainty=PLAUSIBLE,
                                      method=f"{finding.method}, alone on the body's line {n + 1}")
        # A misread first character (住電 for 往電) leaves the kind a guess or unread.
        if any(r.kind_guessed for r in found):
            finding = finding.flagged("inferred", certainty=DOUBTFUL,
                                      method=f"{finding.method}, the kind of a reference read from a misreading")
        if any(r.repaired for r in found):
            finding = finding.flagged("repaired", certainty=finding.certainty * MENDED)
        return finding
    return None


REFERENCE_LINES_SEARCHED = 8  # past its first two lines, a reference is taken only standing alone on its line


def _alone_on_its_line(text: str, start: int, end: int) -> bool:
    """Whether the references are the line's whole text but specks and a closing colon."""
    return start <= 2 and not re.search(r"[一-龥ぁ-んァ-ヶ]", text[end:])


def absent_references(ctx: Context) -> Absence:
    # A fragment: 電第, 第N号, a kind word, or a short line ending in a colon (往電第N号：). The
    # header's last line too where it ends in a colon or opens like a reference: one whose kind
    # was lost or misread (電第796号：, 實電第7357号別電5・, 貴志第851号別電3:eT[, a colon after its
    # number) is not known for one, so the body was found to start after it.
    before = [ln for _, ln in ctx.header[-1:] if re.search(r"[:：]\W{0,2}$|^\W?.?電第|[号弓]\S{0,4}[:：]", compact(ln))]
    return absent_unless("references.none", [*before, *(ln for _, ln in ctx.body[:2])],
                         r"電第|第.{1,6}[号弓]|[往来貴住福]電|^.{0,14}[:：]\W{0,2}$", "no 往電/来電/貴電 at the head of the body")


def absent_unless(rule: str, lines: list[Line], hint: str, method: str) -> Absence:
    """Not found, unless the lines hold a fragment of what was looked for (a misread form of it):
    then the absence itself is doubtful."""
    if any(re.search(hint, compact(ln)) for ln in lines):
        return Absence(rule, "not_found", 0.5, f"{method}, but a fragment of one is there")
    return absent_where(rule, lines, method)


_SEPARATE = re.compile(r"別電\s*([0-9０-９一二三四五六七八九十]{1,3})")


def find_separate_telegram(subject: Finding | None) -> Finding | None:
    """This cable's own separate-telegram number: (別電2) in its subject line."""
    if subject is None or subject.line is None or not (m := _SEPARATE.search(compact(subject.line))):
        return None
    if (number := read_small_number(m.group(1))) is None:
        return None
    return Finding("separate_telegram.subject", number, subject.page, subject.line, m.start(1), m.end(1),
                   "別電 N in the subject line", SURE)


def absent_separate_telegram(subject: Finding | None) -> Absence:
    """No 別電 N in the subject line; where 別電 stands there without its number (日ソ平和条約交渉
    (別電): the 1 lost), its number is illegible, not absent."""
    line = subject.line if subject is not None else None
    if subject is not None and line is not None and "別電" in compact(line):
        return Absence("separate_telegram.none", "illegible", 0.5, "別電 in the subject line, its number not read",
                       subject.page, line.box, line)
    return absent_where("separate_telegram.none", [line] if line is not None else [], "no 別電 N in the subject line")


def split_forwarding(text: str) -> list[str]:
    """全米公館（除、アガナ、デトロイト）英、独…に転電した → the posts, exclusions kept with theirs."""
    text = re.split(r"に転電", text)[0]
    items, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "（("
        depth -= ch in "）)"
        if ch in "、," and depth == 0:
            items.append(current)
            current = ""
            continue
        current += ch
        if ch in "）)" and depth == 0:  # 全米公館（除、…）英: the bracket closes an item
            items.append(current)
            current = ""
    items.append(current)
    # A post's name never starts with a dot: one there is a speck read (除く、・アガナ).
    items = [_SPECK_AT_START.sub("", i.strip()) for i in items]
    return [i for i in items if i]


_SPECK_AT_START = re.compile(r"(?:^|(?<=[、（(]))[・.,'`\"\-:;‐―ー~]+(?=[一-龥ぁ-んァ-ヶA-Za-z0-9（(])")


def find_forwarding(ctx: Context) -> Finding | None:
    """The forwarding list at the end of the body: …に転電した. The list may wrap over several
    lines: it starts after the last line before it that ends a sentence. The evidence box is
    that of its first line."""
    body = ctx.body
    last = range(len(body) - 1, max(len(body) - 6, -1), -1)
    for n in last:
        if "転電" in compact(body[n][1]):
            joined = _joined(body, n)
            return _known_posts(_gap_noted(_forwarding_block(body, n), joined), split_forwarding(joined))
    # 転電 with one character misread (転生, 伝電), before した at the end of the body: the list is
    # read, the verb mended, for review.
    for n in last:
        if m := _MISREAD_FORWARDED.search(joined := _joined(body, n)):
            found = _forwarding_block(body, n).flagged("repaired", certainty=LIKELY * MENDED, method=(
                f"list before {m.group(0)}した, read as に転電した"))
            mended = joined[: m.start()] + "に転電" + joined[m.end():]
            return _known_posts(found.noted(read_as=m.group(0)), split_forwarding(mended))
    return None


_MISREAD_FORWARDED = re.compile(r"に(?:転[^電]|[^転]電)(?=した)")
# Two separators with nothing between them (仏、、中国), or one just before に転電 (加、に転電):
# a post stood there that neither engine read.
_EMPTY_PLACE = re.compile(r"[、,]\W{0,2}[、,]|[、,]\W{0,2}に転電")


def _gap_noted(found: Finding, joined: str) -> Finding:
    if not _EMPTY_PLACE.search(joined.split("に転電")[0] + "に転電"):
        return found
    return found.flagged("truncated", certainty=min(found.certainty, PLAUSIBLE),
                         method=f"{found.method}; an empty place in the list: a post there may not have been read")


def _forwarding_block(body: list[tuple[int, Line]], n: int) -> Finding:
    """The forwarding list ending on body line n: it starts after the last line before it that
    ends a sentence or opens a speaker's turn."""
    page, first = body[_block_start(body, n)]
    # Its commas, dots and brackets part the posts; each post is checked against the tables, so
    # how surely a separator was read does not make the list doubtful.
    return Finding("forwarding.list", [], page, first, 0, len(compact(first)), "list before に転電した", LIKELY,
                   delimiters=frozenset("、,()・.。"))


def _block_start(body: list[tuple[int, Line]], n: int) -> int:
    start = n
    while start > 0 and not _ends_sentence(body[start - 1][1]) and not SPEAKER_LABEL.match(compact(body[start][1])):
        start -= 1
    return start


def _joined(body: list[tuple[int, Line]], n: int) -> str:
    return "".join(compact(ln) for _, ln in body[_block_start(body, n) : n + 1])


def absent_forwarding(ctx: Context) -> Absence:
    # …に, then the end mark a few characters on: 転電した lost between them (芙イタリアジコ応に了( )).
    return absent_unless("forwarding.none", [ln for _, ln in ctx.body[-3:]], r"に.電|転.し|電した|に.{0,6}了\W*$",
                         "no …に転電 line at the end of the body")


def _ends_sentence(line: Line) -> bool:
    return bool(re.search(r"[。：）)」][^一-龥ぁ-んァ-ヶA-Za-z0-9]{0,2}$", compact(line)))


# 全米公館 (all missions in a country), perhaps with its exclusions: （除、アガナ、デトロイト）,
# each excluded post a name, none empty (、、 is a misreading).
_ALL_MISSIONS = re.compile(r"^全.{1,6}公館(?:[（(]除く?(?:、[一-龥ァ-ヶー]{1,12})+[）)])?$")


_EXCLUDED = re.compile(r"(?<=[、])([^、（）()]+)")  # the posts a 全米公館（除、…） leaves out


def _known_posts(found: Finding, items: list[str]) -> Finding:
    """Each forwarding item checked against the table of posts: one a character away from a
    known post is taken as that post (0ECD代 → OECD代), flagged inferred; an unknown item is
    kept, flagged."""
    checked, notes = [], []
    for item in items:
        folded = unicodedata.normalize("NFKC", item)
        if not re.search(r"[一-龥ぁ-んァ-ヶA-Za-z]", folded):  # 、*、: a speck read between two commas
            notes.append(f"{item} left out, no letter in it")
            found = found.flagged("repaired", certainty=min(found.certainty, MENDED))
        elif english("posts", folded) is not None:
            checked.append(item)
        elif _ALL_MISSIONS.match(item):
            checked.append(item)
            if unknown := [name for name in _EXCLUDED.findall(item) if english("posts", name) is None]:
                notes.append(f"{'、'.join(unknown)} not a known post")
                found = found.flagged("unknown_name", certainty=min(found.certainty, 0.8))
        elif (known := nearest("posts", folded)) is not None:
            checked.append(known)
            notes.append(f"{item}→{known}")
            found = found.flagged("inferred", certainty=min(found.certainty, MENDED))
        elif parts := run_together_posts(folded):
            checked.extend(parts)
            notes.append(f"{item} read as {'、'.join(parts)}, the commas between them not read")
            found = found.flagged("repaired", certainty=min(found.certainty, MENDED))
        else:
            checked.append(item)
            notes.append(f"{item} not a known post")
            found = found.flagged("unknown_name", certainty=min(found.certainty, 0.8))
    method = found.method + (f"; {', '.join(notes)}" if notes else "")
    return found.flagged(value=checked, method=method)


def run_together_posts(text: str) -> list[str]:
    """Known posts read with the commas between them lost or read as a dot (イタリア豪独 →
    イタリア, 豪, 独; ジュ府代・OECD代): each piece split into the fewest known posts that cover it,
    where exactly one such split exists; [] where a piece has none (or more than one)."""
    posts: list[str] = []
    for piece in re.split(r"[・･.．]", text):
        split = _fewest_posts(piece)
        if not split:
            return []
        posts += split
    return posts if len(posts) > 1 else []


def _fewest_posts(text: str) -> list[str]:
    splits: list[list[list[str]]] = [[[]], *[[] for _ in text]]  # splits[i]: the fewest-piece splits of text[:i]
    for end in range(1, len(text) + 1):
        for start in range(end):
            if english("posts", text[start:end]) is not None or _ALL_MISSIONS.match(text[start:end]):
                splits[end] += [[*head, text[start:end]] for head in splits[start]]
        if splits[end]:
            fewest = min(len(s) for s in splits[end])
            splits[end] = [s for s in splits[end] if len(s) == fewest][:2]
    whole = splits[len(text)]
    return whole[0] if len(whole) == 1 else []


def find_end_mark(ctx: Context) -> Finding | None:
    """（了）, the end of the cable's text, on its last lines (its brackets may be split over
    two). A bracketed single character in its place, (て), or a 了 whose brackets were not read,
    closing the text after a kana or a stop, is taken as 了, flagged inferred."""
    tail = ctx.body[-3:]
    joined = "".join(compact(ln) for _, ln in tail)
    found = re.search(r"[（(《〈]了[）)》〉]", joined)  # a bracket's shape misread (了》) leaves it the mark
    guessed = found is None
    if guessed:
        found = re.search(r"[（(]([^（）()])[）)][^一-龥ぁ-んァ-ヶ]{0,2}$", joined)
    if found is None:  # 転電した了: both brackets lost (a 了 after a kanji is a word's: 終了)
        found = re.search(r"(?<=[ぁ-んァ-ヶ。、])了[^一-龥ぁ-んァ-ヶ]{0,2}$", joined)
    if found is None:
        return None
    at = 0
    for page, line in tail:  # the line the mark starts on, and the span in it
        length = len(compact(line))
        if found.start() < at + length:
            mark = Finding("end_mark.ryo", "了", page, line, found.start() - at, min(found.end() - at, length),
                           "（了） at the end of the body", SURE)
            if guessed:
                mark = mark.noted(read_as=found.group(0)).flagged(
                    "inferred", certainty=DOUBTFUL, method="a bracketed character, or a bare 了, where （了） "
                                                            "stands, read as 了")
            return mark
        at += length
    return None


def absent_end_mark(ctx: Context) -> Absence:
    # Nearly every cable ends in （了）: not finding it is more often a misreading than a cable
    # without one (measured: four of 100 eval cables lost it on poor pages, none lacked it).
    return absent_where("end_mark.none", [ln for _, ln in ctx.body[-3:]], "no （了） at the end of the body", 0.8)


def _known_speaker(label: str) -> bool:
    names = known_names("speakers")
    return label in names or label.split("・")[-1] in names


def _mended_speaker(label: str) -> str | None:
    """A label whose title, after the name's ・, is one character off a known speaker's
    (クリストファー・賠務長官: 國 misread): the label with that title."""
    *name, title = label.split("・")
    close = [k for k in known_names("speakers") if len(title) >= 3 and len(k) == len(title)
             and Levenshtein.distance(k, title) == 1]
    # 國務長官 and 国務長官 are one title in two orthographies: the cables' older form, first in the table
    if not name or not close or len({search_form(k) for k in close}) > 1:
        return None
    return "・".join([*name, close[0]])


def find_speakers(ctx: Context) -> Finding | None:
    """Speaker turns in the body: （総理）… each with its label, paragraph and lines. The rule's
    certainty is that of its weakest label: one the table does not know may be misread. A
    paragraph opening with a known speaker whose closing bracket was lost ((総理ロシア…) is a
    turn too, and a label one character off a known speaker's title is taken as it: both for
    review."""
    cable = ctx.cable
    lines = {ln.id: (i, ln) for i, p in enumerate(cable.pages) for ln in p.lines}
    not_speakers = {"了", *known_names("caveats")}
    turns, evidence, notes = [], [], []
    taken_unclosed = 0  # turns opened by a label whose closing bracket was lost
    for paragraph in body_paragraphs(cable.pages):
        page, line = lines[paragraph.line_ids[0]]
        speaker, known = paragraph.speaker, paragraph.speaker is not None and _known_speaker(paragraph.speaker)
        # (限定配 with its end lost is a caveat, not a speaker
        if speaker is not None and any(word.startswith(speaker) for word in not_speakers):
            continue
        if speaker is None and (unclosed := unclosed_speaker_label(compact(line))):
            speaker, known = unclosed, True
            notes.append(f"({unclosed} read without its closing bracket")
            taken_unclosed += 1
        elif speaker is not None and not known and (mended := _mended_speaker(speaker)):
            notes.append(f"{speaker} read, one character off {mended}")
            speaker, known = mended, True
        if speaker is None:
            continue
        label = SPEAKER_LABEL.match(compact(line))
        evidence.append((page, line, label.end() if label else 1 + len(speaker), known))
        turns.append({"speaker": speaker, "paragraph": paragraph.index, "page": page,
                      "first_line": paragraph.line_ids[0], "last_line": paragraph.line_ids[-1],
                      "chars": len(paragraph.text)})
    if not turns:
        return None
    # The evidence kept is the weakest label's: its box is where a reviewer should look.
    page, line, end, known = min(evidence, key=lambda e: (e[3], span_evidence(e[1], 0, e[2])[1]))
    found = Finding("speakers.labels", turns, page, line, 0, end, "bracketed labels opening body paragraphs", SURE)
    if unknown := sorted({t["speaker"] for t, e in zip(turns, evidence, strict=True) if not e[3]}):
        found = found.flagged("unknown_name", certainty=UNKNOWN_NAME,
                              method=f"{found.method}; {'、'.join(unknown)} not a known speaker")
    if notes:
        found = found.flagged("repaired", certainty=min(found.certainty, MENDED),
                              method=f"{found.method}; {'; '.join(notes)}")
    if _labels_in_body(ctx) > len(turns):  # a label that opened no paragraph: a turn may be missed
        found = found.flagged(certainty=DOUBTFUL, method=f"{found.method}; more labels in the text than turns found")
    elif (unclosed_labels := _unclosed_labels(ctx)) and len(unclosed_labels) > taken_unclosed:
        found = found.flagged(certainty=DOUBTFUL, method=f"{found.method}; a label read without its closing "
                                                         f"bracket, or both ({unclosed_labels[0]}…): a turn may "
                                                         "be missed")
    elif opening := _unsure_opening(ctx, skip={t["paragraph"] for t in turns}):
        # て大臣):… — (大臣) read with its opening bracket a て, at 0.53: a turn may be missed
        found = found.flagged(certainty=DOUBTFUL, method=f"{found.method}; another paragraph's opening was read "
                                                         f"unsure ({opening}…): a label may be there")
    return found


def absent_speakers(ctx: Context) -> Absence:
    if unclosed := _unclosed_labels(ctx):
        return Absence("speakers.none", "not_found", 0.5, "no speaker label opens a paragraph, but a label read "
                       f"without its closing bracket, or both, does ({unclosed[0]}…)")
    if _labels_in_body(ctx):  # 「(総理)…: a label behind a speck is not seen to open its paragraph
        return Absence("speakers.none", "not_found", 0.5, "no speaker label opens a paragraph, but a known "
                       "speaker's label stands in the text")
    if opening := _unsure_opening(ctx):  # 絵環マジア…: (総理)ロシア… misread, its label lost
        return Absence("speakers.none", "not_found", DOUBTFUL, "no speaker label opens a paragraph, but the "
                       f"opening of one was read unsure ({opening}…): a label may be there")
    return absent_where("speakers.none", [ln for _, ln in ctx.body], "no speaker label opens a paragraph", 0.9)


OPENING = 3  # characters of a paragraph where its speaker's label would stand
UNSURE_OPENING = 0.85  # one of them read less surely than this may be a misread label


def _unsure_opening(ctx: Context, skip: frozenset[int] | set[int] = frozenset()) -> str | None:
    """The first characters of the first paragraph (not one of skip) whose opening the engines
    were unsure of."""
    lines = {ln.id: ln for p in ctx.cable.pages for ln in p.lines}
    for paragraph in body_paragraphs(ctx.cable.pages):
        if paragraph.index in skip:
            continue
        chars = [c for c in lines[paragraph.line_ids[0]].chars if c.text.strip()][:OPENING]
        if any(c.confidence is not None and c.confidence < UNSURE_OPENING for c in chars):
            return "".join(c.text for c in chars)
    return None


# What follows a speaker's name used in a sentence (総理は…, 大臣より…), not a label.
_PARTICLES = "はがのにをともへやよでか、。"


def _unclosed_labels(ctx: Context) -> list[str]:
    """Body lines opening with a known speaker whose brackets were not both read: (総理ロシア…
    (the closing one lost), 大臣)先般… (the opening one lost), or 総理ロシア… (both lost: seen on
    vertical pages in Gothic faces, where both engines dropped them), the name then followed by
    kana: a name opening a sentence (総理は…) or a word (大使館) is not one."""
    names = _speaker_names()
    bare = rf"(?:{names})(?=[ぁ-んァ-ヶ「])(?![{_PARTICLES}])"  # not before a kanji: 大使館, 外相会談
    label = re.compile(rf"^{LEADING_SPECKS}(?:[（(](?:{names})(?![）)」\]］])|(?:{names})[）)」\]］]|{bare})")
    return [m.group(0) for _, ln in ctx.body if (m := label.match(compact(ln)) or _unknown_unclosed(compact(ln)))]


# A bracket opening a body line, a name after it, and no closing bracket on the whole line: a
# speaker's label whose name was misread and whose closing bracket was lost ((クリストファー賠務名官大統…).
_UNKNOWN_UNCLOSED = re.compile(rf"^{LEADING_SPECKS}[（(][ァ-ヶー・一-龥]{{2,}}")


def _unknown_unclosed(text: str) -> re.Match[str] | None:
    return None if re.search(r"[）)」\]］]", text) else _UNKNOWN_UNCLOSED.match(text)


def _speaker_names() -> str:
    """The known speakers as one regular-expression alternation, the longest first."""
    return alternation("speakers")


def _labels_in_body(ctx: Context) -> int:
    """Known speaker labels anywhere in the body's lines, opening a paragraph or not."""
    label = re.compile(rf"[（(](?:[^（）()]{{0,12}}・)?(?:{_speaker_names()})[）)」]")
    return sum(len(label.findall(compact(ln))) for _, ln in ctx.body)
