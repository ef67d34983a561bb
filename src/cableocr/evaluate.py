"""Measures against ground truth: character error rate."""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from cableocr.text import comparison_form


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over the reference length, after NFKC and with white space removed."""
    ref, hyp = comparison_form(reference), comparison_form(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
