"""Japanese text clean-up: the engine's spacing, widths, and a normalised form for search."""

from __future__ import annotations

import re
import unicodedata

from cableocr.orthography import modern_form

# Spaces Tesseract puts between Japanese characters (and between a Japanese character and a
# digit): drop a run of blanks when a neighbour on either side is outside ASCII.
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000]+|[ \t\u3000]+(?=[^\x00-\x7f])")
# After NFKC, brackets and colons in Japanese text are full-width on the page.
_TO_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ":": "："})


def remove_engine_spaces(text: str) -> str:
    """Remove blanks next to Japanese characters; keep the ones between Latin words."""
    return _CJK_SPACE.sub("", text).strip()


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
