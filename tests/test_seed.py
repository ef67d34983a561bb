"""The generator's reading of the seed files, checked against what the seeds state."""

import re

import pytest

from cableocr.synth import parse_seed, seed_files

SEEDS = {p.name[:3]: p for p in seed_files()}


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_header_values_as_the_seed_states_them(prefix):
    spec = parse_seed(SEEDS[prefix])
    text = SEEDS[prefix].read_text(encoding="utf-8")
    # The translation's "No. NNNN Secret Top Urgent" line and the Japanese number line agree.
    assert re.search(rf"^No\. {spec.number} Secret Top Urgent$", text, re.M)
    assert f"第{spec.number}号 極秘 大至急" in text
    assert (spec.sending_post, spec.addressee, spec.sender) == ("国連", "外務大臣", "波多野大使")
    assert (spec.classification, spec.precedence, spec.caveat) == ("極秘", "大至急", "限定配布")
    assert spec.date_iso == "1993-09-28" and spec.era_date == "平成5年9月28日"
    assert spec.serial_redacted and spec.time_redacted


def test_subjects_and_numbers():
    assert parse_seed(SEEDS["000"]).subject == "日米首のう会談（別電2）"
    assert parse_seed(SEEDS["004"]).subject == "日米首のう会談（別電4）"
    assert parse_seed(SEEDS["000"]).number == "5515"
    assert parse_seed(SEEDS["004"]).number == "5517"


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_body_runs_from_the_reference_to_the_end_mark_without_furniture(prefix):
    body = parse_seed(SEEDS[prefix]).body_text()
    assert body.startswith("往電第5513号別電") and body.endswith("（了）")
    for furniture in ("電信写", "秘密指定解除", "外交記録", "本電の取扱い", "外務省\n"):
        assert furniture not in body


def test_page_breaks_follow_the_repeated_notice_box():
    pages = parse_seed(SEEDS["000"]).body_pages
    assert len(pages) == 4  # the seed README: 4 pages in the scan
    assert pages[1][0].continues and pages[1][0].text.startswith("一層政策協調")
    assert pages[2][0].continues and pages[2][0].text.startswith("なくなると言う")


@pytest.mark.parametrize(("prefix", "after"), [("000", "発言したい。"), ("004", "代わつても、")])
def test_one_redaction_where_the_translation_says_blacked_out(prefix, after):
    paragraphs = [p for page in parse_seed(SEEDS[prefix]).body_pages for p in page]
    redacted = [i for i, p in enumerate(paragraphs) if p.redaction_chars]
    assert len(redacted) == 1
    assert paragraphs[redacted[0] - 1].text.endswith(after)
