"""Alignment with the published translations, against a gold alignment written by hand from
the seed files: every speaker turn, the reference line and the forwarding line."""

import json
import unicodedata
from pathlib import Path

import pytest
from conftest import CASES
from rapidfuzz import fuzz

from cableocr.align import align_cable, align_paragraphs, match_translation, speakers_match
from cableocr.assemble import SPEAKER_LABEL
from cableocr.config import FieldsConfig
from cableocr.models import BodyParagraph, CableDocument
from cableocr.synth import parse_seed
from cableocr.translation import parse_translation

SEEDS = Path(__file__).parent / "resources" / "seeds"
SEED_FILES = {"5515": SEEDS / "000_2268c9820a7e8457.txt", "5517": SEEDS / "004_c47ec3c8fa7c42b0.txt"}

# Written by hand from the seed files: (Japanese paragraphs, by their opening words) <-> (English
# paragraphs, by theirs). A redaction splits a turn on the Japanese side only.
GOLD = {
    "5515": [
        (["往電第5513号別電2", "日米間の基本的わく組み"], ["Outgoing Cable No. 5513"]),
        (["（総理）世界経済の成長"], ["(Prime Minister) The role of Japan"]),
        (["世界経済では、消費の"], ["In the world economy"]),
        (["（大統領）賛成だ。"], ["(President) I agree."]),
        (["（総理）フレームワーク合意"], ["(Prime Minister) The negotiations"]),
        (["（大統領）APECの会議"], ["(President) I would like to coordinate"]),
        (["（他の話題に転じた後"], ["(After talk had turned"]),
        (["（クリストファー・國務長官）", "細川新政権が多くの"], ["(Secretary of State Christopher)"]),
        (["（総理）日米間で大きな"], ["(Prime Minister) I understand well"]),
        (["（大統領）クリストファー長官"], ["(President) I would like to add"]),
        (["全米公館（除、アガナ"], ["Passed to all"]),
    ],
    "5517": [
        (["往電第5513号別電4"], ["Outgoing Cable No. 5513"]),
        (["（総理）ロシアについて"], ["(Prime Minister) I would like to say"]),
        (["（大臣）先般のチェルノ"], ["(Foreign Minister) Thank you"]),
        (["（クリントン）おれいを", "他のだれが取つて", "地図と歴史を見れば"], ["(Clinton) Thank you"]),
        (["全米公館（除く、アガナ"], ["Passed to all"]),
    ],
}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def _index(texts: list[str], opening: str) -> int:
    """The paragraph that opens with these words (fuzzily: OCR misreads a character or two)."""
    scores = [fuzz.ratio(_fold(opening), _fold(t)[: len(_fold(opening))]) for t in texts]
    best = max(range(len(texts)), key=scores.__getitem__)
    assert scores[best] >= 70, f"no paragraph opens with {opening!r}"
    return best


def _expected_en_groups(number, ja_texts, en_texts) -> list[list[int]]:
    """For each Japanese paragraph of an OCR'd cable, the English paragraphs the gold pairs it
    with: that of the last gold anchor at or before its start. OCR may split or join paragraphs
    differently from the seed; each piece must still go with the right English."""
    folded = [_fold(t) for t in ja_texts]
    text, starts, at = "".join(folded), [], 0
    for t in folded:
        starts.append(at)
        at += len(t)
    anchors = []
    for ja, en in GOLD[number]:
        group = sorted(_index(en_texts, e) for e in en)
        for opening in ja:
            found = fuzz.partial_ratio_alignment(_fold(opening), text)
            assert found.score >= 70, f"{opening!r} not found in the OCR text"
            anchors.append((found.dest_start, group))
    anchors.sort()
    return [[g for offset, g in anchors if offset <= start + 3][-1] for start in starts]


def _gold_pairs(number, ja_texts, en_texts):
    return [([_index(ja_texts, j) for j in ja], [_index(en_texts, e) for e in en]) for ja, en in GOLD[number]]


