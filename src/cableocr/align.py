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

from cableocr.dictionary import dictionary_overlap
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
from cableocr.policy import ReviewPolicy, settle, with_flags
from cableocr.translation import EnglishParagraph, ParsedTranslation

# Two paragraphs the translation gives in the other order: ja i with en j+1, ja i+1 with en j.
# (A paragraph move takes 2 x 2 only in this sense: the two-by-two merge never occurs.)
CROSSED = (2, 2)
CROSSED_PENALTY = 1.0  # a translation keeps the order far more often than it swaps
MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1), (3, 1), (1, 3), (4, 1), CROSSED)
# The translator splits a long Japanese sentence into two or three English ones.
SENTENCE_MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1), (2, 2), (1, 3))
RESCUE_SCORE = 1.5  # a paragraph left unpaired is paired out of order only above this
SKIP_PENALTY = -1.5
MERGE_PENALTY = {1: 0.0, 2: -0.4, 3: -0.9, 4: -1.4}
LOW_SCORE = 0.5  # pairs scoring below this are flagged for review
# Weight of the dictionary overlap (JMdict glosses of the Japanese words found in the English)
# in a sentence pair's score. bench/alignment.py: sentence F1 0.977 without it, 0.988 with it.
# Paragraphs do without: there speaker labels and numbers decide, and the overlap (weights
# 0.5 to 3) turned one swapped pair of paragraphs wrong and none right.
SENTENCE_DICTIONARY_WEIGHT = 3.0
# Checks that compare only part of a value (the subject by its numbers): their agreement says
# nothing of the rest, so it raises no confidence; their disagreement still flags.
PARTIAL_CHECKS = {"subject"}


# ---- matching a cable to its translation --------------------------------------------------

def match_translation(document: CableDocument, translations: list[ParsedTranslation]) -> ParsedTranslation | None:
    """The translation with the cable's number (and, where both have one, its date). A
    translation whose title gives another number than its form is a candidate under both; its
    disagreement flags the cable number (see cross_checks). A record that is not a cable is never
    matched."""
    number = document.fields["cable_number"].value
    date = document.fields["date_sent"].value
    candidates = [t for t in translations if t.matchable and number and number in t.numbers()]
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
        *_list_checks(document, translation),
        _number_check(number, translation),
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


def _number_check(number: str | None, translation: ParsedTranslation) -> CrossCheck:
    """The cable number against the translation's; where the translation's title and form give
    two numbers, the check fails whichever ours is: a person decides."""
    theirs = translation.header.get("number")
    conflict = next((d for d in translation.disagreements if d.field == "number"), None)
    if conflict is None:
        return _check("cable_number", number, theirs, number == theirs)
    return _check("cable_number", number, f"{conflict.body} (title: {conflict.title})", False,
                  f"the translation disagrees with itself: {conflict.describe()}")


def _list_checks(document: CableDocument, translation: ParsedTranslation) -> list[CrossCheck]:
    """Caveat, reference and forwarding list."""
    h = translation.header
    checks = []
    handling = document.fields.get("handling")
    ours = handling.value if handling and isinstance(handling.value, str) else None
    checks.append(_check("handling", ours, h.get("caveats"),
                         any(_same_words(e, h.get("caveats")) for e in table("caveats").get(ours or "", []))))
    references = document.fields.get("references")
    if references and isinstance(references.value, list) and references.value:
        first = references.value[0]
        kind = {"outgoing": "Outgoing", "incoming": "Incoming", "yours": "Your"}.get(first["kind"], "")
        english_ref = f"{kind} Cable No. {first['number']}"
        if first.get("separate_telegram"):
            english_ref += f" Separate Telegram {first['separate_telegram']}"
        checks.append(_check("references", first["text"], h.get("reference"), english_ref == h.get("reference"),
                             "" if kind else "its kind (往電/来電/貴電) was not read"))
    forwarding = document.fields.get("forwarding")
    passed = next((p.text for p in translation.paragraphs if p.text.startswith("Passed to")), None)
    if forwarding and isinstance(forwarding.value, list):
        missing = [post for post in forwarding.value if not _post_in(post, passed or "")]
        checks.append(_check("forwarding", "、".join(forwarding.value), passed, not missing,
                             f"not in the translation: {'、'.join(missing)}" if missing else "every post found"))
    return checks


