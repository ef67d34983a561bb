"""Header fields from lines built by hand (no OCR): values, evidence, and when to flag."""

from cableocr.assemble import assemble
from cableocr.fields import extract_fields
from cableocr.models import Box, Char, Line, Page, PageSource
from cableocr.policy import ReviewPolicy
from cableocr.text import normalize

HEADER = [
    "注意", "1.本電の取扱いは慎重を期せられたい。", "極秘", "電信写", "総番号", "主管北米局長",
    "平成5年9月28日国連発", "平成5年9月28日本省着", "外務大臣殿", "波多野大使",
    "日米首のう会談(別電2)", "第5515号極秘大至急", "(限定配布)",
    "往電第5513号別電2:", "(総理)世界経済の成長のために", "外務省",
]


def _line(number: int, text: str, weak: dict[int, float] | None = None) -> Line:
    weak = weak or {}
    chars = [
        Char(text=ch, box=Box(x0=100 + 40 * i, y0=100 + 60 * number, x1=140 + 40 * i, y1=144 + 60 * number),
             confidence=weak.get(i, 0.99))
        for i, ch in enumerate(text)
    ]
    return Line(id=f"l{number}", text=text, raw=" ".join(text), normalized=normalize(text),
                box=Box.union([c.box for c in chars]), confidence=0.99, writing_mode="horizontal", chars=chars)


def _page(texts, weak_at=None, index=0):
    weak_at = weak_at or {}
    lines = [_line(i, t, weak_at.get(i)) for i, t in enumerate(texts)]
    return Page(source=PageSource(file="a.pdf", index=index, sha256=f"h{index}"), width=2480, height=3508,
                writing_mode="horizontal", engine="test", lines=lines)


def _fields(*pages):
    cables, unassigned = assemble(list(pages))
    assert len(cables) == 1 and unassigned == {}
    # The rules against one fixed threshold (the fitted per-field ones are measured by eval).
    return cables[0], extract_fields(cables[0], ReviewPolicy())


def test_every_foundation_field_with_its_evidence():
    cable, fields = _fields(_page(HEADER))
    values = {name: f.value for name, f in fields.items() if f.value is not None}
    assert values == {
        "cable_number": "5515", "date_sent": "1993-09-28", "sending_post": "国連",
        "addressee": "外務大臣", "sender": "波多野大使", "classification": "極秘",
        "precedence": "大至急", "subject": "日米首のう会談（別電2）",
        "primary_bureau": "北米局長", "receiving_office": "本省", "date_received": "1993-09-28",
        "handling": "限定配布", "separate_telegram": "2",
        "references": [{"text": "往電第5513号別電2", "kind": "outgoing", "number": "5513", "separate_telegram": "2"}],
        "speakers": [{"speaker": "総理", "paragraph": 1, "page": 0, "first_line": "p0-l14",
                      "last_line": "p0-l14", "chars": len("(総理)世界経済の成長のために")}],
    }
    # Absent, each with its reason: no black boxes on these hand-built lines, so the serial and
    # the times are simply not there.
    absent = {name: f.reason for name, f in fields.items() if f.value is None}
    assert absent == {"serial_number": "not_found", "time_sent": "not_found", "time_received": "not_found",
                      "forwarding": "not_found", "end_mark": "not_found", "declassification": "not_found",
                      "redactions": "not_found"}
    # 総番号 with neither digits nor a black box after it: something was there, so a reviewer
    # looks; and a cable of this archive without a declassification stamp, or without its
    # （了）, is looked at too (nearly every cable has both: missing, they were more often misread).
    assert [name for name, f in fields.items() if f.status != "auto"] == ["serial_number", "end_mark",
                                                                           "declassification"]
    number = fields["cable_number"]
    assert number.page == 0 and number.line_id == "p0-l11" and number.raw == " ".join("第5515号極秘大至急")
    assert number.box == Box(x0=140, y0=760, x1=300, y1=804)  # the four digits only
    assert fields["date_sent"].detail["era_form"] == "平成5年9月28日"


