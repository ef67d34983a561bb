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


def opening_index(texts: list[str], opening: str, minimum: float = 70.0) -> int:
    """The text that opens with these words, fuzzily (OCR misreads a character or two).

    Raises ValueError when none is close enough."""
    from rapidfuzz import fuzz

    folded = comparison_form(opening)
    scores = [fuzz.ratio(folded, comparison_form(t)[: len(folded)]) for t in texts]
    best = max(range(len(texts)), key=scores.__getitem__)
    if scores[best] < minimum:
        raise ValueError(f"no text opens with {opening!r}")
    return best


def resolve_gold(gold: list[tuple[list[str], list[str]]], ja: list[str], en: list[str]) -> list[tuple[list[int], list[int]]]:
    """A gold alignment written as opening words -> paragraph indexes."""
    return [([opening_index(ja, j) for j in js], [opening_index(en, e) for e in es]) for js, es in gold]


def precision_recall(predicted: set, gold: set) -> tuple[float, float, float]:
    """Precision, recall and F1 of predicted links against gold links (links: hashable pairs)."""
    right = len(predicted & gold)
    precision = right / len(predicted) if predicted else 1.0
    recall = right / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