def _seed_paragraphs(number) -> list[BodyParagraph]:
    """The Japanese paragraphs as the seed transcription has them (continued ones joined)."""
    texts: list[str] = []
    for page in parse_seed(SEED_FILES[number]).body_pages:
        for p in page:
            if not p.text:
                continue
            if p.continues and texts:
                texts[-1] += p.text
            else:
                texts.append(p.text)
    return [BodyParagraph(index=i, text=t, line_ids=[],
                          speaker=m.group(1) if (m := SPEAKER_LABEL.match(_fold(t))) else None)
            for i, t in enumerate(texts)]


@pytest.mark.parametrize("number", ["5515", "5517"])
def test_paragraph_alignment_of_the_seed_texts_equals_the_gold(number):
    (translation,) = parse_translation(SEED_FILES[number])
    ja = _seed_paragraphs(number)
    pairs = align_paragraphs(ja, translation.paragraphs)
    expected = _gold_pairs(number, [p.text for p in ja], [p.text for p in translation.paragraphs])
    assert [(p.ja_paragraphs, p.en_paragraphs) for p in pairs] == expected
    assert not any(p.flagged for p in pairs)


def test_speaker_labels():
    assert speakers_match("総理", "Prime Minister") and speakers_match("大臣", "Foreign Minister")
    assert speakers_match("クリストファー・國務長官", "Secretary of State Christopher")
    assert speakers_match("クリントン", "Clinton") and not speakers_match("総理", "President")
    assert speakers_match(None, "President") is None


def _document(ocr_results, case) -> CableDocument:
    manifest, out = ocr_results[case]
    return CableDocument.model_validate(json.loads((out / manifest.cables[0].path).read_text(encoding="utf-8")))


@pytest.mark.tesseract
@pytest.mark.parametrize("case", sorted(CASES), ids="-".join)
def test_ocr_cables_align_as_the_gold_and_every_cross_check_agrees(ocr_results, case):
    document = _document(ocr_results, case)
    number = document.fields["cable_number"].value
    (translation,) = parse_translation(SEED_FILES[number])
    aligned = align_cable(document, translation, FieldsConfig())
    expected = _expected_en_groups(number, [p.text for p in document.paragraphs], [p.text for p in translation.paragraphs])
    found = {i: p.en_paragraphs for p in aligned.alignment.pairs for i in p.ja_paragraphs}
    assert [found.get(i) for i in range(len(document.paragraphs))] == expected
    assert sorted(e for p in aligned.alignment.pairs for e in p.en_paragraphs) == list(range(len(translation.paragraphs)))
    disagreeing = [c.field for c in aligned.alignment.cross_checks if c.agree is False]
    assert disagreeing == [] and all(c.agree for c in aligned.alignment.cross_checks if c.field != "subject")
    blacked_out = [n for n in aligned.alignment.notes if n.kind == "blacked_out"]
    assert blacked_out and all(n.redaction is not None for n in blacked_out)


@pytest.mark.tesseract
def test_a_wrong_translation_header_is_flagged_not_accepted(ocr_results):
    document = _document(ocr_results, ("000", "horizontal", "clean"))
    (translation,) = parse_translation(SEED_FILES["5515"])
    wrong_date = translation.model_copy(update={"header": {**translation.header, "sent": "1993-09-29"}})
    aligned = align_cable(document, wrong_date, FieldsConfig())
    date = aligned.fields["date_sent"]
    assert date.value == "1993-09-28" and date.status == "needs_review" and date.detail["translation"] == "1993-09-29"
    wrong_number = translation.model_copy(update={"header": {**translation.header, "number": "5516"}})
    assert match_translation(document, [wrong_number]) is None
    aligned = align_cable(document, wrong_number, FieldsConfig())
    assert aligned.fields["cable_number"].status == "needs_review"
    assert next(c for c in aligned.alignment.cross_checks if c.field == "cable_number").agree is False