def test_the_reference_number_is_not_the_cable_number():
    texts = [t for t in HEADER if not t.startswith("第5515")]
    _, fields = _fields(_page([*texts[:10], "日米首のう会談(別電2)", "第5516号", *texts[10:]]))
    assert fields["cable_number"].value == "5516"
    assert fields["cable_number"].confidence < 0.93  # a bare number line is less certain


def test_one_doubtful_digit_sends_the_number_to_review():
    _, fields = _fields(_page(HEADER, weak_at={11: {3: 0.55}}))
    assert fields["cable_number"].value == "5515" and fields["cable_number"].status == "needs_review"


def test_a_misread_honorific_gives_a_value_flagged_for_review():
    texts = ["外務大匠肛" if t == "外務大臣殿" else t for t in HEADER]
    _, fields = _fields(_page(texts, weak_at={8: {4: 0.3}}))
    assert fields["addressee"].value == "外務大臣" and fields["addressee"].status == "needs_review"


def test_an_absent_field_has_a_reason_not_a_guess():
    texts = [t for t in HEADER if t != "波多野大使"]
    _, fields = _fields(_page(texts))
    sender = fields["sender"]
    assert sender.value is None and sender.reason == "not_found" and sender.status == "needs_review"


def test_a_date_outside_its_era_is_flagged():
    texts = ["平成元年1月7日国連発" if t.endswith("国連発") else t for t in HEADER]
    _, fields = _fields(_page(texts))
    assert fields["date_sent"].value == "1989-01-07" and fields["date_sent"].status == "needs_review"


def test_pages_are_split_into_cables_and_roles_assigned():
    first = _page(HEADER, index=0)
    more = _page(["注意", "極秘", "電信写", "一層政策協調を進める事である。", "外務省"], index=1)
    stray = _page(["何かのメモ"], index=2)
    memo = _page(["会議の議事録", "出席者は次のとおり。"], index=3)
    cables, unassigned = assemble([stray, first, more, memo])
    assert set(unassigned) == {0, 3} and len(cables) == 1 and cables[0].page_positions == [1, 2]
    assert "no cable header" in unassigned[0] and "not a cable page" in unassigned[3]
    body = [ln.text for ln in cables[0].body_lines]
    assert body == ["往電第5513号別電2:", "(総理)世界経済の成長のために", "一層政策協調を進める事である。"]


def test_a_name_one_misread_character_from_a_known_one_is_proposed_for_review():
    texts = ["外務天臣殿" if t == "外務大臣殿" else t for t in HEADER]
    _, fields = _fields(_page(texts))
    addressee = fields["addressee"]
    assert addressee.value == "外務大臣" and addressee.status == "needs_review"
    assert addressee.detail["read_as"] == "外務天臣"


def test_an_unknown_post_is_kept_but_flagged():
    texts = ["平成5年9月28日晶国連発" if t.endswith("国連発") else t for t in HEADER]
    _, fields = _fields(_page(texts))
    assert fields["sending_post"].status == "needs_review"
    assert fields["sending_post"].value == "晶国連"


def test_a_date_with_its_day_mark_misread_is_proposed_for_review():
    texts = ["平成5年9月28晶国連発" if t.endswith("国連発") else t for t in HEADER]
    _, fields = _fields(_page(texts))
    assert fields["date_sent"].value == "1993-09-28" and fields["date_sent"].status == "needs_review"
    assert fields["sending_post"].value == "国連"


def test_the_forwarding_list_keeps_exclusions_with_their_post():
    from cableocr.fields import split_forwarding

    assert split_forwarding("全米公館（除、アガナ、デトロイト）英、独、OECD代、中国に転電した。（了）") == [
        "全米公館（除、アガナ、デトロイト）", "英", "独", "OECD代", "中国"]
    # A speck read as a dot before a name is not part of it.
    assert split_forwarding("全米公館（除く、・アガナ、デトロイト）、英、・独に転電した。") == [
        "全米公館（除く、アガナ、デトロイト）", "英", "独"]


DRAFT = [
    "注意", "1.本電の取扱いは慎重を期せられたい。", "秘", "電信案", "総番号(TA)71563", "主管欧亜局長",
    "起案昭和49年10月29日", "英大使あて", "外務大臣発", "日英外相会談", "第812号秘至急",
    "来電第77号:", "(大臣)英国の立場について述べた。", "英、仏に転電した。(了)", "外務省",
]


