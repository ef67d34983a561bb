"""Alignment with the published translations, against a gold alignment written by hand from
the seed files: every speaker turn, the reference line and the forwarding line."""

import json
import unicodedata
from pathlib import Path

import pytest
from conftest import CASES
from rapidfuzz import fuzz

from cableocr.align import (
    PARTIAL_CHECKS,
    align_cable,
    align_paragraphs,
    match_translation,
    speakers_match,
)
from cableocr.assemble import SPEAKER_LABEL
from cableocr.evaluate import as_compared, opening_index, resolve_gold
from cableocr.models import BodyParagraph, CableDocument
from cableocr.policy import default_policy
from cableocr.synth import parse_seed
from cableocr.translation import parse_translation

SEEDS = Path(__file__).parent / "resources" / "seeds"
SEED_FILES = {"5515": SEEDS / "000_2268c9820a7e8457.txt", "5517": SEEDS / "004_c47ec3c8fa7c42b0.txt"}

# Written by hand from the seed files (tests/resources/paragraph_gold.json).
GOLD = {k: v for k, v in json.loads((SEEDS.parent / "paragraph_gold.json").read_text(encoding="utf-8")).items()
        if not k.startswith("_")}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def _index(texts: list[str], opening: str) -> int:
    return opening_index(texts, opening)


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
    return resolve_gold(GOLD[number], ja_texts, en_texts)


def _seed_paragraphs(number) -> list[BodyParagraph]:
    """The Japanese paragraphs as the seed transcription has them."""
    return [BodyParagraph(index=i, text=t, line_ids=[],
                          speaker=m.group(1) if (m := SPEAKER_LABEL.match(_fold(t))) else None)
            for i, t in enumerate(parse_seed(SEED_FILES[number]).paragraphs())]


@pytest.mark.parametrize("number", ["5515", "5517"])
def test_paragraph_alignment_of_the_seed_texts_equals_the_gold(number):
    (translation,) = parse_translation(SEED_FILES[number])
    ja = _seed_paragraphs(number)
    pairs = align_paragraphs(ja, translation.paragraphs)
    expected = _gold_pairs(number, [p.text for p in ja], [p.text for p in translation.paragraphs])
    assert [(p.ja_paragraphs, p.en_paragraphs) for p in pairs] == expected
    assert not any(p.flagged for p in pairs)


@pytest.mark.parametrize("number", ["5515", "5517"])
def test_sentence_alignment_of_the_seed_texts_equals_the_gold(number):
    from cableocr.align import align_sentences, length_ratio, split_en_sentences, split_ja_sentences

    gold = json.loads((SEEDS.parent / "sentence_gold.json").read_text(encoding="utf-8"))[number]
    (translation,) = parse_translation(SEED_FILES[number])
    ja = _seed_paragraphs(number)
    pairs = align_paragraphs(ja, translation.paragraphs)
    ratio = length_ratio(ja, translation.paragraphs)
    for pair, expected in zip(pairs, gold, strict=True):
        ja_s, en_s = split_ja_sentences(pair.ja), split_en_sentences(pair.en)
        want = [("".join(ja_s[i] for i in a), " ".join(en_s[i] for i in b)) for a, b in expected]
        assert [(s.ja, s.en) for s in align_sentences(pair, ratio)] == want


def test_speaker_labels():
    assert speakers_match("総理", "Prime Minister") and speakers_match("大臣", "Foreign Minister")
    assert speakers_match("クリストファー・國務長官", "Secretary of State Christopher")
    assert speakers_match("クリントン", "Clinton") and not speakers_match("総理", "President")
    assert speakers_match(None, "President") is None


def _document(ocr_results, case) -> CableDocument:
    manifest, out = ocr_results[case]
    return CableDocument.model_validate(json.loads((out / manifest.cables[0].path).read_text(encoding="utf-8")))


# The forwarding lists, one item per post, written by hand from the seed files.
FORWARDING = {
    "5515": ["全米公館（除、アガナ、デトロイト）", "英", "独", "仏", "イタリア", "加", "メキシコ", "ジュ府代",
             "EC代", "OECD代", "豪", "NZ", "ASEAN", "中国", "韓国"],
    "5517": ["全米公館（除く、アガナ、デトロイト）", "英", "独", "仏", "イタリア", "カナダ", "ロシア"],
}


def _seed_truth(number: str) -> dict[str, object]:
    """Every cross-checked value as the seed's Japanese text has it."""
    spec = parse_seed(SEED_FILES[number])
    return {
        "cable_number": spec.number, "date_sent": spec.date_iso, "sending_post": spec.sending_post,
        "addressee": spec.addressee, "sender": spec.sender, "classification": spec.classification,
        "precedence": spec.precedence, "subject": spec.subject, "handling": spec.caveat,
        "references": spec.references(),
        "forwarding": [_fold(p) for p in FORWARDING[number]],
    }


