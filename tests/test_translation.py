"""The translation parser on the seeds and on the variations real files show."""

from pathlib import Path

import pytest

from cableocr.synth.published import PublishedForm, write_published
from cableocr.translation import (
    TranslationKind,
    english_date,
    parse_translation,
    parse_translation_text,
)

SEEDS = Path(__file__).parent / "resources" / "seeds"


def test_seed_5515_header_as_the_translation_states_it():
    (t,) = parse_translation(SEEDS / "000_2268c9820a7e8457.txt")
    assert t.header["number"] == "5515" and t.header["serial"] == "redacted"
    assert t.header["sent"] == "1993-09-28" and t.header["received"] == "1993-09-28"
    assert (t.sent_post, t.received_office) == ("United Nations", "MOFA")
    assert t.header["to"] == "The Foreign Minister" and t.header["from"] == "Ambassador Hatano"
    assert t.header["primary"] == "North American Affairs Bureau Director-General"
    assert (t.header["classification"], t.header["precedence"]) == ("Secret", "Top Urgent")
    assert t.header["caveats"] == "Limited Distribution"
    assert t.header["title"] == "Japan-United States Summit Meeting (Separate Telegram 2)"
    assert t.header["reference"] == "Outgoing Cable No. 5513 Separate Telegram 2"


def test_seed_5515_paragraphs_speakers_and_notes():
    (t,) = parse_translation(SEEDS / "000_2268c9820a7e8457.txt")
    assert len(t.paragraphs) == 11  # the page-break split "...the whole / picture of..." is re-joined
    assert [p.speaker for p in t.paragraphs if p.speaker] == [
        "Prime Minister", "President", "Prime Minister", "President",
        "Secretary of State Christopher", "Prime Minister", "President",
    ]
    assert t.paragraphs[-1].text.startswith("Passed to all") and t.paragraphs[-1].text.endswith("(End)")
    kinds = {(n.text, n.kind, n.paragraph) for n in t.notes}
    assert ("part of section blacked out", "blacked_out", 7) in kinds and ("Japanese", "insertion", 10) in kinds


def test_seed_5517_has_no_caveat_in_its_translation():
    (t,) = parse_translation(SEEDS / "004_c47ec3c8fa7c42b0.txt")
    assert t.header["number"] == "5517" and t.header["caveats"] is None and len(t.paragraphs) == 5


VARIANT = """Cable No. 4021, Ambassador Owada to the Foreign Minister, 'Trade Talks'

From: Ambassador Owada
Sent: Washington, September28, 1993, 10:15


To: The Foreign Minister
Number: 71563

Trade Talks

No. 4021 Confidential Urgent (Priority Processing)

(Prime Minister) We spoke.

Passed to Britain. (End)

Draft Telegram
Drafted: October 2, 1993
To: Ambassador Owada

Reply on Trade Talks

No. 9001 Secret Urgent

Your Cable No. 4021: noted.
"""


def test_variants_reordered_missing_typos_drafts_and_two_cables_in_one_file(tmp_path):
    path = tmp_path / "two.md"
    path.write_text(VARIANT, encoding="utf-8")
    first, second = parse_translation(path)
    assert first.header["number"] == "4021" and first.header["serial"] == "71563"
    assert first.header["sent"] == "1993-09-28" and first.sent_post == "Washington"
    assert (first.header["classification"], first.header["precedence"]) == ("Confidential", "Urgent (Priority Processing)")
    assert first.header["received"] is None and first.header["primary"] is None
    assert second.draft and second.header["drafted"] == "1993-10-02" and second.header["number"] == "9001"
    assert second.header["reference"] == "Your Cable No. 4021"


@pytest.mark.parametrize(("text", "iso"), [("September 28, 1993", "1993-09-28"), ("September28, 1993", "1993-09-28"),
                                           ("Sept. 3 1974", "1974-09-03"), ("no date here", None)])
def test_english_dates(text, iso):
    assert english_date(text) == iso


