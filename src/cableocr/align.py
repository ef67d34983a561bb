"""Cable + published translation -> header cross-checks, aligned paragraphs and linked notes.

Paragraphs are aligned by dynamic programming over 1-1, 1-2, 2-1, 1-0, 0-1 moves, plus 3-1 and
1-3: a redaction splits a Japanese speaker turn into pieces that the translation keeps as one
paragraph with a [TN: … blacked out] note. The score of a pairing draws on speaker labels,
numbers, names (katakana transliterated against English words), the reference and forwarding
lines, and the length ratio.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache

import jaconv
from kanjize import kanji2number
from rapidfuzz import fuzz

from cableocr.config import FieldsConfig
from cableocr.lexicon import english, table
from cableocr.models import (
    AlignedPair,
    Alignment,
    AlignmentNote,
    BodyParagraph,
    CableDocument,
    CrossCheck,
    ExtractedField,
)
from cableocr.translation import EnglishParagraph, ParsedTranslation

MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1), (3, 1), (1, 3))
SKIP_PENALTY = -1.5
MERGE_PENALTY = {1: 0.0, 2: -0.4, 3: -0.9}
LOW_SCORE = 0.5  # pairs scoring below this are flagged for review
TRANSLATION_RELIABILITY = 0.9  # how far an agreeing translation is trusted (noisy-OR)


# ---- matching a cable to its translation --------------------------------------------------

def match_translation(document: CableDocument, translations: list[ParsedTranslation]) -> ParsedTranslation | None:
    """The translation with the cable's number (and, where both have one, its date)."""
    number = document.fields["cable_number"].value
    date = document.fields["date_sent"].value
    candidates = [t for t in translations if number and t.header.get("number") == number]
    dated = [t for t in candidates if date and t.header.get("sent") == date]
    return (dated or candidates or [None])[0]


# ---- header cross-checks ------------------------------------------------------------------

@cache
def _romaji(text: str) -> str:
    import pykakasi

    return "".join(part["hepburn"] for part in pykakasi.kakasi().convert(text)).lower()


def _same_words(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return fuzz.token_sort_ratio(a.lower(), b.lower()) >= 90


def _sender_in_english(sender: str) -> str | None:
    """波多野大使 -> 'Ambassador Hatano', from the title table and the surname's reading."""
    for title, english_title in sorted(table("titles").items(), key=lambda kv: -len(kv[0])):
        if sender.endswith(title) and len(sender) > len(title):
            return f"{english_title} {_romaji(sender[: -len(title)]).capitalize()}"
    return None


def _numbers_in(text: str) -> set[str]:
    return set(re.findall(r"\d+", unicodedata.normalize("NFKC", text)))


def _check(field: str, ours: str | None, theirs: str | None, agree: bool | None, note: str = "") -> CrossCheck:
    if ours is None or theirs is None:
        agree = None
    return CrossCheck(field=field, ours=ours, theirs=theirs, agree=agree, note=note)


def cross_checks(document: CableDocument, translation: ParsedTranslation) -> list[CrossCheck]:
    """Every header field both sides have, compared through the project's tables."""
    def value(name: str) -> str | None:
        field = document.fields.get(name)
        return field.value if field and isinstance(field.value, str) else None

    h = translation.header
    number, date, post = value("cable_number"), value("date_sent"), value("sending_post")
    addressee, sender = value("addressee"), value("sender")
    classification, precedence, subject = value("classification"), value("precedence"), value("subject")
    checks = [
        _check("cable_number", number, h.get("number"), number == h.get("number")),
        _check("date_sent", date, h.get("sent"), date == h.get("sent")),
        _check("sending_post", post, translation.sent_post,
               _same_words(english("posts", post or ""), translation.sent_post), "through the table of posts"),
        _check("addressee", addressee, h.get("to"),
               _same_words(english("addressees", addressee or ""), h.get("to")), "through the table of addressees"),
        _check("sender", sender, h.get("from"),
               _same_words(_sender_in_english(sender or ""), h.get("from")), "title table and the surname's reading"),
        _check("classification", classification, h.get("classification"),
               h.get("classification") in table("classifications").get(classification or "", [])),
        _check("precedence", precedence, h.get("precedence"),
               h.get("precedence") in table("precedences").get(precedence or "", [])),
        _check("subject", subject, h.get("title"),
               bool(_numbers_in(subject or "")) and _numbers_in(subject or "") == _numbers_in(h.get("title") or ""),
               "compared by the numbers they hold (別電 N / Separate Telegram N)"),
    ]
    return checks


def apply_cross_checks(document: CableDocument, checks: list[CrossCheck], cfg: FieldsConfig) -> dict[str, ExtractedField]:
    """Agreement raises a field's confidence (noisy-OR with the translation's reliability);
    disagreement flags it for review with both readings."""
    fields = dict(document.fields)
    for check in checks:
        field = fields.get(check.field)
        if field is None or check.agree is None:
            continue
        detail = {**field.detail, "translation": check.theirs or ""}
        if check.agree:
            confidence = round(1 - (1 - field.confidence) * (1 - TRANSLATION_RELIABILITY), 4)
            status = "auto" if confidence >= cfg.review_threshold and field.status != "reviewed" else field.status
            fields[check.field] = field.model_copy(update={
                "confidence": confidence, "status": status, "detail": detail,
                "method": f"{field.method}; agrees with the translation"})
        else:
            fields[check.field] = field.model_copy(update={
                "confidence": min(field.confidence, 0.5), "status": "needs_review", "detail": detail,
                "method": f"{field.method}; disagrees with the translation"})
    return fields


# ---- paragraph alignment ------------------------------------------------------------------

_EN_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "forty": "40", "half": "5"}
_KATAKANA_RUN = re.compile(r"[ァ-ヶー]{3,}")