def test_an_outgoing_draft_is_read_by_its_own_form():
    _, fields = _fields(_page(DRAFT))
    values = {name: f.value for name, f in fields.items() if f.value is not None}
    assert values["date_sent"] == "1974-10-29" and fields["date_sent"].detail["form"] == "電信案 (drafted)"
    assert values["addressee"] == "英大使" and values["sender"] == "外務大臣" and values["sending_post"] == "本省"
    assert values["serial_number"] == "(TA)71563" and values["cable_number"] == "812"
    assert values["references"] == [{"text": "来電第77号", "kind": "incoming", "number": "77"}]
    assert values["forwarding"] == ["英", "仏"] and values["end_mark"] == "了"
    # Nothing on a draft is received: absent by the form, not flagged.
    for name in ("receiving_office", "date_received", "time_sent", "time_received"):
        assert fields[name].value is None and fields[name].status == "auto", name


def test_an_older_form_with_a_western_year_and_times():
    texts = [*HEADER[:4], "総番号123456", "主管北米局長", "74年10月30日01時00分英国発", "74年10月30日09時15分本省着",
             *HEADER[8:]]
    _, fields = _fields(_page(texts))
    assert fields["date_sent"].value == "1974-10-30" and fields["date_sent"].detail["era_form"] == "74年10月30日"
    assert fields["time_sent"].value == "01:00" and fields["time_received"].value == "09:15"
    assert fields["sending_post"].value == "英国" and fields["serial_number"].value == "123456"


def test_a_receive_date_before_the_send_date_sends_both_to_review():
    texts = ["平成5年9月27日本省着" if t.endswith("本省着") else t for t in HEADER]
    _, fields = _fields(_page(texts))
    assert fields["date_sent"].status == fields["date_received"].status == "needs_review"
    assert "misread" in fields["date_sent"].detail["cross_check"]


def test_a_classification_that_disagrees_with_the_stamp_is_reviewed():
    texts = ["秘" if t == "極秘" else t for t in HEADER]
    _, fields = _fields(_page(texts))
    assert fields["classification"].value == "極秘" and fields["classification"].status == "needs_review"


def _with_second_reading(page: Page, line_text: str, second: str) -> Page:
    lines = [ln.model_copy(update={"second_reading": second}) if ln.text == line_text else ln for ln in page.lines]
    return page.model_copy(update={"lines": lines})


def test_a_number_the_second_reading_disputes_goes_to_review():
    """The number line read alone gives another number: the value stays the page's, is flagged,
    and the other reading is named; the same rule read the same value elsewhere passes."""
    page = _with_second_reading(_page(HEADER), "第5515号極秘大至急", "第5513号極秘大至急")
    page = _with_second_reading(page, "平成5年9月28日国連発", "平成5年9月28日。国連発")
    _, fields = _fields(page)
    number, sent = fields["cable_number"], fields["date_sent"]
    assert number.value == "5515" and number.status == "needs_review"
    assert number.detail["second_reading"] == "differs: the line's second reading gives 5513"
    assert sent.status == "auto" and sent.detail["second_reading"] == "agrees"


def test_a_date_read_otherwise_alone_is_flagged_even_when_the_dates_agree():
    """Send and receive dates a day apart confirm each other, but a second reading of the 着
    line with another day (and specks after 着) still sends the receive date to review."""
    page = _with_second_reading(_page(HEADER), "平成5年9月28日本省着", "平成5年9月29日本省着しDD")
    _, fields = _fields(page)
    received = fields["date_received"]
    assert received.value == "1993-09-28" and received.status == "needs_review"
    assert received.detail["second_reading"] == "differs: the line's second reading gives 1993-09-29"


def test_a_garbled_second_reading_is_no_evidence():
    page = _with_second_reading(_page(HEADER), "第5515号極秘大至急", "篤ララ」")
    _, fields = _fields(page)
    assert fields["cable_number"].status == "auto" and "second_reading" not in fields["cable_number"].detail
