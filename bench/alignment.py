"""Benchmark: paragraph- and sentence-level alignment precision and recall, on the seed cables,
on variants of their translations with a paragraph dropped, two merged, or two swapped, and on
every published form of their translations (saved web page, PDF, one-line or hard-wrapped
paragraphs, missing blank lines, typos) as the parser reads them.

Gold: tests/resources/paragraph_gold.json and sentence_gold.json, written by hand from the seeds;
a variant's gold follows from the seed's by the same edit. Links are compared as text pairs, so
that merging paragraphs does not change what a sentence link is. Usage: python bench/alignment.py
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from cableocr.align import (
    align_paragraphs,
    align_sentences,
    length_ratio,
    split_en_sentences,
    split_ja_sentences,
)
from cableocr.assemble import SPEAKER_LABEL
from cableocr.evaluate import precision_recall, resolve_gold
from cableocr.models import BodyParagraph
from cableocr.synth import parse_seed
from cableocr.synth.published import PdfStyle, PublishedForm, write_published
from cableocr.text import normalize
from cableocr.translation import EnglishParagraph, parse_translation

RESOURCES = Path(__file__).resolve().parents[1] / "tests" / "resources"
SEEDS = {"5515": RESOURCES / "seeds" / "000_2268c9820a7e8457.txt", "5517": RESOURCES / "seeds" / "004_c47ec3c8fa7c42b0.txt"}


def _load(name: str) -> dict:
    return {k: v for k, v in json.loads((RESOURCES / name).read_text(encoding="utf-8")).items() if not k.startswith("_")}


def _ja(number: str) -> list[BodyParagraph]:
    texts = parse_seed(SEEDS[number]).paragraphs()
    return [BodyParagraph(index=i, text=t, line_ids=[], speaker=m.group(1) if (m := SPEAKER_LABEL.match(normalize(t))) else None)
            for i, t in enumerate(texts)]


def _links(pairs) -> set[tuple[str, str]]:
    return {(ja, en) for ja, en in pairs if ja and en}


def _sentence_gold(ja, en, paragraph_gold, sentence_gold, keep) -> set[tuple[str, str]]:
    links = set()
    for (js, es), sentences in zip(paragraph_gold, sentence_gold, strict=True):
        if not keep(es):
            continue
        ja_s = split_ja_sentences("".join(ja[i].text for i in js))
        en_s = split_en_sentences(" ".join(en[i].text for i in es))
        links |= {("".join(ja_s[i] for i in a), " ".join(en_s[i] for i in b)) for a, b in sentences}
    return links


def _variants(en: list[EnglishParagraph]):
    """(name, edited English paragraphs, how an original index maps: index -> new index or None)."""
    n = len(en)
    for k in range(n):
        kept = [p for p in en if p.index != k]
        yield f"drop {k}", kept, {p.index: i for i, p in enumerate(kept)}
    for k in range(n - 1):
        merged = [*en[:k], EnglishParagraph(index=k, text=f"{en[k].text} {en[k + 1].text}", speaker=en[k].speaker), *en[k + 2:]]
        yield f"merge {k}+{k + 1}", merged, {p.index: (p.index if p.index <= k else p.index - 1) for p in en}
    for k in range(n - 1):
        swapped = [*en[:k], en[k + 1], en[k], *en[k + 2:]]
        yield f"swap {k}<>{k + 1}", swapped, {p.index: i for i, p in enumerate(swapped)}


def _evaluate(ja, en_edit, gold_paragraph_links, gold_sentence_links):
    renumbered = [p.model_copy(update={"index": i}) for i, p in enumerate(en_edit)]
    pairs = align_paragraphs(ja, renumbered)
    ratio = length_ratio(ja, renumbered)
    sentences = [s for p in pairs if p.ja and p.en for s in align_sentences(p, ratio)]
    return (precision_recall(_links((p.ja, p.en) for p in pairs), gold_paragraph_links),
            precision_recall(_links((s.ja, s.en) for s in sentences), gold_sentence_links))


def main() -> None:
    paragraph_gold, sentence_gold = _load("paragraph_gold.json"), _load("sentence_gold.json")
    started = time.perf_counter()
    totals: dict[str, list] = {}
    by_form: list = []
    held_out: list = []
    for number in SEEDS:
        (translation,) = parse_translation(SEEDS[number])
        ja, en = _ja(number), translation.paragraphs
        gold = resolve_gold(paragraph_gold[number], [p.text for p in ja], [p.text for p in en])
        seed_p = _links(("".join(ja[i].text for i in js), " ".join(en[i].text for i in es)) for js, es in gold)
        seed_s = _sentence_gold(ja, en, gold, sentence_gold[number], lambda es: True)
        totals.setdefault("seed", []).append((number, *_evaluate(ja, en, seed_p, seed_s)))
        by_form.extend((form, number, *_evaluate(ja, published, seed_p, seed_s))
                       for form, published in _published_forms(SEEDS[number]))
        held_out.extend((family, exact, *_evaluate(ja, published, seed_p, seed_s))
                        for family, exact, published in _held_out_forms(SEEDS[number]))
        # OCR that lost the speaker labels: the Japanese side without them, the English as it is.
        unlabelled = [p.model_copy(update={"speaker": None, "text": SPEAKER_LABEL.sub("", normalize(p.text))}) for p in ja]
        unlabelled_gold = _links(("".join(unlabelled[i].text for i in js), " ".join(en[i].text for i in es))
                                 for js, es in gold)
        totals.setdefault("no-labels", []).append(
            (f"{number} no labels", *_evaluate(unlabelled, en, unlabelled_gold, set())))
        for name, edited, where in _variants(en):
            kind = name.split()[0]
            # The variant's gold: the seed's pairs with the same English edit applied.
            by_new: dict[int, tuple[list[int], list[int]]] = {}
            for js, es in gold:
                for e in es:
                    if where.get(e) is not None:
                        new = where[e]
                        old_js, old_es = by_new.get(new, ([], []))
                        by_new[new] = (old_js + [j for j in js if j not in old_js], old_es + [e])
            gold_p = _links(("".join(ja[i].text for i in js), edited[new].text) for new, (js, _) in by_new.items())
            kept = {e for _, es in by_new.values() for e in es}
            gold_s = _sentence_gold(ja, en, gold, sentence_gold[number], lambda es, kept=kept: all(e in kept for e in es))
            totals.setdefault(kind, []).append((f"{number} {name}", *_evaluate(ja, edited, gold_p, gold_s)))
    print(f"alignment benchmark ({time.perf_counter() - started:.1f} s)")
    print(f"{'set':<10}{'cases':>4}  {'paragraph P':>11} {'R':>6} {'F1':>6}  {'sentence P':>10} {'R':>6} {'F1':>6}")
    variants = [r for kind, rows in totals.items() if kind not in ("seed", "no-labels") for r in rows]
    for kind, rows in [*totals.items(), ("variants", variants)]:
        levels = ((1, 11),) if kind == "no-labels" else ((1, 11), (2, 10))  # no sentence gold without labels
        print(f"{kind:<10}{len(rows):>4}  " + "  ".join(
            " ".join(f"{sum(r[level][k] for r in rows) / len(rows):>{w}.3f}" for k, w in zip(range(3), (width, 6, 6), strict=True))
            for level, width in levels))
        worst = min(rows, key=lambda r: r[1][2])
        if worst[1][2] < 1.0 and kind != "variants":
            print(f"{'':10}worst paragraph F1 {worst[1][2]:.3f}: {worst[0]}")
    _print_forms(by_form)
    _print_held_out(held_out)


def _published_forms(seed: Path):
    """(form, the English paragraphs the parser reads from it) for every published form."""
    with tempfile.TemporaryDirectory() as folder:
        for form in PublishedForm:
            written = write_published(seed, form, Path(folder))
            (translation,) = parse_translation(Path(written.path))
            yield form.value, translation.paragraphs


# Layouts the parser was not built on (it was built on the defaults: 76 columns; Times 11 on
# Letter, justified, paragraphs 8 pt apart).
HELD_OUT_WIDTHS = (40, 50, 60, 70, 90, 100, 120, 140)
HELD_OUT_PDF = {"Helvetica 10, A4, indented, no space": PdfStyle(font="Helvetica", size=10, a4=True, space_after=0,
                                                                 first_line_indent=18),
                "Courier 9, ragged": PdfStyle(font="Courier", size=9, justified=False, space_after=4),
                "Times 12, indented and spaced": PdfStyle(size=12, first_line_indent=24, space_after=6),
                "Helvetica 11, ragged, no space": PdfStyle(font="Helvetica", size=11, space_after=0, justified=False)}


def _held_out_forms(seed: Path):
    """(layout family, paragraphs read exactly, the paragraphs read) for the held-out layouts."""
    with tempfile.TemporaryDirectory() as folder:
        variants = [(f"wrapped {w}", PublishedForm.WRAPPED, {"wrap_width": w}) for w in HELD_OUT_WIDTHS]
        variants += [(f"wrapped-no-blanks {w}", PublishedForm.WRAPPED_NO_BLANKS, {"wrap_width": w})
                     for w in HELD_OUT_WIDTHS]
        variants += [(f"pdf {name}", PublishedForm.PDF, {"pdf_style": style}) for name, style in HELD_OUT_PDF.items()]
        for n, (label, form, options) in enumerate(variants):
            written = write_published(seed, form, Path(folder) / str(n), **options)
            (translation,) = parse_translation(Path(written.path))
            exact = [p.text for p in translation.paragraphs] == written.paragraphs
            yield label.split(" ")[0], exact, translation.paragraphs


def _print_held_out(rows) -> None:
    print(f"\nheld-out layouts: wrap widths {', '.join(map(str, HELD_OUT_WIDTHS))}; PDFs set otherwise "
          f"({'; '.join(HELD_OUT_PDF)})")
    print(f"{'layout':<19}{'cases':>6} {'exact':>6}  {'paragraph P':>11} {'R':>6} {'F1':>6}  "
          f"{'sentence P':>10} {'R':>6} {'F1':>6}")
    for family in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == family]
        print(f"{family:<19}{len(mine):>6} {sum(r[1] for r in mine):>6}  " + "  ".join(
            " ".join(f"{sum(r[level][k] for r in mine) / len(mine):>{w}.3f}" for k, w in zip(range(3), (width, 6, 6),
                                                                                            strict=True))
            for level, width in ((2, 11), (3, 10))))


def _print_forms(rows) -> None:
    print("\npublished forms of the seed translations (paragraphs as the parser reads each form)")
    print(f"{'form':<19}{'cables':>6}  {'paragraph P':>11} {'R':>6} {'F1':>6}  {'sentence P':>10} {'R':>6} {'F1':>6}")
    for form in PublishedForm:
        mine = [r for r in rows if r[0] == form.value]
        print(f"{form.value:<19}{len(mine):>6}  " + "  ".join(
            " ".join(f"{sum(r[level][k] for r in mine) / len(mine):>{w}.3f}" for k, w in zip(range(3), (width, 6, 6),
                                                                                            strict=True))
            for level, width in ((2, 11), (3, 10))))


if __name__ == "__main__":
    main()