def _ja_numbers(text: str) -> set[str]:
    text = unicodedata.normalize("NFKC", text)
    found = set(re.findall(r"\d+", text))
    for run in re.findall(r"[一二三四五六七八九十百千]+", text):
        try:
            found.add(str(kanji2number(run)))
        except ValueError:
            continue
    return found - {"0"}


def _en_numbers(text: str) -> set[str]:
    found = set(re.findall(r"\d+", text))
    found |= {v for w, v in _EN_NUMBER_WORDS.items() if re.search(rf"\b{w}\b", text, re.I)}
    return found - {"0"}


def _skeleton(word: str) -> str:
    """A consonant skeleton that survives transliteration: クリストファー ~ Christopher."""
    word = word.lower().replace("ch", "k").replace("ph", "f").replace("ts", "t").replace("c", "k")
    word = re.sub(r"[^a-z]", "", word)
    return re.sub(r"[aeiouyhw]", "", word)


def _names_match(ja: str, en: str) -> float:
    """Share of the katakana names in ja that some English word in en transliterates."""
    names = _KATAKANA_RUN.findall(ja)
    if not names:
        return 0.0
    words = {_skeleton(w) for w in re.findall(r"[A-Z][a-z]+", en) if len(w) > 3}
    hits = 0
    for name in names:
        romaji = _skeleton(jaconv.kana2alphabet(jaconv.kata2hira(name)))
        if romaji and any(w and fuzz.ratio(romaji, w) >= 70 for w in words):
            hits += 1
    return hits / len(names)


def speakers_match(ja_label: str | None, en_label: str | None) -> bool | None:
    """Whether a Japanese speaker label names the same speaker as an English one; None where
    either has no label."""
    if not ja_label or not en_label:
        return None
    speakers = table("speakers")
    for part in re.split(r"[・･\s]", ja_label):
        for english_label in speakers.get(part, []):
            if english_label.lower() in en_label.lower():
                return True
        if _KATAKANA_RUN.fullmatch(part) and _names_match(part, en_label) > 0:
            return True
    return False


def _pair_score(ja: list[BodyParagraph], en: list[EnglishParagraph], ratio: float) -> float:
    if not ja or not en:
        return SKIP_PENALTY
    ja_text, en_text = "".join(p.text for p in ja), " ".join(p.text for p in en)
    score = MERGE_PENALTY[max(len(ja), len(en))]
    match = speakers_match(ja[0].speaker, en[0].speaker)
    if match is not None:
        score += 2.0 if match else -2.0
    elif bool(ja[0].speaker) != bool(en[0].speaker):
        score -= 0.7
    # A speaker turn starting later inside the group means two turns were joined: penalise.
    score -= 1.5 * sum(1 for p in ja[1:] if p.speaker) + 1.5 * sum(1 for p in en[1:] if p.speaker)
    jn, enn = _ja_numbers(ja_text), _en_numbers(en_text)
    if jn or enn:
        score += 1.5 * len(jn & enn) / len(jn | enn)
    score += 1.0 * _names_match(ja_text, en_text)
    if ("転電" in ja_text) and en_text.startswith("Passed to"):
        score += 2.0
    if re.match(r"^[往来貴]電", ja_text) and re.match(r"^(Outgoing|Incoming|Your)", en_text):
        score += 2.0
    expected = len(ja_text) * ratio
    score -= 0.8 * abs(math.log(max(len(en_text), 1) / max(expected, 1)))
    return score + 1.0  # a plausible pairing beats two skips