def _post_in(post: str, english_text: str) -> bool:
    """A forwarding item (英, 全米公館（除、…）) named in the translation's forwarding line. An
    exclusion list with an empty item (除く、、アガナ) is a misreading, never a match."""
    if re.search(r"、、|[（(]、|、[）)]|[（(]除く?[）)]", post):
        return False
    name = re.split(r"[（(]", post)[0]
    # 0 for O is the usual misreading in Latin abbreviations (0ECD代).
    english_name = english("posts", name) or english("posts", re.sub(r"0(?=[A-Z])|(?<=[A-Z])0", "O", name))
    return bool(english_name) and english_name.lower() in english_text.lower()


def _japanese_for(field: str, theirs: str) -> str | None:
    """The Japanese value a translation's reading stands for, where the tables say."""
    if field in ("cable_number", "date_sent"):
        return theirs
    tables = {"sending_post": "posts", "addressee": "addressees", "handling": "caveats",
              "classification": "classifications", "precedence": "precedences"}
    if field not in tables:
        return None
    for japanese, english_names in table(tables[field]).items():
        names = english_names if isinstance(english_names, list) else [english_names]
        if any(_same_words(name, theirs) for name in names):
            return japanese
    return None


def fill_from_translation(document: CableDocument, translation: ParsedTranslation,
                          policy: ReviewPolicy) -> dict[str, ExtractedField]:
    """Fields OCR did not find, taken from the translation where the tables give their Japanese
    form: marked as coming from the translation, and always for review."""
    h = translation.header
    theirs = {"cable_number": h.get("number"), "date_sent": h.get("sent"), "sending_post": translation.sent_post,
              "addressee": h.get("to"), "classification": h.get("classification"),
              "precedence": h.get("precedence"), "handling": h.get("caveats")}
    fields = dict(document.fields)
    for name, reading in theirs.items():
        field = fields.get(name)
        if field is None or field.value is not None or not reading:
            continue
        if (value := _japanese_for(name, reading)) is not None:
            fields[name] = settle(name, field, policy, value=value, confidence=0.5, reason=None, source="translation",
                                  flags=with_flags(field, "translation"), rule="translation.header",
                                  method="from the translation (not found by OCR)", detail={"translation": reading})
    return fields


def apply_cross_checks(document: CableDocument, checks: list[CrossCheck], policy: ReviewPolicy) -> dict[str, ExtractedField]:
    """Agreement raises a field's confidence (noisy-OR with the translation's reliability), and
    the policy decides again (a flagged value stays for review); disagreement flags it for
    review with both readings."""
    fields = dict(document.fields)
    for check in checks:
        field = fields.get(check.field)
        if field is None or check.agree is None:
            continue
        detail = {**field.detail, "translation": check.theirs or ""}
        if check.agree and check.field in PARTIAL_CHECKS:
            fields[check.field] = field.model_copy(update={"detail": detail})
        elif check.agree:
            confidence = round(1 - (1 - field.confidence) * (1 - policy.translation_reliability), 4)
            fields[check.field] = settle(check.field, field, policy, confidence=confidence, detail=detail,
                                         method=f"{field.method}; agrees with the translation")
        else:
            fields[check.field] = settle(check.field, field, policy, confidence=min(field.confidence, 0.5),
                                         detail=detail, flags=with_flags(field, "translation"),
                                         method=f"{field.method}; disagrees with the translation")
    return fields


# ---- paragraph alignment ------------------------------------------------------------------

