"""Japanese text clean-up: the engine's spacing, widths, and a normalised form for search."""

from __future__ import annotations

import re
import unicodedata

from cableocr.orthography import modern_form

# Spaces Tesseract puts between Japanese characters (and between a Japanese character and a
# digit): drop a run of blanks when a neighbour on either side is outside ASCII.
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000]+|[ \t\u3000]+(?=[^\x00-\x7f])")
OPENING_BRACKETS, CLOSING_BRACKETS = "(（", ")）"
# A paragraph's number, alone before its full stop (1. in the notice; in a column it stands upright).
PARAGRAPH_NUMBER = re.compile(r"[0-9０-９]{1,2}")


def unclosed_brackets(text: str, opening: str = OPENING_BRACKETS, closing: str = CLOSING_BRACKETS) -> int:
    """How many brackets text leaves open at its end (a closing one with none open closes
    nothing); with opening and closing swapped, read from the end, how many it closes unopened."""
    depth = 0
    for char in text:
        depth = depth + 1 if char in opening else max(0, depth - 1) if char in closing else depth
    return depth


# After NFKC, brackets and colons in Japanese text are full-width on the page.
_TO_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ":": "："})


def remove_engine_spaces(text: str) -> str:
    """Remove blanks next to Japanese characters; keep the ones between Latin words."""
    return _CJK_SPACE.sub("", text).strip()


_KATAKANA = re.compile(r"[ァ-ヺー]")
# Kanji the engine reads for katakana of the same shape, mended where katakana stand beside them
# (口シア, デト口イト, 工リツイン, 力ナダ); 二 only after katakana (二カ国 is a count).
_LOOKALIKE_KATAKANA = {"口": "ロ", "工": "エ", "力": "カ", "二": "ニ"}
_NEEDS_KATAKANA_BEFORE = {"二"}


def _zero_or_o(chars: list[str], i: int) -> str:
    """0 or O, by its neighbours: beside a capital letter and no digit, the letter O (0ECD,
    PR0GRESS, read on vertical pages); beside a digit and no capital, the digit (2O17)."""
    near = [c for c in (chars[i - 1] if i else "", chars[i + 1] if i + 1 < len(chars) else "") if c]
    capital = any(c.isascii() and c.isupper() for c in near)
    digit = any(c.isascii() and c.isdigit() for c in near)
    if capital and not digit:
        return "O"
    if digit and not capital:
        return "0"
    return chars[i]


# The Foreign Ministry's declassification stamp, stamped on every page when the cable was
# released: its two lines (../shared/design/cable-format.md).
DECLASSIFICATION_STAMP = ("秘密指定解除", "外交記録・情報公開室")


def same_shape(a: str, b: str) -> bool:
    """Whether two characters are one printed shape (口 and ロ, 工 and エ, 力 and カ, 二 and ニ):
    two readers reading them have read the same ink."""
    return a == b or _LOOKALIKE_KATAKANA.get(a) == b or _LOOKALIKE_KATAKANA.get(b) == a


def mend_lookalikes(text: str) -> str:
    """Characters whose printed shapes are the same (ロ and 口, エ and 工, カ and 力, ニ and 二,
    0 and O) set to the one their neighbours call for; 日口 (not a word) is 日ロ, Japan–Russia.
    The length is kept: one character for one."""
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch in "0O":
            chars[i] = _zero_or_o(chars, i)
            continue
        if ch not in _LOOKALIKE_KATAKANA:
            continue
        before = i > 0 and bool(_KATAKANA.match(chars[i - 1]))
        after = i + 1 < len(chars) and bool(_KATAKANA.match(chars[i + 1]))
        if before or (after and ch not in _NEEDS_KATAKANA_BEFORE):
            chars[i] = _LOOKALIKE_KATAKANA[ch]
        elif ch == "口" and i > 0 and chars[i - 1] == "日":
            chars[i] = "ロ"
    return "".join(chars)


def normalize(text: str) -> str:
    """A search form: NFKC (half-width digits and Latin), full-width Japanese punctuation."""
    folded = unicodedata.normalize("NFKC", remove_engine_spaces(text))
    return folded.translate(_TO_FULL_WIDTH)


def comparison_form(text: str) -> str:
    """The form CER is measured on: NFKC, all white space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def search_form(text: str) -> str:
    """normalize, then modern orthography (cableocr.orthography): what a historian searches."""
    return modern_form(normalize(text))
