"""The project's tables of known names (posts, addressees) and the English the translations use."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from rapidfuzz.distance import Levenshtein


@cache
def _tables() -> dict[str, dict]:
    text = resources.files("cableocr").joinpath("data/lexicon.json").read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def table(name: str) -> dict:
    """A whole table: posts, addressees, titles, classifications, precedences, speakers."""
    return _tables()[name]


def english(table_name: str, name: str) -> str | None:
    return _tables()[table_name].get(name)


def known_names(table_name: str) -> list[str]:
    return list(_tables()[table_name])


def nearest(table_name: str, name: str) -> str | None:
    """The one known name a single misread character away (same length), if exactly one is."""
    if len(name) < 3:
        return None
    close = [k for k in _tables()[table_name] if len(k) == len(name) and Levenshtein.distance(k, name) == 1]
    return close[0] if len(close) == 1 else None


def terms_in(text: str, *table_names: str) -> int:
    """How many of the tables' names the text holds."""
    return sum(text.count(name) for table_name in table_names for name in _tables()[table_name])


def alternation(table_name: str) -> str:
    """A table's names as one regular-expression alternation, the longest first (so that
    外務大臣 is matched before 大臣)."""
    return "|".join(re.escape(n) for n in sorted(_tables()[table_name], key=len, reverse=True))
