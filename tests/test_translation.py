"""The translation parser on the seeds and on the variations real files show."""

from pathlib import Path

import pytest

from cableocr.translation import english_date, parse_translation

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
