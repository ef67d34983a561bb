"""Japanese words and their English glosses, for the alignment's dictionary overlap: janome finds
the content words of a Japanese paragraph (with their dictionary forms), JMdict (through
jamdict, its data shipped in the jamdict-data package) gives each its English glosses.

Words are compared by their first five letters (a crude stem both sides share: support,
supported, supporting), so that inflection does not hide a match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

CONTENT_POS = ("名詞", "動詞", "形容詞", "副詞")
STEM = 5
# Words too common to say anything about which paragraph renders which.
EN_STOPWORDS = frozenset("""
a an the of to in on at for from by with and or but as is are was were be been being this that these
those it its he she they them his her their we our you your i me my not no so such than then there
which who whom what when where why how also into over under about after before between through
one some any all each other more most very can could would should will shall may might must do does
did done have has had thing things something someone person people etc oneself usu esp fig
""".split())  # noqa: SIM905 - a list of a hundred quoted words reads worse


@cache
def _tokenizer():
    from janome.tokenizer import Tokenizer

    return Tokenizer()


@cache
def _jamdict():
    from jamdict import Jamdict

    return Jamdict()


def stems(words: Iterable[str]) -> frozenset[str]:
    found = set()
    for word in words:
        word = word.lower()
        if len(word) >= 3 and word not in EN_STOPWORDS:
            found.add(word[:STEM])
    return frozenset(found)


def english_stems(text: str) -> frozenset[str]:
    return stems(re.findall(r"[A-Za-z]+", text))


@lru_cache(maxsize=100_000)
def gloss_stems(word: str) -> frozenset[str]:
    """The stems of every English gloss JMdict gives the word (empty when it has none)."""
    result = _jamdict().lookup(word, strict_lookup=True, lookup_chars=False, lookup_ne=False)
    glosses = " ".join(g.text for entry in result.entries for sense in entry.senses for g in sense.gloss)
    return english_stems(re.sub(r"\([^)]*\)", " ", glosses))  # (usu. …) notes are not renderings


@lru_cache(maxsize=10_000)
def content_words(text: str) -> tuple[str, ...]:
    """The distinct dictionary forms of the nouns, verbs, adjectives and adverbs of text, in
    order, leaving out single kana and numbers."""
    seen: dict[str, None] = {}
    for token in _tokenizer().tokenize(text):
        pos = token.part_of_speech.split(",")
        base = token.base_form if token.base_form != "*" else token.surface
        if pos[0] in CONTENT_POS and pos[1] not in ("数", "非自立", "接尾") and len(base) > 1:
            seen.setdefault(base, None)
    return tuple(seen)


def dictionary_overlap(ja_texts: Iterable[str], en_texts: Iterable[str]) -> float:
    """How well the two sides render each other, by the dictionary: the harmonic mean of the
    share of Japanese content words (those JMdict knows) with a rendering in the English, and
    the share of English words that render one of them. 0 when nothing matches; a paragraph
    paired with extra English (or extra Japanese) scores lower than with its own."""
    english = frozenset().union(*(english_stems(t) for t in en_texts))
    known = [glosses for text in ja_texts for word in content_words(text) if (glosses := gloss_stems(word))]
    if not known or not english:
        return 0.0
    rendered = sum(1 for glosses in known if glosses & english) / len(known)
    explained = len(english & frozenset().union(*known)) / len(english)
    return 0.0 if rendered + explained == 0 else 2 * rendered * explained / (rendered + explained)