def test_a_file_without_a_cable_is_an_error(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="empty.txt"):
        parse_translation(tmp_path / "empty.txt")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_a_translation_saved_as_unicode_text_with_a_byte_order_mark_is_read(tmp_path, encoding):
    """Windows saves "Unicode" text as UTF-16 behind a byte-order mark."""
    seed = SEEDS / "000_2268c9820a7e8457.txt"
    saved = tmp_path / "5515.txt"
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    saved.write_bytes(bom + seed.read_text(encoding="utf-8").encode(encoding))
    assert parse_translation(saved) == [t.model_copy(update={"source": "5515.txt"}) for t in parse_translation(seed)]


def test_a_file_that_is_not_text_is_refused_naming_it(tmp_path):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00")
    with pytest.raises(ValueError, match=r"scan\.txt: not text in UTF-8"):
        parse_translation(binary)


# ---- the published forms of the seed translations ----------------------------------------

SEED_NAMES = ["000_2268c9820a7e8457.txt", "004_c47ec3c8fa7c42b0.txt"]


@pytest.mark.parametrize("form", list(PublishedForm))
@pytest.mark.parametrize("seed", SEED_NAMES)
def test_every_published_form_gives_the_seeds_header_and_paragraphs(seed, form, tmp_path):
    """Through the command a historian runs: the same header values as the seed file, and the
    paragraphs the generator wrote, for a saved web page, a PDF, one-line or wrapped paragraphs."""
    import json

    from typer.testing import CliRunner

    from cableocr.cli import app

    (reference,) = parse_translation(SEEDS / seed)
    written = write_published(SEEDS / seed, form, tmp_path)
    result = CliRunner().invoke(app, ["parse-translation", written.path])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    assert isinstance(parsed, dict), "one cable, the catalogue's related documents not taken for more"
    for key, value in reference.header.items():
        assert parsed[key] == value, key
    assert (parsed["sent_post"], parsed["received_office"]) == (reference.sent_post, reference.received_office)
    assert [p["text"] for p in parsed["paragraphs"]] == written.paragraphs
    assert [p["speaker"] for p in parsed["paragraphs"]] == [p.speaker for p in reference.paragraphs]
    assert [(n["text"], n["kind"], n["paragraph"]) for n in parsed["notes"]] == [
        (n.text, n.kind, n.paragraph) for n in reference.notes]
    assert parsed["disagreements"] == [] and parsed["kind"] == "cable"
    assert parsed["title_line"]["number"] == reference.header["number"]


@pytest.mark.parametrize("form", [PublishedForm.WEB_COPY, PublishedForm.HTML, PublishedForm.PDF,
                                  PublishedForm.MARKDOWN])
def test_a_title_that_gives_another_number_than_the_form_is_reported(form, tmp_path):
    written = write_published(SEEDS / SEED_NAMES[0], form, tmp_path, title_number="785")
    (t,) = parse_translation(Path(written.path))
    assert t.header["number"] == "5515" and t.title_line.number == "785"
    assert [(d.field, d.title, d.body) for d in t.disagreements] == [("number", "785", "5515")]
    assert t.numbers() == {"5515", "785"}


WEB_1985 = """Cable No. 1234, Ambassador Matsunaga to the Foreign Minister, 'Trade Friction (Divided Telegram)'
Citation:
"Cable No. 1234, Ambassador Matsunaga to the Foreign Minister", March 4, 1985, Wilson Center Digital Archive.
Summary:
Matsunaga reports on trade friction.
Original Language:
Japanese
Contents:
Original Scan
Translation - English
QQQQQ
Sent: Washington, March 4, 1985, 18:10
Received: MOFA, March 5, 1985
To: The Foreign Minister
From:Ambassador Matsunaga
Trade Friction (Divided Telegram)
No. 1234 Q55ID Secret Urgent
(Priority Processing)
Divided telegram
(Limited Distribution)
Your Cable No. 1200: The Senate passed the resolution.
(Ambassador) I protested.
Passed to the Consulates-General in the United States. (End)
Associated Places
United States
Related Documents
Cable No. 1235, Ambassador Matsunaga to the Foreign Minister, 'Trade Friction (Part 2)'
Rights
Permission to publish may be required.
"""