def align_paragraphs(ja: list[BodyParagraph], en: list[EnglishParagraph]) -> list[AlignedPair]:
    """The best-scoring sequence of pairings, by dynamic programming."""
    ratio = sum(len(p.text) for p in en) / max(sum(len(p.text) for p in ja), 1)
    n, m = len(ja), len(en)
    best = [[-math.inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == -math.inf:
                continue
            for di, dj in MOVES:
                if i + di > n or j + dj > m:
                    continue
                total = best[i][j] + _pair_score(ja[i : i + di], en[j : j + dj], ratio)
                if total > best[i + di][j + dj]:
                    best[i + di][j + dj], back[i + di][j + dj] = total, (di, dj)
    pairs, i, j = [], n, m
    while (i, j) != (0, 0):
        di, dj = back[i][j]
        group_ja, group_en = ja[i - di : i], en[j - dj : j]
        score = _pair_score(group_ja, group_en, ratio)
        pairs.append(AlignedPair(
            ja="".join(p.text for p in group_ja), en=" ".join(p.text for p in group_en),
            ja_paragraphs=[p.index for p in group_ja], en_paragraphs=[p.index for p in group_en],
            level="paragraph", score=round(score, 3), flagged=score < LOW_SCORE,
        ))
        i, j = i - di, j - dj
    return pairs[::-1]


# ---- notes and redactions -----------------------------------------------------------------

def _link_notes(document: CableDocument, translation: ParsedTranslation, pairs: list[AlignedPair]) -> list[AlignmentNote]:
    """Each translator's note; a [TN: … blacked out] in the body is linked to the redaction box
    on the page that lies among the lines of the Japanese paragraphs it is aligned with."""
    lines = {ln.id: (n, ln) for n, page in enumerate(document.pages) for ln in page.lines}
    notes = []
    for note in translation.notes:
        redaction = None
        if note.kind == "blacked_out":
            pair = next((p for p in pairs if note.paragraph in p.en_paragraphs), None)
            redaction = _redaction_near(document, pair, lines) if pair else None
        notes.append(AlignmentNote(text=note.text, kind=note.kind, en_paragraph=note.paragraph, redaction=redaction))
    return notes


def _redaction_near(document: CableDocument, pair: AlignedPair, lines) -> dict | None:
    ids = [i for p in document.paragraphs if p.index in pair.ja_paragraphs for i in p.line_ids]
    for page_number in sorted({lines[i][0] for i in ids if i in lines}):
        page = document.pages[page_number]
        boxes = [lines[i][1].box for i in ids if i in lines and lines[i][0] == page_number]
        if not boxes or not page.redactions:
            continue
        vertical = page.writing_mode == "vertical"
        low = min(b.x0 if vertical else b.y0 for b in boxes)
        high = max(b.x1 if vertical else b.y1 for b in boxes)
        for box in page.redactions:
            middle = (box.x0 + box.x1) / 2 if vertical else (box.y0 + box.y1) / 2
            if low - 100 <= middle <= high + 100:
                return {"page": page_number, "box": box.model_dump()}
    return None


def align_cable(document: CableDocument, translation: ParsedTranslation, cfg: FieldsConfig) -> CableDocument:
    """The document with its alignment, and its fields adjusted by the cross-checks."""
    checks = cross_checks(document, translation)
    pairs = align_paragraphs(document.paragraphs, translation.paragraphs)
    fields = apply_cross_checks(document, checks, cfg)
    alignment = Alignment(translation=translation.source, cross_checks=checks, pairs=pairs,
                          notes=_link_notes(document, translation, pairs))
    return document.model_copy(update={
        "fields": fields, "alignment": alignment,
        "needs_review": [name for name, f in fields.items() if f.status == "needs_review"],
    })