@pytest.mark.tesseract
@pytest.mark.parametrize("case", sorted(CASES), ids="-".join)
def test_ocr_cables_align_as_the_gold_and_cross_checks_agree_where_ocr_is_right(ocr_results, case):
    document = _document(ocr_results, case)
    number = document.fields["cable_number"].value
    (translation,) = parse_translation(SEED_FILES[number])
    aligned = align_cable(document, translation, default_policy())
    expected = _expected_en_groups(number, [p.text for p in document.paragraphs], [p.text for p in translation.paragraphs])
    paragraph_pairs = [p for p in aligned.alignment.pairs if p.level == "paragraph"]
    found = {i: p.en_paragraphs for p in paragraph_pairs for i in p.ja_paragraphs}
    assert [found.get(i) for i in range(len(document.paragraphs))] == expected
    assert sorted(e for p in paragraph_pairs for e in p.en_paragraphs) == list(range(len(translation.paragraphs)))
    assert any(p.level == "sentence" for p in aligned.alignment.pairs)
    # Every cross-check agrees, except where OCR misread the value: there it must disagree.
    truth = _seed_truth(number)
    for check in aligned.alignment.cross_checks:
        value = document.fields[check.field].value
        if check.field == "references":  # structured: kind, number, separate telegram
            value = as_compared("references", document.fields["references"])
        elif isinstance(value, list):
            value = [_fold(v) for v in value]
        if check.theirs is None or value is None:
            continue
        if check.field in PARTIAL_CHECKS:  # compares a part (the subject's numbers): a right value
            assert check.agree or value != truth[check.field], check  # agrees; a wrong one may too
        else:
            assert check.agree == (value == truth[check.field]), (check, truth[check.field])
    checked = {c.field for c in aligned.alignment.cross_checks}
    assert checked >= {"cable_number", "date_sent", "references"}
    assert ("forwarding" in checked) == (document.fields["forwarding"].value is not None)
    blacked_out = [n for n in aligned.alignment.notes if n.kind == "blacked_out"]
    assert blacked_out and all(n.redaction is not None for n in blacked_out)


@pytest.mark.tesseract
def test_a_wrong_translation_header_is_flagged_not_accepted(ocr_results):
    document = _document(ocr_results, ("000", "horizontal", "clean"))
    (translation,) = parse_translation(SEED_FILES["5515"])
    wrong_date = translation.model_copy(update={"header": {**translation.header, "sent": "1993-09-29"}})
    aligned = align_cable(document, wrong_date, default_policy())
    date = aligned.fields["date_sent"]
    assert date.value == "1993-09-28" and date.status == "needs_review" and date.detail["translation"] == "1993-09-29"
    wrong_number = translation.model_copy(update={"header": {**translation.header, "number": "5516"}})
    assert match_translation(document, [wrong_number]) is None
    aligned = align_cable(document, wrong_number, default_policy())
    assert aligned.fields["cable_number"].status == "needs_review"
    assert next(c for c in aligned.alignment.cross_checks if c.field == "cable_number").agree is False


@pytest.mark.tesseract
def test_the_translation_fills_a_field_ocr_did_not_find_marked_as_such(ocr_results):
    from cableocr.models import ExtractedField

    document = _document(ocr_results, ("004", "horizontal", "clean"))
    missing = ExtractedField(value=None, confidence=0.0, method="none", reason="not_found")
    document = document.model_copy(update={"fields": {**document.fields, "sending_post": missing}})
    (translation,) = parse_translation(SEED_FILES["5517"])
    post = align_cable(document, translation, default_policy()).fields["sending_post"]
    assert (post.value, post.source, post.status) == ("国連", "translation", "needs_review")
    assert post.detail["translation"] == "United Nations"


@pytest.mark.tesseract
def test_a_subject_agreeing_only_by_its_numbers_gains_no_confidence(ocr_results):
    document = _document(ocr_results, ("000", "horizontal", "clean"))
    misread = document.fields["subject"].model_copy(update={"value": "日米間のう会談（別電2）", "confidence": 0.8,
                                                            "status": "needs_review"})
    document = document.model_copy(update={"fields": {**document.fields, "subject": misread}})
    (translation,) = parse_translation(SEED_FILES["5515"])
    aligned = align_cable(document, translation, default_policy())
    subject = aligned.fields["subject"]
    assert next(c for c in aligned.alignment.cross_checks if c.field == "subject").agree
    assert (subject.confidence, subject.status) == (0.8, "needs_review")


@pytest.mark.tesseract
def test_a_translation_whose_title_and_form_disagree_on_the_number_is_flagged_not_matched_silently(
        ocr_results, tmp_path):
    """Real pages have `Cable No. 785` over `No. 786`: the cable is matched under either number,
    and its number goes to a person whichever one OCR read."""
    from cableocr.synth.published import PublishedForm, write_published

    document = _document(ocr_results, ("000", "horizontal", "clean"))
    assert document.fields["cable_number"].value == "5515"
    for title_number in ("5514", None):
        written = write_published(SEED_FILES["5515"], PublishedForm.WEB_COPY, tmp_path / str(title_number),
                                  title_number=title_number)
        (translation,) = parse_translation(Path(written.path))
        assert match_translation(document, [translation]) is translation
        aligned = align_cable(document, translation, default_policy())
        check = next(c for c in aligned.alignment.cross_checks if c.field == "cable_number")
        number = aligned.fields["cable_number"]
        if title_number:
            assert check.agree is False and "5514" in check.theirs and number.status == "needs_review"
        else:
            assert check.agree is True