_EN_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "forty": "40", "half": "5"}
_KATAKANA_RUN = re.compile(r"[ァ-ヶー]{3,}")
# A second speaker turn run into an English paragraph: a short label after a sentence's end.
_EN_TURN_INSIDE = re.compile(r"(?<=[.?!] )\([A-Z][^()]{1,40}\)\s(?=[A-Z])")


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
        score += 2.0 if match else -3.0
    elif bool(ja[0].speaker) != bool(en[0].speaker):
        score -= 0.7
    # Both sides should hold as many speaker turns (an English paragraph may hold two turns
    # where the translation ran them together).
    ja_turns = sum(1 for p in ja if p.speaker)
    en_turns = sum(1 for p in en if p.speaker) + sum(len(_EN_TURN_INSIDE.findall(p.text)) for p in en)
    score -= 3.0 * abs(ja_turns - en_turns)
    jn, enn = _ja_numbers(ja_text), _en_numbers(en_text)
    if jn or enn:
        score += 1.5 * len(jn & enn) / len(jn | enn)
    score += 1.0 * _names_match(ja_text, en_text)
    # The forwarding line and the reference line pair only with each other.
    ja_forwarding = any("転電" in p.text for p in ja)
    en_forwarding = bool(re.search(r"(?:^|[.?!)] )Passed to", en_text))
    score += 2.0 if ja_forwarding and en_forwarding else -3.0 if ja_forwarding != en_forwarding else 0.0
    ja_reference = bool(re.match(r"^[往来貴]電", ja_text))
    en_reference = bool(re.match(r"^(Outgoing|Incoming|Your|Our) (Cable|Telegram)", en_text))
    score += 2.0 if ja_reference and en_reference else -3.0 if ja_reference != en_reference else 0.0
    expected = len(ja_text) * ratio
    score -= 1.2 * abs(math.log(max(len(en_text), 1) / max(expected, 1)))
    return score + 1.0  # a plausible pairing beats two skips


def _paragraph_pair(ja: list[BodyParagraph], en: list[EnglishParagraph], score: float) -> AlignedPair:
    return AlignedPair(ja="".join(p.text for p in ja), en=" ".join(p.text for p in en),
                       ja_paragraphs=[p.index for p in ja], en_paragraphs=[p.index for p in en],
                       level="paragraph", score=round(score, 3), flagged=score < LOW_SCORE)


def align_paragraphs(ja: list[BodyParagraph], en: list[EnglishParagraph]) -> list[AlignedPair]:
    """The best-scoring monotone sequence of pairings, by dynamic programming; then paragraphs
    it left unpaired on both sides are paired out of order where they score well together
    (a translation may move a paragraph)."""
    ratio = length_ratio(ja, en)

    def score(i: int, di: int, j: int, dj: int) -> float:
        if (di, dj) == CROSSED:
            return (_pair_score(ja[i : i + 1], en[j + 1 : j + 2], ratio)
                    + _pair_score(ja[i + 1 : i + 2], en[j : j + 1], ratio) - CROSSED_PENALTY)
        return _pair_score(ja[i : i + di], en[j : j + dj], ratio)

    pairs = []
    for i, di, j, dj, s in _dp(len(ja), len(en), score, MOVES):
        if (di, dj) == CROSSED:
            pairs += [_paragraph_pair(ja[i : i + 1], en[j + 1 : j + 2], _pair_score(ja[i : i + 1], en[j + 1 : j + 2], ratio)),
                      _paragraph_pair(ja[i + 1 : i + 2], en[j : j + 1], _pair_score(ja[i + 1 : i + 2], en[j : j + 1], ratio))]
        else:
            pairs.append(_paragraph_pair(ja[i : i + di], en[j : j + dj], s))
    alone_ja = [p for p in pairs if not p.en_paragraphs]
    alone_en = [p for p in pairs if not p.ja_paragraphs]
    by_index_ja, by_index_en = {p.index: p for p in ja}, {p.index: p for p in en}
    for lone in alone_ja:
        candidates = [(_pair_score([by_index_ja[lone.ja_paragraphs[0]]], [by_index_en[e.en_paragraphs[0]]], ratio), e)
                      for e in alone_en if e in pairs]
        if candidates and (best := max(candidates, key=lambda c: c[0]))[0] >= RESCUE_SCORE:
            score, other = best
            pairs[pairs.index(lone)] = _paragraph_pair([by_index_ja[lone.ja_paragraphs[0]]],
                                                       [by_index_en[other.en_paragraphs[0]]], score)
            pairs.remove(other)
    return pairs


def length_ratio(ja: list[BodyParagraph], en: list[EnglishParagraph]) -> float:
    """English characters per Japanese character in this cable."""
    return sum(len(p.text) for p in en) / max(sum(len(p.text) for p in ja), 1)


# ---- sentence alignment inside paragraph pairs --------------------------------------------