def test_a_1980s_web_copy_with_codes_priority_processing_and_a_divided_telegram():
    (t,) = parse_translation_text(WEB_1985, "1234.txt")
    h = t.header
    assert (h["number"], h["classification"], h["precedence"]) == ("1234", "Secret", "Urgent (Priority Processing)")
    assert h["transmission_code"] == "QQQQQ Q55ID" and t.divided and h["caveats"] == "Limited Distribution"
    assert (h["sent"], t.sent_post, h["received"], h["from"]) == ("1985-03-04", "Washington", "1985-03-05",
                                                                  "Ambassador Matsunaga")
    assert h["title"] == "Trade Friction (Divided Telegram)" and h["reference"] == "Your Cable No. 1200"
    assert [p.text[:20] for p in t.paragraphs] == ["Your Cable No. 1200:", "(Ambassador) I prote",
                                                  "Passed to the Consul"]
    assert t.disagreements == []


def test_the_title_stands_in_for_a_number_line_the_page_lost():
    text = WEB_1985.replace("No. 1234 Q55ID Secret Urgent\n", "")
    (t,) = parse_translation_text(text, "1234.txt")
    assert t.header["number"] == "1234" and "number" in t.from_title


MEETING = """Record of Meeting between Prime Minister Nakasone and President Reagan
Citation:
"Record of Meeting", January 2, 1985, Wilson Center Digital Archive.
Original Language:
Japanese
Contents:
Translation - English
The Prime Minister opened by thanking the President.
The President spoke of the economy.
Associated Places
Japan
"""


def test_a_meeting_record_is_no_cable_and_its_text_is_kept():
    (t,) = parse_translation_text(MEETING, "meeting.txt")
    assert t.kind is TranslationKind.NOT_A_CABLE and not t.matchable and t.header["number"] is None
    assert [p.text for p in t.paragraphs] == ["The Prime Minister opened by thanking the President.",
                                              "The President spoke of the economy."]


def test_a_meeting_record_is_listed_in_the_manifest_as_such_and_never_matched(tmp_path):
    from cableocr.pipeline import _translation_entries, load_translations

    (tmp_path / "meeting.md").write_text(MEETING, encoding="utf-8")
    written = write_published(SEEDS / SEED_NAMES[0], PublishedForm.HTML, tmp_path, title_number="785")
    loaded = load_translations(tmp_path)
    entries = {e.file: e for e in _translation_entries(loaded, {})}
    assert entries["meeting.md"].kind == "not_a_cable" and entries["meeting.md"].error is None
    page = entries[Path(written.path).name]
    assert page.source_format == "html" and page.cable_number == "5515" and "785" in page.problems[0]


def test_a_pdf_that_is_not_one_or_has_no_text_is_refused_naming_it(tmp_path):
    from PIL import Image

    fake = tmp_path / "translation.pdf"
    fake.write_bytes(b"not a pdf at all")
    with pytest.raises(ValueError, match=r"translation\.pdf: not a readable PDF"):
        parse_translation(fake)
    scanned = tmp_path / "scanned.pdf"
    Image.new("L", (200, 200), 255).save(scanned)
    with pytest.raises(ValueError, match=r"scanned\.pdf: the PDF has no text layer"):
        parse_translation(scanned)


@pytest.mark.parametrize(("form", "options"), [
    (PublishedForm.WRAPPED_NO_BLANKS, {"wrap_width": 60}),
    (PublishedForm.WRAPPED, {"wrap_width": 120}),
])
def test_text_wrapped_at_another_width_gives_the_same_paragraphs(form, options, tmp_path):
    written = write_published(SEEDS / SEED_NAMES[0], form, tmp_path, **options)
    (t,) = parse_translation(Path(written.path))
    assert [p.text for p in t.paragraphs] == written.paragraphs and t.header["number"] == "5515"


def test_a_pdf_set_otherwise_gives_the_same_paragraphs(tmp_path):
    """Another face and size on A4, first lines indented and nothing between paragraphs: the
    paragraphs are told apart by the indent and by where the next word would have fitted."""
    from cableocr.synth.published import PdfStyle

    style = PdfStyle(font="Helvetica", size=10, a4=True, space_after=0, first_line_indent=18)
    for seed in SEED_NAMES:
        written = write_published(SEEDS / seed, PublishedForm.PDF, tmp_path / seed, pdf_style=style)
        (t,) = parse_translation(Path(written.path))
        assert [p.text for p in t.paragraphs] == written.paragraphs