_JA_SENTENCE = re.compile(r".+?(?:[。？！][）」』)]*|$)", re.S)
# A sentence ends at . ? ! (and closing quotes or brackets) before a blank and a capital, a
# bracket or a quote; titles and "No." do not end one.
_EN_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bSt)(?<!\bNo)(?<!\bU\.S)[.?!][\"”’)\]]*\s+(?=[A-Z(\[\"“])"
)


def split_ja_sentences(text: str) -> list[str]:
    return [s.strip() for s in _JA_SENTENCE.findall(text) if s.strip()]


def split_en_sentences(text: str) -> list[str]:
    sentences, start = [], 0
    for match in _EN_SENTENCE_END.finditer(text):
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def _sentence_score(ja: list[str], en: list[str], ratio: float) -> float:
    if not ja or not en:
        only_note = en and all(re.fullmatch(r"\[TN:[^\]]*\]\.?", s) for s in en)
        return 0.5 if only_note else SKIP_PENALTY
    ja_text, en_text = "".join(ja), " ".join(en)
    en_text = re.sub(r"^\([^)]*\)\s*", "", en_text)  # the speaker label is not part of the length
    ja_text = re.sub(r"^[（(][^）)]*[）)]", "", ja_text)
    score = MERGE_PENALTY[max(len(ja), len(en))] + 1.0
    jn, enn = _ja_numbers(ja_text), _en_numbers(en_text)
    if jn or enn:
        score += 1.0 * len(jn & enn) / len(jn | enn)
    score += 0.8 * _names_match(ja_text, en_text)
    score += SENTENCE_DICTIONARY_WEIGHT * dictionary_overlap(ja, en)
    score -= 1.2 * abs(math.log(max(len(en_text), 1) / max(len(ja_text) * ratio, 1)))
    return score


def _dp(n: int, m: int, score, moves) -> list[tuple[int, int, int, int, float]]:
    """The best path through an n x m grid of moves: (i, di, j, dj, score) for each step."""
    best = [[-math.inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == -math.inf:
                continue
            for di, dj in moves:
                if i + di <= n and j + dj <= m:
                    total = best[i][j] + score(i, di, j, dj)
                    if total > best[i + di][j + dj]:
                        best[i + di][j + dj], back[i + di][j + dj] = total, (di, dj)
    steps, i, j = [], n, m
    while (i, j) != (0, 0):
        di, dj = back[i][j]
        steps.append((i - di, di, j - dj, dj, score(i - di, di, j - dj, dj)))
        i, j = i - di, j - dj
    return steps[::-1]


def align_sentences(pair: AlignedPair, ratio: float) -> list[AlignedPair]:
    """Sentence pairs inside one paragraph pair."""
    ja, en = split_ja_sentences(pair.ja), split_en_sentences(pair.en)
    steps = _dp(len(ja), len(en), lambda i, di, j, dj: _sentence_score(ja[i : i + di], en[j : j + dj], ratio),
                SENTENCE_MOVES)
    return [
        AlignedPair(ja="".join(ja[i : i + di]), en=" ".join(en[j : j + dj]), ja_paragraphs=pair.ja_paragraphs,
                    en_paragraphs=pair.en_paragraphs, level="sentence", score=round(s, 3), flagged=s < LOW_SCORE)
        for i, di, j, dj, s in steps
    ]


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


def align_cable(document: CableDocument, translation: ParsedTranslation, policy: ReviewPolicy) -> CableDocument:
    """The document with its alignment, and its fields adjusted by the cross-checks."""
    checks = cross_checks(document, translation)
    paragraph_pairs = align_paragraphs(document.paragraphs, translation.paragraphs)
    ratio = length_ratio(document.paragraphs, translation.paragraphs)
    pairs = [*paragraph_pairs, *(s for p in paragraph_pairs if p.ja and p.en for s in align_sentences(p, ratio))]
    fields = apply_cross_checks(document, checks, policy)
    fields = fill_from_translation(document.model_copy(update={"fields": fields}), translation, policy)
    alignment = Alignment(translation=translation.source, cross_checks=checks, pairs=pairs,
                          notes=_link_notes(document, translation, pairs))
    return document.model_copy(update={
        "fields": fields, "alignment": alignment,
        "needs_review": [name for name, f in fields.items() if f.status == "needs_review"],
    })
