"""Fields from the forms of every decade, their header lines in shuffled orders (built by hand,
no OCR), flagged under the policy the package ships; and the one writer of a field's status."""

import ast
import random
from pathlib import Path

import pytest
from test_fields import HEADER, _page

from cableocr.assemble import assemble
from cableocr.fields import extract_fields
from cableocr.policy import ReviewPolicy, default_policy

SHIPPED = default_policy()
BODY = ["往電第5513号別電2:", "(総理)世界経済の成長のために", "英、仏に転電した。(了)", "外務省"]


def _fields(texts, policy=SHIPPED, weak_at=None):
    cables, unassigned = assemble([_page(texts, weak_at)])
    assert len(cables) == 1 and unassigned == {}, "the page was not recognised as a cable"
    return extract_fields(cables[0], policy)


def _values(fields):
    return {name: f.value for name, f in fields.items() if f.value is not None}


def _shuffled(lines, seed):
    lines = list(lines)
    random.Random(seed).shuffle(lines)
    return lines


# The 1990s copy of the seeds: its header lines between the furniture and the body, any order.
COPY_TOP = ["注意", "1.本電の取扱いは慎重を期せられたい。", "極秘", "電信写"]
COPY_HEADER = ["総番号", "主管北米局長", "平成5年9月28日国連発", "平成5年9月28日本省着", "外務大臣殿", "波多野大使",
               "第5515号極秘大至急"]
COPY_VALUES = {"cable_number": "5515", "date_sent": "1993-09-28", "sending_post": "国連", "addressee": "外務大臣",
               "sender": "波多野大使", "classification": "極秘", "precedence": "大至急", "primary_bureau": "北米局長",
               "receiving_office": "本省", "date_received": "1993-09-28", "subject": "日米首のう会談（別電2）"}


@pytest.mark.parametrize("seed", range(6))
def test_the_1990s_copy_in_any_order(seed):
    """The subject stays just before the number line, or (where the form sets it last) after
    every labelled line: either way it is the one header line no other rule claims."""
    lines = _shuffled(COPY_HEADER, seed)
    at = lines.index("第5515号極秘大至急")
    header = [*lines[:at], "日米首のう会談(別電2)", *lines[at:]] if seed % 2 else [*lines, "日米首のう会談(別電2)"]
    fields = _fields([*COPY_TOP, *header, *BODY])
    assert {k: v for k, v in _values(fields).items() if k in COPY_VALUES} == COPY_VALUES
    assert fields["cable_number"].status == "auto" and fields["cable_number"].rule == "cable_number.number_line"


def test_the_number_line_first_as_the_issue_found_it():
    """Number line first, then 外務大臣殿, the sender, the date lines, the subject: every field."""
    header = ["第5515号極秘大至急", "(限定配布)", "外務大臣殿", "波多野大使", "総番号", "主管北米局長",
              "平成5年9月28日国連発", "平成5年9月28日本省着", "日米首のう会談(別電2)"]
    fields = _fields([*COPY_TOP, *header, *BODY])
    assert {k: v for k, v in _values(fields).items() if k in COPY_VALUES} == COPY_VALUES
    assert fields["handling"].value == "限定配布"
    assert fields["references"].value[0]["number"] == "5513"  # the body still starts where it did


INCOMING_1970S = ["総番号(TA)71563", "主管米局長", "極秘大至急", "74年10月30日01時00分英国発",
                  "74年10月30日09時15分本省着", "外務大臣殿", "森[大使]", "日英首のう会談"]


@pytest.mark.parametrize("seed", range(6))
def test_a_1970s_incoming_copy_with_no_number_in_any_order(seed):
    """No 第N号 on the form: the cable is recognised by its other labels, its number is absent
    by the form (its 総番号 files it), the marks are read off their stamps, the boxed title
    without its frame."""
    header = [*_shuffled(INCOMING_1970S[:-1], seed), INCOMING_1970S[-1]]
    fields = _fields(["電信写", *header, *BODY])
    values = _values(fields)
    assert values["serial_number"] == "(TA)71563" and values["primary_bureau"] == "米局長"
    assert values["classification"] == "極秘" and values["precedence"] == "大至急"
    assert values["date_sent"] == "1974-10-30" and values["time_sent"] == "01:00" and values["sending_post"] == "英国"
    assert values["date_received"] == "1974-10-30" and values["time_received"] == "09:15"
    assert values["addressee"] == "外務大臣" and values["sender"] == "森大使" and values["subject"] == "日英首のう会談"
    number = fields["cable_number"]
    assert number.value is None and number.rule == "cable_number.none_on_form" and "総番号 files it" in number.method
    assert number.status == "auto"


def test_a_1970s_number_standing_alone_is_read_but_reviewed():
    fields = _fields(["電信写", *INCOMING_1970S[:5], "第812号", *INCOMING_1970S[5:], *BODY])
    number = fields["cable_number"]
    assert number.value == "812" and "unconfirmed" in number.flags and number.status == "needs_review"


@pytest.mark.parametrize(("serial_line", "read"), [
    ("総番号768aoc", "768"),  # 853 under a date stamp, read as letters
    ("総番号(TA)71563O", "(TA)71563"),
    ("総番号7685301234", "76853012"),  # more digits than a serial has
    ("総番号71563　　8.", "71563"),  # a mark two characters on: no part of the serial on the page
    ("総番号524.40", "524"),  # a date stamp's speck read inside the serial 52440
])
def test_a_serial_running_on_into_what_is_not_part_of_it_is_reviewed(serial_line, read):
    fields = _fields(["電信写", serial_line, *INCOMING_1970S[1:], *BODY])
    serial = fields["serial_number"]
    assert serial.value == read and "truncated" in serial.flags and serial.status == "needs_review"
    assert fields["cable_number"].status == "auto"  # the form's other fields are not made doubtful


@pytest.mark.parametrize(("ink_after", "truncated"), [(0.85, True), (0.18, False), (None, False)])
def test_a_serial_with_unread_ink_after_it_is_reviewed(ink_after, truncated):
    """総番号525 with a date stamp over 880 of 525880 (seed 20 eval-0055: accepted at 1.0): ink
    as long as a piece of a character after its last digit, read by no engine, makes it
    truncated; a speck after it (0.18 character sizes) does not."""
    page = _page(["電信写", "総番号525", *INCOMING_1970S[1:], *BODY])
    page = page.model_copy(update={"lines": [
        ln.model_copy(update={"ink_after_end": ink_after}) if ln.text == "総番号525" else ln for ln in page.lines]})
    cables, _ = assemble([page])
    serial = extract_fields(cables[0], SHIPPED)["serial_number"]
    assert serial.value == "525" and ("truncated" in serial.flags) == truncated
    assert serial.status == ("needs_review" if truncated else "auto")


DRAFT_1960S = ["起案昭和44年3月5日", "主管局部課(室)名北米局北米課", "総第54920号第2218号", "特秘", "件名日米外相会談",
               "国連大使あて外務大臣発", "YYYYY至急"]


@pytest.mark.parametrize("seed", range(6))
def test_a_1960s_draft_in_any_order(seed):
    """総第N号 beside 第N号: the serial is never taken for the cable's number."""
    fields = _fields(["外務省電信案", *_shuffled(DRAFT_1960S, seed), *BODY])
    values = _values(fields)
    assert values["cable_number"] == "2218" and values["serial_number"] == "54920"
    assert values["date_sent"] == "1969-03-05" and fields["date_sent"].rule == "date_sent.drafted"
    assert values["primary_bureau"] == "北米局北米課" and values["subject"] == "日米外相会談"
    assert values["addressee"] == "国連大使" and values["sender"] == "外務大臣" and values["sending_post"] == "本省"
    assert values["classification"] == "特秘" and values["precedence"] == "至急"
    assert fields["receiving_office"].value is None and fields["receiving_office"].status == "auto"  # not on a draft


@pytest.mark.parametrize(("second", "status"), [("起案昭和44年3月5日", "auto"), ("起案昭和44年3月5.6日", "needs_review")])
def test_a_second_reading_that_gives_the_date_only_by_mending_it_does_not_confirm_it(second, status):
    """起案昭和36年4月1日, its second reading 4月1.6日 (seed 17 eval-0155: 1961-04-01 for 04-16,
    accepted at 1.0 as "agrees"): that reading gives 4月1 only by taking . for a misread 日."""
    page = _page(["外務省電信案", *DRAFT_1960S, *BODY])
    page = page.model_copy(update={"lines": [ln.model_copy(update={"second_reading": second})
                                             if ln.text.startswith("起案") else ln for ln in page.lines]})
    cables, _ = assemble([page])
    date = extract_fields(cables[0], SHIPPED)["date_sent"]
    assert date.value == "1969-03-05" and date.status == status
    assert ("disputed" in date.flags) == (status == "needs_review")


@pytest.mark.parametrize(("first", "second", "status"), [
    ("総番号7061053", "総番号7.01053", "needs_review"),  # a speck where the first read a digit (seed 22 eval-0070)
    ("総番号7061053", "総番ち7061053", "auto"),  # the label garbled, every digit the same
])
def test_a_second_reading_that_reads_a_digit_of_the_serial_otherwise_disputes_it(first, second, status):
    page = _page(["電信写", first, *INCOMING_1970S[1:], *BODY])
    page = page.model_copy(update={"lines": [ln.model_copy(update={"second_reading": second})
                                             if ln.text == first else ln for ln in page.lines]})
    cables, _ = assemble([page])
    serial = extract_fields(cables[0], SHIPPED)["serial_number"]
    assert serial.value == "7061053" and serial.status == status


def test_a_second_reading_that_reads_a_digit_of_the_date_otherwise_disputes_it():
    """起案昭和35年1月6日, read 1月g日 the second time (seed 22 eval-0103: 01-06 for 01-09, at 0.98)."""
    page = _page(["外務省電信案", *DRAFT_1960S, *BODY])
    page = page.model_copy(update={"lines": [ln.model_copy(update={"second_reading": "起案昭和44年3月g日"})
                                             if ln.text.startswith("起案") else ln for ln in page.lines]})
    cables, _ = assemble([page])
    date = extract_fields(cables[0], SHIPPED)["date_sent"]
    assert date.value == "1969-03-05" and "disputed" in date.flags and date.status == "needs_review"


def test_a_draft_serial_alone_is_never_a_cable_number():
    lines = ["起案昭和44年3月5日", "主管局部課(室)名北米局北米課", "総第54920号", "件名日米外相会談", "国連大使あて外務大臣発"]
    fields = _fields(["外務省電信案", *lines, *BODY])
    assert fields["serial_number"].value == "54920"
    assert fields["cable_number"].value is None and fields["cable_number"].status == "needs_review"


@pytest.mark.parametrize(("line", "field", "value", "flag"), [
    ("平成5年9月28日晶国連発", "sending_post", "晶国連", "unknown_name"),  # 日 read as 晶
    ("平成5年9月28日ジャカルタ発", "sending_post", "ジャカルタ", "unknown_name"),
    ("主管文化交流部長", "primary_bureau", "文化交流部長", "unknown_name"),
    ("外務天臣殿", "addressee", "外務大臣", "inferred"),  # mended from a misreading
    ("第5515号", "cable_number", "5515", "unconfirmed"),  # a bare number line
    ("第55l5号極秘大至急", "cable_number", "5515", "repaired"),
])
def test_under_the_shipped_policy_what_the_tables_do_not_hold_or_was_mended_is_reviewed(line, field, value, flag):
    replaced = {"sending_post": "国連発", "primary_bureau": "主管", "addressee": "殿", "cable_number": "第5515号"}
    texts = [line if replaced[field] in t else t for t in HEADER]
    found = _fields(texts)[field]
    assert found.value == value and flag in found.flags and found.status == "needs_review"


def test_a_subject_ending_in_a_sure_hito_keeps_it():
    texts = ["在留邦人" if t.startswith("日米首のう") else t for t in HEADER]
    subject = _fields(texts)["subject"]
    assert subject.value == "在留邦人" and "trimmed" not in subject.flags


def test_a_doubtful_speck_after_the_subject_is_left_out_and_recorded():
    texts = ["在留邦人・" if t.startswith("日米首のう") else t for t in HEADER]
    at = texts.index("在留邦人・")
    subject = _fields(texts, weak_at={at: {4: 0.5}})["subject"]
    assert subject.value == "在留邦人" and "trimmed" in subject.flags and "left out" in subject.method


@pytest.mark.parametrize("read", ["日ソ平和条約交渉.", "日ソ平和条約交渉・"])
def test_a_mark_read_surely_after_the_subject_is_left_out_and_the_subject_reviewed(read):
    """A subject never ends in a full stop: a speck beside it read as one at 0.99 is left out,
    and the subject goes to review."""
    texts = [read if t.startswith("日米首のう") else t for t in HEADER]
    subject = _fields(texts)["subject"]
    assert subject.value == "日ソ平和条約交渉" and "left out" in subject.method
    assert subject.status == "needs_review"


def test_a_doubted_whole_character_ending_the_subject_is_kept_and_its_doubt_shown():
    """交渉 with 渉 read unsure: a whole-sized character is no speck; the subject keeps it and
    its confidence shows the doubt (it is reviewed)."""
    texts = ["日ソ平和条約交渉" if t.startswith("日米首のう") else t for t in HEADER]
    at = texts.index("日ソ平和条約交渉")
    subject = _fields(texts, weak_at={at: {7: 0.68}})["subject"]
    assert subject.value == "日ソ平和条約交渉" and "trimmed" not in subject.flags
    assert subject.confidence < 0.7 and subject.status == "needs_review"


def test_one_fixed_threshold_policy_and_the_shipped_one_agree_on_flags():
    """A flag sends a field to review whatever the thresholds: even a policy that trusts every
    confidence reviews an unknown post."""
    trusting = ReviewPolicy(default_threshold=0.0)
    texts = ["平成5年9月28日ジャカルタ発" if t.endswith("国連発") else t for t in HEADER]
    assert _fields(texts, trusting)["sending_post"].status == "needs_review"
    assert _fields(HEADER, trusting)["sending_post"].status == "auto"


SOURCE = Path(__file__).resolve().parents[1] / "src" / "cableocr"


def _status_writes(tree: ast.AST) -> list[int]:
    """Lines that set a status: status=… passed to a call (an HTTP status, a number, aside), or a
    "status" key in a dict literal."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            lines += [node.lineno for k in node.keywords if k.arg == "status"
                      and not (isinstance(k.value, ast.Constant) and isinstance(k.value.value, int))]
        elif isinstance(node, ast.Dict):
            lines += [node.lineno for k in node.keys if isinstance(k, ast.Constant) and k.value == "status"]
    return lines


def test_nothing_but_the_policy_writes_a_fields_status():
    # The manifest's own statuses (a file's, a page's) are of another kind and are left out.
    manifest_writers = {"pipeline.py"}
    writers = {}
    for path in SOURCE.rglob("*.py"):
        if path.name == "policy.py" or (path.name in manifest_writers and "ExtractedField" not in path.read_text()):
            continue
        found = _status_writes(ast.parse(path.read_text(encoding="utf-8")))
        if path.name in manifest_writers:
            text = path.read_text(encoding="utf-8").splitlines()
            found = [n for n in found if "Manifest" not in text[n - 1]]
        if found:
            writers[path.relative_to(SOURCE).as_posix()] = found
    assert writers == {}


def test_a_policy_file_round_trips_and_records_what_it_was_fitted_on(tmp_path):
    from cableocr.errors import InputError
    from cableocr.policy import FittedOn, load_policy, save_policy

    fitted = FittedOn(cables=120, random_seed=3, forms=["copy"], software_version="x", target_precision=0.995)
    policy = ReviewPolicy(thresholds={"cable_number": 0.9}, fitted_on=fitted)
    save_policy(policy, tmp_path / "policy.json")
    assert load_policy(tmp_path / "policy.json") == policy
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="bad.json"):
        load_policy(tmp_path / "bad.json")


def test_eval_refuses_to_score_the_cables_a_policy_was_fitted_on(tmp_path):
    from typer.testing import CliRunner

    from cableocr.cli import app
    from cableocr.policy import FittedOn, save_policy

    fitted = FittedOn(cables=120, random_seed=3, software_version="x", target_precision=0.995)
    save_policy(ReviewPolicy(fitted_on=fitted), tmp_path / "policy.json")
    result = CliRunner().invoke(app, ["eval", "--policy", str(tmp_path / "policy.json"), "--seed", "3",
                                      "--cables", "1", "--work", str(tmp_path / "work")])
    assert result.exit_code == 2 and "in-sample" in result.output
    assert not (tmp_path / "work").exists()  # refused before anything was generated


def test_a_body_page_holding_a_number_and_a_title_does_not_start_a_cable():
    first = _page([*COPY_TOP, *COPY_HEADER, "日米首のう会談", *BODY[:2]], index=0)
    more = _page(["注意", "極秘", "電信写", "本件は第3号会談で先方より提起あり、これを伝えたのは米大使。",
                  "主管課の意見は次のとおり。", "外務省"], index=1)
    cables, unassigned = assemble([first, more])
    assert len(cables) == 1 and cables[0].page_positions == [0, 1] and unassigned == {}


@pytest.mark.parametrize(("faint_header", "partial"), [
    # a 1990s copy: the number line and most labels unread, the 極秘 stamp read
    ([*COPY_TOP, "主管北米局長", "平成5年9月28日国連発", "日米首のう会談"], False),
    # the same with the stamp unread too: two kinds of label only
    (["注意", "電信写", "主管北米局長", "平成5年9月28日国連発", "日米首のう会談"], True),
    # a 1970s copy: its serial and the date line read, nothing else
    (["電信写", "総番号(TA)71563", "74年10月30日01時00分英国発", "日英首のう会談"], True),
])
def test_a_page_whose_header_was_read_in_part_is_its_own_cable_and_flagged(faint_header, partial):
    """A dithered page whose number line and half its labels were not read still shows a filing
    label and one more: it opens a cable of its own, never the next page of the cable before it,
    and its number is missing, for review (not absent by the form, which a part cannot tell)."""
    first = _page([*COPY_TOP, *COPY_HEADER, "日米首のう会談", *BODY], index=0)
    faint = _page([*faint_header, *BODY], index=1)
    more = _page(["注意", "極秘", "電信写", "本件は第3号会談で先方より提起あり、これを伝えたのは米大使。", "外務省"], index=2)
    cables, unassigned = assemble([first, faint, more])
    assert [c.page_positions for c in cables] == [[0], [1, 2]] and unassigned == {}
    assert cables[1].partial_header == partial and not cables[0].partial_header
    number = extract_fields(cables[1], SHIPPED)["cable_number"]
    assert number.value is None and number.status == "needs_review" and "missing" in number.flags


@pytest.mark.parametrize(("blanks", "doubted"), [(2, False), (7, True)])
def test_a_gap_where_a_time_stands_makes_its_absence_doubtful(blanks, doubted):
    """A black box layout did not find (a poor page) leaves a gap after the date with nothing
    read in it: the time is then missing, for review, and the redactions too; two blanks are
    the form's own spacing around an absent time."""
    sent = f"平成5年9月28日{'　' * blanks}国連発"
    header = [sent if line.endswith("国連発") else line for line in COPY_HEADER]
    fields = _fields([*COPY_TOP, *header, "日米首のう会談(別電2)", *BODY])
    assert fields["time_sent"].value is None and fields["sending_post"].value == "国連"
    for name in ("time_sent", "redactions"):
        assert ("missing" in fields[name].flags) == doubted, name
        if doubted:
            assert fields[name].status == "needs_review", name
    assert "missing" not in fields["time_received"].flags  # its line has no gap


def test_specks_read_as_full_stops_after_a_header_line_do_not_end_the_header():
    header = ["総番号71563)。)。" if t == "総番号" else t for t in COPY_HEADER]
    fields = _fields([*COPY_TOP, *header, "日米首のう会談(別電2)", *BODY])
    assert fields["serial_number"].value == "71563" and fields["cable_number"].value == "5515"


def test_a_boxed_title_read_apart_from_its_name_is_joined_to_it():
    """The box parts 森 from [大使]: the engine reads two lines on one row. The sender is the
    two together, and the name alone is not taken for the subject."""
    from cableocr.models import Box

    texts = ["電信写", *INCOMING_1970S[:6], "森", "[大使]", INCOMING_1970S[7], *BODY]
    page = _page(texts)
    name, title = page.lines[7], page.lines[8]
    shift = name.box.y0 - title.box.y0

    def moved(box: Box) -> Box:
        return Box(x0=box.x0 + 400, y0=box.y0 + shift, x1=box.x1 + 400, y1=box.y1 + shift)

    title = title.model_copy(update={"box": moved(title.box),
                                     "chars": [c.model_copy(update={"box": moved(c.box)}) for c in title.chars]})
    page = page.model_copy(update={"lines": [*page.lines[:8], title, *page.lines[9:]]})
    cables, _ = assemble([page])
    fields = extract_fields(cables[0], SHIPPED)
    assert fields["sender"].value == "森大使" and fields["sender"].rule == "sender.boxed_title"
    assert fields["subject"].value == "日英首のう会談"


@pytest.mark.parametrize(("stamp", "value", "status"), [
    ("也秘", "秘", "needs_review"),  # the box read as a character beside the word: taken, for review
    ("図", None, "needs_review"),  # the boxed 極秘 read as one character: no value, and not sure it is absent
])
def test_a_boxed_stamp_misread_is_never_a_sure_answer(stamp, value, status):
    header = [stamp if t == "極秘大至急" else t for t in INCOMING_1970S]
    classification = _fields(["電信写", *header, *BODY])["classification"]
    assert classification.value == value and classification.status == status


@pytest.mark.parametrize(("weak", "status"), [({3: 0.55, 6: 0.6}, "auto"), ({8: 0.55}, "needs_review")])
def test_a_serials_brackets_read_unsure_do_not_make_it_doubtful_and_its_digits_do(weak, status):
    """(TA) set sideways in a vertical column: the engines are unsure of the brackets' shape,
    which the value does not hang on (（TA） and (TA) are one prefix); a digit they are unsure of is."""
    fields = _fields(["電信写", *INCOMING_1970S, *BODY], weak_at={1: weak})
    assert fields["serial_number"].value == "(TA)71563" and fields["serial_number"].status == status


def _moved_beside(page, line_at: int, beside_at: int, dx: int = 600):
    """The page with one line moved onto another's row, dx to its right (a boxed stamp that
    layout read apart and sorted after the body)."""
    from cableocr.models import Box

    line, anchor = page.lines[line_at], page.lines[beside_at]
    dy = anchor.box.y0 - line.box.y0

    def moved(box: Box) -> Box:
        return Box(x0=box.x0 + dx, y0=box.y0 + dy, x1=box.x1 + dx, y1=box.y1 + dy)

    line = line.model_copy(update={"box": moved(line.box), "chars": [c.model_copy(update={"box": moved(c.box)})
                                                                      for c in line.chars]})
    lines = list(page.lines)
    lines[line_at] = line
    return page.model_copy(update={"lines": lines})


@pytest.mark.parametrize(("stamp", "value", "rule"), [("極秘", "極秘", "classification.stamp"),
                                                     ("図", None, "classification.none")])
def test_a_boxed_stamp_read_apart_from_the_header_is_still_its_evidence(stamp, value, rule):
    """The stamp beside the header's rows, sorted after the body: read, it is the
    classification; unread, its absence is doubtful."""
    header = [t for t in INCOMING_1970S if t != "極秘大至急"]
    texts = ["電信写", *header, *BODY, stamp]
    cables, _ = assemble([_moved_beside(_page(texts), len(texts) - 1, 2)])
    classification = extract_fields(cables[0], SHIPPED)["classification"]
    assert classification.value == value and classification.rule == rule
    if value is None:
        assert classification.status == "needs_review" and "stamp" in classification.method


def test_a_stamp_read_beside_characters_no_mark_explains_makes_the_other_marks_absence_doubtful():
    """秘 and 至急 boxed side by side, 至急 read 恒久: the classification is read (for review, its
    frame garbled), and the precedence is not taken as absent for sure."""
    fields = _fields(["電信写", *[("秘恒久" if t == "極秘大至急" else t) for t in INCOMING_1970S], *BODY])
    precedence = fields["precedence"]
    assert precedence.value is None and precedence.status == "needs_review" and "stamp" in precedence.method


def test_a_speaker_label_read_without_its_closing_bracket_is_a_turn_for_review():
    """(総理ロシアについて…: PP-OCR dropped the ）. A known speaker after the opening bracket, kana
    or kanji after it, is taken as the turn's label, for review; with the brackets closed the
    turns are sure."""
    body = ["往電第5513号別電2:", "(総理ロシアについて一言申し上げたい。", "(大臣)先般の会談に感謝する。",
            "英、仏に転電した。(了)", "外務省"]
    speakers = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["speakers"]
    assert [t["speaker"] for t in speakers.value] == ["総理", "大臣"]
    assert speakers.status == "needs_review" and "closing bracket" in speakers.method and "repaired" in speakers.flags
    closed = ["往電第5513号別電2:", "(総理)ロシアについて一言申し上げたい。", "英、仏に転電した。(了)", "外務省"]
    assert _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *closed])["speakers"].status == "auto"


def test_a_speakers_title_one_character_off_a_known_one_is_mended_for_review():
    body = ["往電第5513号別電2:", "(クリストファー・賠務長官)大統領のお許しをいただいて発言したい。", "英、仏に転電した。(了)", "外務省"]
    speakers = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["speakers"]
    assert [t["speaker"] for t in speakers.value] == ["クリストファー・國務長官"]
    assert speakers.status == "needs_review" and "repaired" in speakers.flags and "賠務長官" in speakers.method


@pytest.mark.parametrize(("opening", "reviewed"), [
    ("総理ロシアについて一言申し上げたい。", True),  # both brackets lost (seen on Gothic vertical pages)
    ("総理)ロシアについて一言申し上げたい。", True),  # the opening one lost
    ("総理は先般の会談について述べた。", False),  # the name opening a sentence
    ("大使館の体制について述べた。", False),  # the name inside a word
])
def test_a_speaker_label_that_lost_its_brackets_sends_the_turns_to_review(opening, reviewed):
    body = ["往電第5513号別電2:", opening, "(大臣)先般の会談に感謝する。", "英、仏に転電した。(了)", "外務省"]
    speakers = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["speakers"]
    assert [t["speaker"] for t in speakers.value] == ["大臣"]
    assert (speakers.status == "needs_review") == reviewed


def test_a_speaker_label_behind_a_speck_makes_the_absence_of_speakers_doubtful():
    body = ["往電第5513号別電2:", "「(総理)ロシアについて一言申し上げたい。", "英、仏に転電した。(了)", "外務省"]
    speakers = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["speakers"]
    assert speakers.value is None and speakers.status == "needs_review" and "label stands" in speakers.method


@pytest.mark.parametrize(("last", "value", "status"), [
    ("英、仏に転電した了", "了", "needs_review"),  # brackets lost: taken, flagged
    ("英、仏に転電した。(了)", "了", "auto"),
    ("英、仏に転電した。(了》", "了", "auto"),  # a bracket's shape misread
    ("作業は終了", None, "needs_review"),  # 了 closing a word is no end mark
])
def test_an_end_mark_that_lost_its_brackets_is_taken_for_review(last, value, status):
    body = ["往電第5513号別電2:", "(総理)ロシアについて一言申し上げたい。", last, "外務省"]
    end_mark = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["end_mark"]
    assert end_mark.value == value and end_mark.status == status


@pytest.mark.parametrize(("caveat", "mended"), [
    ("(限定配布", False), ("限定配布)", False),  # one bracket lost: a known caveat all the same
    ("(限定配", True), ("(限定配)", True),  # a character short: mended, for review
])
def test_a_caveat_that_lost_a_bracket_or_a_character_is_read_and_never_taken_for_a_speaker(caveat, mended):
    """Whether a caveat that lost a bracket passes unreviewed is the policy's call (its
    confidence is that of a known caveat); one mended from a misreading is always reviewed."""
    body = [caveat, "往電第5513号別電2:", "(総理)ロシアについて一言申し上げたい。", "英、仏に転電した。(了)", "外務省"]
    fields = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])
    handling = fields["handling"]
    assert handling.value == "限定配布" and ("repaired" in handling.flags) == mended
    assert handling.status == "needs_review" if mended else handling.confidence >= 0.9
    assert [t["speaker"] for t in fields["speakers"].value] == ["総理"]


@pytest.mark.parametrize("last", ["電第796号:", "實電第796号別電5・"])
def test_a_reference_that_lost_its_kind_to_the_header_makes_the_absence_doubtful(last):
    """貴電第796号： read as 電第796号： (or 貴 as 實, its colon as ・), taken into the header: no
    reference is read, and that absence is reviewed, not accepted."""
    header = [*COPY_HEADER, "日米首のう会談(別電2)", last]
    body = ["(総理)ロシアについて一言申し上げたい。", "英、仏に転電した。(了)", "外務省"]
    references = _fields([*COPY_TOP, *header, *body])["references"]
    assert references.value is None and references.status == "needs_review" and "fragment" in references.method


def test_a_field_that_files_a_cable_is_never_accepted_below_the_filing_floor():
    """Whatever a fit wrote, a serial read at 0.55 is reviewed; other fields keep the fitted value."""
    from cableocr.policy import FILING_MIN_THRESHOLD

    lax = ReviewPolicy(thresholds={"serial_number": 0.3, "cable_number": 0.5, "sending_post": 0.3})
    assert lax.threshold_for("serial_number") == lax.threshold_for("cable_number") == FILING_MIN_THRESHOLD
    assert lax.threshold_for("sending_post") == 0.3
    texts = ["電信写", *INCOMING_1970S, *BODY]
    at = texts.index("総番号(TA)71563")
    serial = _fields(texts, lax, weak_at={at: {5: 0.55}})["serial_number"]  # its A read at 0.55
    assert serial.value == "(TA)71563" and serial.confidence < FILING_MIN_THRESHOLD and serial.status == "needs_review"


# The addressee-first arrangement: the subject, ending in a 。, just before the number line.
ADDRESSEE_FIRST = ["外務大臣殿", "波多野大使", "総番号859422", "主管北米局長", "平成5年9月28日国連発",
                   "平成5年9月28日本省着", "日米外相会談。", "第9513号極秘普通"]


def test_a_speck_read_as_a_doubtful_full_stop_after_the_subject_does_not_end_the_header():
    """The subject 日米外相会談 with a speck far down its column read as 。 at 0.56, set before
    the number line (the addressee-first arrangement): the header goes on to the number line,
    which stays the cable's, surely."""
    texts = [*COPY_TOP, *ADDRESSEE_FIRST, *BODY]
    fields = _fields(texts, weak_at={texts.index("日米外相会談。"): {6: 0.56}})
    assert fields["cable_number"].value == "9513" and fields["cable_number"].status == "auto"
    assert fields["subject"].value == "日米外相会談"


def test_a_number_line_left_after_the_header_is_never_taken_as_absent_by_the_form():
    """Where the header ends before the number line all the same (a sure 。 after the subject),
    the 第N号 beside the marks on the body's first lines is the cable's number, for review: never
    'absent by the form' on a page that carries one."""
    fields = _fields([*COPY_TOP, *ADDRESSEE_FIRST, *BODY])
    number = fields["cable_number"]
    assert number.value == "9513" and number.rule == "cable_number.after_header"
    assert "unconfirmed" in number.flags and number.status == "needs_review"
    # Its marks are read there too, as unconfirmed as the number.
    for name, value in (("classification", "極秘"), ("precedence", "普通")):
        assert fields[name].value == value and fields[name].status == "needs_review"


def test_a_caveat_alone_on_a_line_a_little_after_the_header_is_read():
    """The header ended before the number line, and a line of specks read between it and the
    caveat (seed 21 eval-0102: subject, number line and caveat on the body's first lines, and
    限定配布 accepted as absent)."""
    fields = _fields([*COPY_TOP, *ADDRESSEE_FIRST, "・・", "(限定配布)", *BODY])
    assert fields["cable_number"].rule == "cable_number.after_header"
    assert fields["handling"].value == "限定配布"


def test_a_number_line_standing_alone_after_the_subject_is_never_taken_as_absent_by_the_form():
    """A 1970s copy with no marks stamped: the subject, read with a sure 。, set above the bare
    number line (read 第583号) with a speck after it): the header ends at the subject, and the
    第N号 alone on the body's first line is the cable's number, for review."""
    header = ["総番号35098", "主管条約局長", "76年3月18日07時43分国連発", "76年3月18日09時57分本省着",
              "外務次官殿", "有馬総領事", "ウルグァイ・ラウンド交渉。"]
    number = _fields(["電信写", *header, "第583号)", *BODY[1:]])["cable_number"]
    assert number.value == "583" and number.rule == "cable_number.after_header"
    assert "unconfirmed" in number.flags and number.status == "needs_review"


def test_a_reference_on_the_body_s_first_line_is_not_the_cable_number():
    """A line that only opens with a 第N号 and goes on in words is the body's, not a number line."""
    header = ["総番号35098", "主管条約局長", "76年3月18日07時43分国連発", "76年3月18日09時57分本省着",
              "外務次官殿", "有馬総領事", "ウルグァイ・ラウンド交渉。"]
    number = _fields(["電信写", *header, "第12号決議について報告する。", *BODY[1:]])["cable_number"]
    assert number.value is None


@pytest.mark.parametrize("lines", [
    ["小和田", "臨時代理大使"],  # the name before its boxed title, each read as a line
    ["[代理大使]", "斉藤"],  # the box's top above the name's: the title read first
])
def test_a_name_parted_from_its_title_leaves_room_for_the_subject_after_it(lines):
    """The 1970s copy with its number line: the subject after the sender, whose name and boxed
    title were read as two lines, and a 発・着 column read apart from the dated lines."""
    header = ["総番号(TA)31655", "主管条約局長", "至急", "73年4月25日00時41分韓国発", "発・着",
              "73年4月26日23時06分本省着", "第65号", "外務大臣殿", *lines]
    fields = _fields(["電信写", *header, "カンボディア和平", *BODY])
    assert fields["subject"].value == "カンボディア和平"
    assert fields["cable_number"].value == "65"


def _moved_line(line, moved):
    return line.model_copy(update={"box": moved(line.box),
                                   "chars": [c.model_copy(update={"box": moved(c.box)}) for c in line.chars]})


def test_a_boxed_title_read_one_character_off_is_mended_for_review_and_not_taken_for_the_subject():
    """臨時代理大使 read 臨和代理大使 in its box beside the name: the sender is name and title,
    mended and reviewed, and neither line is taken for the subject."""
    from cableocr.models import Box

    header = ["総番号(TA)31655", "主管条約局長", "至急", "73年4月25日00時41分韓国発",
              "73年4月26日23時06分本省着", "第65号", "外務大臣殿", "小和田", "臨和代理大使"]
    page = _page(["電信写", *header, "カンボディア和平", *BODY])
    name, title = page.lines[8], page.lines[9]
    shift = name.box.y0 - title.box.y0

    def moved(box: Box) -> Box:
        return Box(x0=box.x0 + 400, y0=box.y0 + shift, x1=box.x1 + 400, y1=box.y1 + shift)

    def raised(box: Box) -> Box:  # the rows after the title's close up to the row it left
        return Box(x0=box.x0, y0=box.y0 + shift, x1=box.x1, y1=box.y1 + shift)

    title = _moved_line(title, moved)
    page = page.model_copy(update={"lines": [*page.lines[:9], title, *(_moved_line(ln, raised) for ln in page.lines[10:])]})
    cables, _ = assemble([page])
    fields = extract_fields(cables[0], SHIPPED)
    sender = fields["sender"]
    assert sender.value == "小和田臨時代理大使" and sender.rule == "sender.boxed_title"
    assert "repaired" in sender.flags and sender.status == "needs_review"
    assert fields["subject"].value == "カンボディア和平"


def test_a_time_whose_hour_digits_a_speck_parts_is_never_a_sure_answer():
    """19時46分 read 1. 9時46分: the time after the speck is 09:46 to the pattern, so it is
    flagged truncated and reviewed."""
    header = ["総番号(TA)31655", "主管条約局長", "至急", "88年4月15日17時02分韓国発",
              "88年4月15日1. 9時46分本省着", "第65号", "外務大臣殿", "小和田大使"]
    time = _fields(["電信写", *header, "カンボディア和平", *BODY])["time_received"]
    assert "truncated" in time.flags and time.status == "needs_review"


def test_specks_far_along_the_subject_s_line_read_as_full_stops_do_not_end_the_header():
    """Two specks far down the subject's column, read as 。。 and joined to its line: no sentence's
    end, so the subject, the number line and the caveat after it stay the header's."""
    from test_fields import HEADER

    from cableocr.models import Box, Char

    page = _page(HEADER)
    at = HEADER.index("日米首のう会談(別電2)")
    subject = page.lines[at]
    end = subject.chars[-1].box
    specks = [Char(text="。", confidence=0.95, box=Box(x0=end.x1 + gap, y0=end.y0 + 30, x1=end.x1 + gap + 8,
                                                        y1=end.y0 + 38)) for gap in (900, 1200)]
    subject = subject.model_copy(update={"text": subject.text + "。。", "chars": [*subject.chars, *specks]})
    page = page.model_copy(update={"lines": [*page.lines[:at], subject, *page.lines[at + 1:]]})
    cables, _ = assemble([page])
    fields = extract_fields(cables[0], SHIPPED)
    assert fields["subject"].value == "日米首のう会談（別電2）"
    assert fields["precedence"].value == "大至急" and fields["handling"].value == "限定配布"


@pytest.mark.parametrize(("read", "value", "flag"), [
    ("(TA)71563", "(TA)71563", None),
    ("(IA)71563", "(TA)71563", "repaired"),  # a letter misread
    ("(TTA)71563", "(TA)71563", "repaired"),  # a letter doubled
    ("(QX)71563", "(QX)71563", "unknown_name"),  # a prefix the tables do not hold
])
def test_a_serial_s_prefix_is_checked_against_the_tables(read, value, flag):
    header = [f"総番号{read}" if line.startswith("総番号") else line for line in INCOMING_1970S]
    serial = _fields(["電信写", *header, *BODY])["serial_number"]
    assert serial.value == value
    if flag is None:
        assert serial.flags == [] and serial.status == "auto"
    else:
        assert flag in serial.flags and serial.status == "needs_review"


@pytest.mark.parametrize(("line", "field", "post_field", "post"), [
    ("70年3月5日99時52分仏発", "time_sent", "sending_post", "仏"),  # no 99 o'clock
    ("77年11月28日22時0.3分本省着", "time_received", "receiving_office", "本省"),  # a speck among the minutes
])
def test_a_time_misread_past_a_time_of_day_is_illegible_and_reviewed_never_absent(line, field, post_field, post):
    mark = line[-1]
    header = [line if t.endswith(mark) else t for t in INCOMING_1970S]
    fields = _fields(["電信写", *header, *BODY])
    assert fields[field].value is None and fields[field].reason == "illegible"
    assert fields[field].status == "needs_review"
    assert fields[post_field].value == post


def test_another_field_s_words_read_into_the_sender_s_line_are_not_its_name():
    """A receipt stamp's 本省着 受付 read into the sender's line: the name is what follows them,
    mended, for review."""
    texts = ["分本省着受付波多野大使" if t == "波多野大使" else t for t in HEADER]
    sender = _fields(texts)["sender"]
    assert sender.value == "波多野大使" and "repaired" in sender.flags and sender.status == "needs_review"


@pytest.mark.parametrize("stamp", ["秘密指定解除", "秘密定解除"])
def test_the_declassification_stamp_read_into_the_number_line_gives_no_classification(stamp):
    """The stamp laid over the draft's number row: its 秘密 (a character of it lost or not) is
    not the classification; the 特秘 stamped apart is."""
    header = [f"{t}{stamp}" if t.startswith("総第") else t for t in DRAFT_1960S]
    fields = _fields(["外務省電信案", *header, *BODY])
    assert fields["classification"].value == "特秘" and fields["cable_number"].value == "2218"


@pytest.mark.parametrize(("agreed_share", "status"), [(1.0, "auto"), (0.2, "needs_review")])
def test_what_two_engines_read_differently_is_no_proof_that_a_field_is_absent(agreed_share, status):
    """No speaker label in a body the two engines read alike: no speakers. In a body they read
    differently (a jumbled column), a label may be in what neither read right: reviewed."""
    body = ["往電第5513号別電2:", "世界経済の成長のために日米両国が果たす役割はますます大きくなってきている。",
            "国際情勢が流動的な中で、世界のGNPの約4割を占める日米両国が行動していくことが不可欠である。",
            "英、仏に転電した。(了)", "外務省"]
    page = _page([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])
    first_body = len(COPY_TOP) + len(COPY_HEADER) + 1
    lines = [ln.model_copy(update={"chars_agreed": round(agreed_share * len(ln.chars))}) if i >= first_body else ln
             for i, ln in enumerate(page.lines)]
    cables, _ = assemble([page.model_copy(update={"lines": lines})])
    speakers = extract_fields(cables[0], SHIPPED)["speakers"]
    assert speakers.value is None and speakers.status == status


@pytest.mark.parametrize(("line", "value"), [("第6.759号秘至急", "6759"), ("第.6759号秘至急", "6759")])
def test_a_speck_inside_the_cable_number_is_left_out_for_review_and_the_marks_after_it_read(line, value):
    texts = [line if t.startswith("第5515号") else t for t in HEADER]
    fields = _fields(texts)
    number = fields["cable_number"]
    assert number.value == value and "repaired" in number.flags and number.status == "needs_review"
    assert fields["classification"].value == "秘" and fields["precedence"].value == "至急"
    assert fields["subject"].value == "日米首のう会談（別電2）"


@pytest.mark.parametrize(("short_line", "status"), [("外務省", "auto"), ("維番号", "auto"), ("図", "needs_review")])
def test_only_a_short_line_no_form_word_explains_may_be_an_unread_stamp(short_line, status):
    """A precedence not on the number line is absent; a one-character line in the header (a
    boxed stamp read 図) makes that doubtful, but not the form's own words (外務省, 総番号 read
    維番号)."""
    texts = [short_line if t == "総番号" else "第5515号極秘" if t.startswith("第5515号") else t for t in HEADER]
    precedence = _fields(texts)["precedence"]
    assert precedence.value is None and precedence.status == status


@pytest.mark.parametrize(("line", "posts", "status"), [
    ("英、仏、中国に転電した。(了)", ["英", "仏", "中国"], "auto"),
    ("英、、中国に転電した。(了)", ["英", "中国"], "needs_review"),  # 豪 between the commas, unread
    ("英、仏、に転電した。(了)", ["英", "仏"], "needs_review"),  # the last post unread
])
def test_an_empty_place_in_the_forwarding_list_sends_it_to_review(line, posts, status):
    body = ["往電第5513号別電2:", "(総理)世界経済の成長のために努力する。", line, "外務省"]
    forwarding = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["forwarding"]
    assert forwarding.value == posts and forwarding.status == status


def test_a_misread_reference_taken_into_the_header_makes_the_absence_of_references_doubtful():
    """貴電 read 貴志 and junk after its colon: no reference is read, and the header was taken
    to run on to it; that no reference stands there is not sure."""
    body = ["(総理)世界経済の成長のために努力する。", "英、仏に転電した。(了)", "外務省"]
    fields = _fields([*COPY_TOP, *COPY_HEADER[:-1], "日米首のう会談(別電2)", COPY_HEADER[-1], "(限定配布)",
                      "貴志第851号別電3:eT[", *body])
    assert fields["references"].value is None and fields["references"].status == "needs_review"


@pytest.mark.parametrize(("code", "status"), [("YYYYY", "auto"), ("QQQQQ", "auto"), ("YYYYY急", "needs_review"),
                                              ("QQQQQ本意", "needs_review"), ("YYY大務起", "needs_review")])
def test_a_piece_of_a_precedence_after_the_transmission_code_makes_its_absence_doubtful(code, status):
    header = [code if t.startswith("YYYYY") else t for t in DRAFT_1960S]
    precedence = _fields(["外務省電信案", *header, *BODY])["precedence"]
    assert precedence.value is None and precedence.status == status


@pytest.mark.parametrize(("weak", "status"), [(None, "auto"), (0.79, "needs_review")])
def test_a_paragraph_opening_read_unsure_makes_the_absence_of_speakers_doubtful(weak, status):
    """(総理)ロシア… read 絵環マジア…: no label is read, but its place was read unsure."""
    body = ["往電第5513号別電2:", "絵環マジアについて一言申し上げたい。", "英、仏に転電した。(了)", "外務省"]
    texts = [*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body]
    at = texts.index(body[1])
    page = _page(texts, {at: {1: weak}} if weak else None)
    from cableocr.models import Box

    def indented(box: Box) -> Box:  # a paragraph's first line, a character in
        return Box(x0=box.x0 + 40, y0=box.y0, x1=box.x1 + 40, y1=box.y1)

    lines = [_moved_line(ln, indented) if i == at else ln for i, ln in enumerate(page.lines)]
    cables, _ = assemble([page.model_copy(update={"lines": lines})])
    speakers = extract_fields(cables[0], SHIPPED)["speakers"]
    assert speakers.value is None and speakers.status == status


@pytest.mark.parametrize(("weak", "status"), [(None, "auto"), (0.53, "needs_review")])
def test_a_paragraph_opening_read_unsure_beside_the_turns_found_makes_the_speakers_doubtful(weak, status):
    """(総理)… then て大臣):… ((大臣) its opening bracket read て, at 0.53; seed 17 eval-0057:
    the speakers 総理 alone, accepted at 0.997)."""
    body = ["往電第5513号別電2:", "(総理)ロシアについて一言申し上げたい。", "て大臣):先般の会談に感謝する。",
            "英、仏に転電した。(了)", "外務省"]
    texts = [*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body]
    at = texts.index(body[2])
    page = _page(texts, {at: {0: weak}} if weak else None)
    from cableocr.models import Box

    def indented(box: Box) -> Box:  # a paragraph's first line, a character in
        return Box(x0=box.x0 + 40, y0=box.y0, x1=box.x1 + 40, y1=box.y1)

    lines = [_moved_line(ln, indented) if i in (at - 1, at) else ln for i, ln in enumerate(page.lines)]
    cables, _ = assemble([page.model_copy(update={"lines": lines})])
    speakers = extract_fields(cables[0], SHIPPED)["speakers"]
    assert [t["speaker"] for t in speakers.value] == ["総理"] and speakers.status == status


@pytest.mark.parametrize(("code", "value"), [("QQQQQ.大至急.昌。.", "大至急"), ("0q90.大至急", "大至急"),
                                           ("0至急・", "至急")])  # all of the code but one character lost
def test_a_precedence_after_a_misread_transmission_code_is_read_for_review(code, value):
    header = [code if t.startswith("YYYYY") else t for t in DRAFT_1960S]
    precedence = _fields(["外務省電信案", *header, *BODY])["precedence"]
    assert precedence.value == value and precedence.status == "needs_review"
    # The code line set after the header's other lines (on seed 18 eval-0106, 0至急・ was read as the
    # body's first; this layout keeps it in the header zone, so it checks the order, not that place).
    header = [t for t in DRAFT_1960S if not t.startswith("YYYYY")]
    precedence = _fields(["外務省電信案", *header, code, *BODY])["precedence"]
    assert precedence.value == value and precedence.status == "needs_review"


def test_a_mark_stamp_read_with_a_receipt_stamp_s_date_after_it_is_read():
    header = ["特秘10.16." if t == "特秘" else t for t in DRAFT_1960S]
    classification = _fields(["外務省電信案", *header, *BODY])["classification"]
    assert classification.value == "特秘"
    # The code line with the stamp's 受付 after its mark (seed 21 eval-0193: 大至急 accepted as absent)
    header = ["YYYYY大至急受付" if t.startswith("YYYYY") else t for t in DRAFT_1960S]
    assert _fields(["外務省電信案", *header, *BODY])["precedence"].value == "大至急"


@pytest.mark.parametrize(("read", "status"), [("外務大臣", "auto"), ("外聞大臣", "needs_review"),
                                              ("大至急外務大臣", "needs_review"), ("に一作務大臣", "needs_review"),
                                              ("外務大", "needs_review")])  # 臣 read as a mark, dropped
def test_a_drafts_sender_read_a_character_off_the_ministers_office_is_mended_for_review(read, status):
    header = [f"国連大使あて{read}発" if t.endswith("外務大臣発") else t for t in DRAFT_1960S]
    sender = _fields(["外務省電信案", *header, *BODY])["sender"]
    assert sender.value == "外務大臣" and sender.status == status


def test_a_drafts_sender_no_office_of_the_tables_is_kept_as_read_for_review():
    header = ["国連大使あて経済局長発" if t.endswith("外務大臣発") else t for t in DRAFT_1960S]
    sender = _fields(["外務省電信案", *header, *BODY])["sender"]
    assert sender.value == "経済局長" and sender.status == "needs_review" and "unknown_name" in sender.flags


def test_a_draft_s_ate_read_ade_still_parts_addressee_from_sender():
    header = ["国連大使あで外務大臣発" if t.endswith("外務大臣発") else t for t in DRAFT_1960S]
    fields = _fields(["外務省電信案", *header, *BODY])
    assert fields["addressee"].value == "国連大使" and fields["addressee"].status == "needs_review"
    assert fields["sender"].value == "外務大臣"


@pytest.mark.parametrize(("line", "status"), [("70年6月1日22時05分英国発", "auto"), ("70年6月1日22時5分英国発", "needs_review"),
                                              ("70年6月1日2時05分英国発", "needs_review")])
def test_a_typed_time_read_with_one_digit_in_a_place_has_lost_one(line, status):
    header = [line if t.endswith("英国発") else t for t in INCOMING_1970S]
    time = _fields(["電信写", *header, *BODY])["time_sent"]
    assert time.status == status and (status == "auto") == ("truncated" not in time.flags)


@pytest.mark.parametrize(("subject", "agreed", "status"), [
    ("日米首のう会談", False, "needs_review"),  # one engine's reading, a character at 0.99: under the threshold
    ("日米首のう会談", True, "auto"),  # both engines read it alike: as sure as its characters
    ("ウルグァイラウンド交渉", True, "needs_review"),  # both may have dropped the ・ between the words
    ("ボスニア情勢", True, "auto"),  # katakana the dictionary knows
    ("ポスニア情勢", True, "needs_review"),  # katakana it does not: both engines read ボ as ポ alike
    ("日ツ平和条約交渉", True, "needs_review"),  # ツ for the ソ of 日ソ, which it knows
    ("カンボディア和平", True, "auto"),  # the cables' spelling of カンボジア, which it knows
    ("カンポディア和平", True, "needs_review"),  # ボ read ポ in it
    ("ウルグァイ・ラウンド交渉", True, "auto"),  # ウルグアイ written with a small ァ
    ("ウルグイ・ラウンド交渉", True, "needs_review"),  # the small ァ lost by both
])
def test_a_subject_both_engines_read_alike_is_as_sure_as_its_characters(subject, agreed, status):
    texts = [subject if t.startswith("日米首のう") else t for t in HEADER]
    at = texts.index(subject)
    page = _page(texts, {at: {2: 0.99}})
    line = page.lines[at]
    line = line.model_copy(update={"chars_agreed": len(line.chars) if agreed else None})
    cables, _ = assemble([page.model_copy(update={"lines": [*page.lines[:at], line, *page.lines[at + 1:]]})])
    found = extract_fields(cables[0], SHIPPED)["subject"]
    assert found.value == subject and found.status == status


@pytest.mark.parametrize(("subject", "not_alike", "status"), [
    ("日ソ平和条約交渉(別電4)", 2, "auto"),  # PP-OCR dropped the brackets in a column, or read them （）
    ("日ソ平和条約交渉(別電4)", 3, "needs_review"),  # and something else
    ("日ソ平和条約交渉(別電4", 1, "needs_review"),  # a bracket lost
    ("カンボディア和平別電2)", 0, "needs_review"),  # a bracket lost by both engines alike (seed 28 eval-0137)
])
def test_a_subject_read_alike_but_for_its_paired_brackets_is_read_alike(subject, not_alike, status):
    texts = [subject if t.startswith("日米首のう") else t for t in HEADER]
    at = texts.index(subject)
    page = _page(texts, {at: {2: 0.99}})
    line = page.lines[at]
    line = line.model_copy(update={"chars_agreed": len(line.chars) - not_alike})
    cables, _ = assemble([page.model_copy(update={"lines": [*page.lines[:at], line, *page.lines[at + 1:]]})])
    assert extract_fields(cables[0], SHIPPED)["subject"].status == status


def test_a_subject_with_a_long_run_of_katakana_and_no_middle_dot_is_reviewed_however_surely_read():
    """イギリスフランス首脳会談, every character read at 1.0 by one engine, words the
    dictionary knows (seed 20 eval-0057: ウルグァイラウンド交渉 passed at 0.95, the ・ lost); with
    its ・, read so, it passes."""
    def subject(text):
        texts = [text if t.startswith("日米首のう") else t for t in HEADER]
        sure = {texts.index(text): dict.fromkeys(range(len(text)), 1.0)}
        return extract_fields(assemble([_page(texts, sure)])[0][0], SHIPPED)["subject"]

    assert subject("イギリスフランス首脳会談").status == "needs_review"
    assert subject("イギリス・フランス首脳会談").status == "auto"


def test_a_subject_whose_separate_telegram_number_was_lost_is_reviewed_and_so_is_its_absence():
    """日ソ平和条約交渉(別電1) read (別電) by both engines (seed 21 eval-0238: both accepted)."""
    texts = ["日ソ平和条約交渉(別電)" if t.startswith("日米首のう") else t for t in HEADER]
    fields = _fields(texts)
    assert fields["subject"].status == "needs_review" and "truncated" in fields["subject"].flags
    assert fields["separate_telegram"].value is None and fields["separate_telegram"].status == "needs_review"
    assert fields["separate_telegram"].reason == "illegible"


@pytest.mark.parametrize(("line", "another"), [("(限定配布)", True), ("（取扱注意）", True), ("日米首のう会談", False)])
def test_the_handling_caveat_is_another_fields_line_never_the_subject(line, another):
    """(限定配布) the one header line no label claimed, the subject not read (seed 21 eval-0047:
    the caveat accepted as the subject at 1.0)."""
    from cableocr.fields.context import Context
    from cableocr.fields.header import _another_fields_line

    cables, _ = assemble([_page(HEADER)])
    ctx = Context.of(cables[0])
    probe = _page([line]).lines[0]  # a row of its own, above the page's
    assert _another_fields_line(ctx, probe) == another


def test_a_dated_line_whose_year_mark_was_lost_is_not_taken_for_the_subject():
    """平成5年 read 平成5 on a line set after the subject: no 年, but 9月28日 is a date's."""
    texts = ["平成59月28日国連発" if t.endswith("国連発") else t for t in HEADER]
    texts.remove("日米首のう会談(別電2)")
    texts.insert(texts.index("主管北米局長") + 1, "日米首のう会談(別電2)")
    texts.remove("平成59月28日国連発")
    texts.insert(texts.index("波多野大使") + 1, "平成59月28日国連発")
    assert _fields(texts)["subject"].value == "日米首のう会談（別電2）"


def test_a_mark_stamp_read_with_its_frame_is_not_taken_for_the_subject():
    """The boxed 極秘 至急 read 必秘至急 just before the number line: the subject is the line
    after the number, as the 1970s copy sets it."""
    header = ["総番号(TA)40219", "主管国連局長", "72年11月17日19時00分インドネシア発", "72年11月17日21時40分本省着",
              "外務大臣殿", "斉藤", "必秘至急", "第2887号"]
    fields = _fields(["電信写", *header, "日ソ平和条約交渉(別電1)", *BODY])
    assert fields["subject"].value == "日ソ平和条約交渉（別電1）"
    assert fields["classification"].status == "needs_review"


@pytest.mark.parametrize(("first", "second", "field", "value"), [
    # Tesseract read the 発 apart from its line; PP-OCR's reading of the line keeps it.
    ("72年10月13日12時56分国連", "72年10月13日12時56分国連発", "date_sent", "1972-10-13"),
    ("72年10月13日12時56分国連", "72年10月13日12時56分国連発", "sending_post", "国連"),
    # A digit too many in the minutes: no time, and a post 分本省.
    ("73年4月26日23時096分本省着", "73年4月26日23時06分本省着", "time_received", "23:06"),
    ("73年4月26日23時096分本省着", "73年4月26日23時06分本省着", "receiving_office", "本省"),
])
def test_what_the_page_reading_lost_on_a_dated_line_is_taken_from_its_second_reading_for_review(
        first, second, field, value):
    header = ["総番号(TA)65847", "主管米局長", "極秘大至急", "72年10月13日12時56分国連発", "73年4月26日23時06分本省着",
              "外務大臣殿", "森[大使]", "日ソ平和条約交渉"]
    at = next(i for i, t in enumerate(header) if t[:6] == first[:6])
    header[at] = first
    page = _page(["電信写", *header, *BODY])
    line = page.lines[at + 1]
    page = page.model_copy(update={"lines": [*page.lines[:at + 1], line.model_copy(update={"second_reading": second}),
                                             *page.lines[at + 2:]]})
    cables, _ = assemble([page])
    found = extract_fields(cables[0], SHIPPED)[field]
    assert found.value == value and "disputed" in found.flags and found.status == "needs_review"
    assert "second reading" in found.method


def test_a_doubtful_closing_bracket_that_closes_the_subjects_bracket_is_kept():
    """PP-OCR drops ） in columns and Tesseract alone read it, less surely: it closes the
    subject's （, so it is no speck."""
    texts = ["中東情勢(別電3)" if t.startswith("日米首のう") else t for t in HEADER]
    at = texts.index("中東情勢(別電3)")
    subject = _fields(texts, weak_at={at: {8: 0.5}})["subject"]
    assert subject.value == "中東情勢（別電3）" and "trimmed" not in subject.flags


def test_a_redaction_is_given_to_the_row_it_lies_on_most_when_line_boxes_overlap():
    """Vertical dated lines whose boxes (read by two engines) reach into each other's column:
    each box hides the time of the column it lies in, not of the first column it touches."""
    from cableocr.fields.marks import HeaderRow, _hidden_by
    from cableocr.models import Box

    sent = HeaderRow("time_sent", 0, Box(x0=1921, y0=281, x1=2082, y1=3425), True, True)
    received = HeaderRow("time_received", 0, Box(x0=1816, y0=278, x1=1981, y1=3383), True, True)
    rows = [sent, received]
    assert _hidden_by(Box(x0=1898, y0=975, x1=1967, y1=1274), 0, rows) == "time_received"
    assert _hidden_by(Box(x0=1996, y0=978, x1=2066, y1=1277), 0, rows) == "time_sent"
    assert _hidden_by(Box(x0=100, y0=975, x1=170, y1=1274), 0, rows) == "body"


def test_a_redaction_wholly_inside_two_rows_goes_to_the_row_whose_middle_is_nearest():
    """A …発 line's box grown over the …着 row below it (seen on poor horizontal pages): both
    boxes lie wholly in it; each goes to its own row, not both to the first by name."""
    from cableocr.fields.marks import HeaderRow, _hidden_by
    from cableocr.models import Box

    sent = HeaderRow("time_sent", 0, Box(x0=152, y0=449, x1=1642, y1=552), False, True)
    received = HeaderRow("time_received", 0, Box(x0=152, y0=507, x1=669, y1=570), False, True)
    rows = [sent, received]
    assert _hidden_by(Box(x0=401, y0=458, x1=551, y1=501), 0, rows) == "time_sent"
    assert _hidden_by(Box(x0=399, y0=508, x1=549, y1=551), 0, rows) == "time_received"


@pytest.mark.parametrize(("stamps", "classification", "precedence"), [
    (["極秘", "至急"], "極秘", "至急"),  # each stamp on a row of its own
    (["極秘", "慌急"], "極秘", None),  # one stamp misread into noise: passed over, not read
])
def test_mark_stamps_on_their_own_rows_before_the_subject_keep_it_in_the_header(stamps, classification, precedence):
    """A 1970s copy boxes 極秘 and 至急 on the row before the subject: the header runs on past
    them to the subject, and the stamps are read as marks."""
    header = [*INCOMING_1970S[:2], *INCOMING_1970S[3:7], *stamps, "カンボディア和平"]
    fields = _fields(["電信写", *header, *BODY])
    assert fields["subject"].value == "カンボディア和平"
    assert fields["classification"].value == classification
    assert fields["precedence"].value == precedence


def test_a_speck_read_as_a_forwarding_item_is_left_out_and_recorded():
    body = ["往電第5513号別電2:", "(総理)ロシアについて一言申し上げたい。", "独、*、英、ロシアに転電した。(了)", "外務省"]
    forwarding = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["forwarding"]
    assert forwarding.value == ["独", "英", "ロシア"]
    assert forwarding.status == "needs_review" and "no letter" in forwarding.method


@pytest.mark.parametrize(("last", "status"), [("芙イタリアジコ応に了( )", "needs_review"), ("交渉は既に完了した。", "auto")])
def test_an_end_mark_a_few_characters_after_ni_makes_the_absence_of_forwarding_doubtful(last, status):
    """英、イタリア、メキシコに転電した。(了) read 芙イタリアジコ応に了( ) (seed 18 eval-0279: no
    forwarding, accepted at 0.90)."""
    body = ["往電第5513号別電2:", "(総理)ロシアについて一言申し上げたい。", last, "外務省"]
    forwarding = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["forwarding"]
    assert forwarding.value is None and forwarding.status == status


@pytest.mark.parametrize(("verb", "value"), [("転生", ["独", "英", "ロシア"]), ("伝電", ["独", "英", "ロシア"]),
                                             ("転電", ["独", "英", "ロシア"]), ("伝達", None)])
def test_a_forwarding_verb_with_one_character_misread_is_mended_for_review(verb, value):
    body = ["往電第5513号別電2:", "(総理)ロシアについて一言申し上げたい。", f"独、英、ロシアに{verb}した。(了)", "外務省"]
    forwarding = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["forwarding"]
    assert forwarding.value == value
    assert ("repaired" in forwarding.flags) == (verb not in ("転電", "伝達"))
    if verb in ("転生", "伝電"):
        assert forwarding.status == "needs_review"


@pytest.mark.parametrize(("read", "value"), [("森大便", "森大使"), ("栗山使", "栗山大使"), ("栗山全便", None)])
def test_a_boxed_title_one_character_off_after_the_addressee_is_mended_for_review(read, value):
    """The box of [大使] garbles a character of it: the sender is read, mended, and reviewed;
    where both of a short title's characters are lost, nothing is guessed."""
    header = [read if t == "森[大使]" else t for t in INCOMING_1970S]
    sender = _fields(["電信写", *header, *BODY])["sender"]
    assert sender.value == value and sender.status == "needs_review"
    if value:
        assert "repaired" in sender.flags and sender.detail["read_as"] == read and "one character off" in sender.method


@pytest.mark.parametrize(("read", "inferred"), [
    ("秘密指定解除外交記録・情報公開室", False),
    ("外交記録・情報公開室", True),  # the title's line unread (seen on medium horizontal pages)
    ("秘密指定解除", True),
])
def test_the_declassification_stamp_is_known_from_either_of_its_lines(read, inferred):
    from cableocr.models import Box

    page = _page(["電信写", *INCOMING_1970S, *BODY])
    page = page.model_copy(update={"stamps": [Box(x0=1600, y0=200, x1=2260, y1=490)], "stamp_texts": [read]})
    cables, _ = assemble([page])
    stamp = extract_fields(cables[0], SHIPPED)["declassification"]
    assert stamp.value == "秘密指定解除 外交記録・情報公開室"
    assert ("inferred" in stamp.flags) == inferred and (stamp.status == "needs_review") == inferred


@pytest.mark.parametrize(("read", "value", "flags"), [
    ("アジァ局中国課", "アジア局中国課", {"inferred", "unknown_name"}),  # small ァ for ア
    ("アジアァ局中国課", "アジア局中国課", {"inferred", "unknown_name"}),  # a character too many
    ("アジア局中国課", "アジア局中国課", {"unknown_name"}),  # the bureau known, its section not
    ("ア局中国課", "ア局中国課", {"unknown_name"}),  # too little of a bureau to mend
])
def test_a_draft_bureau_one_character_off_a_known_one_is_mended_and_its_section_kept(read, value, flags):
    header = [f"主管局部課(室)名{read}" if t.startswith("主管") else t for t in DRAFT_1960S]
    bureau = _fields(["外務省電信案", *header, *BODY])["primary_bureau"]
    assert bureau.value == value and flags <= set(bureau.flags) and bureau.status == "needs_review"


@pytest.mark.parametrize("code", ["YYYYY至急", "00000至急", "YYY Y至急", ".QQQQQO′至急", "0000 Q至急"])
def test_a_transmission_code_as_poor_pages_give_it_still_carries_the_precedence(code):
    """Q read as 0, a Y lost or split, a speck after it: the line is still the code line, in the
    header, and the precedence after it is read."""
    header = [code if t == "YYYYY至急" else t for t in DRAFT_1960S]
    precedence = _fields(["外務省電信案", *header, *BODY])["precedence"]
    assert precedence.value == "至急" and precedence.rule == "precedence.code"


def test_marks_under_the_declassification_stamp_laid_over_them_are_read():
    header = ["極秘大至急外交記錄·情報公開室秘密指定解除" if t == "極秘大至急" else t for t in INCOMING_1970S]
    fields = _fields(["電信写", *header, *BODY])
    assert fields["classification"].value == "極秘" and fields["precedence"].value == "大至急"


def test_a_character_no_mark_explains_before_the_precedence_sends_it_to_review():
    """取扱注意太至急: 太 may be the 大 of 大至急 misread, so 至急 is not taken for sure."""
    header = ["第5515号取扱注意太至急" if t.startswith("第5515号") else t for t in COPY_HEADER]
    precedence = _fields([*COPY_TOP, *header, "日米首のう会談(別電2)", *BODY])["precedence"]
    assert precedence.value == "至急" and precedence.status == "needs_review" and "太" in precedence.method
    plain = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *BODY])["precedence"]
    assert plain.value == "大至急" and "inferred" not in plain.flags


def test_a_garbled_pair_of_stamps_makes_the_marks_absence_doubtful():
    header = ["属一室急" if t == "極秘大至急" else t for t in INCOMING_1970S]
    fields = _fields(["電信写", *header, *BODY])
    for name in ("classification", "precedence"):
        assert fields[name].value is None and fields[name].status == "needs_review" and "stamp" in fields[name].method


def test_a_drafts_addressee_the_tables_do_not_hold_is_reviewed():
    header = ["ツ連大使あて外務大臣発" if t.endswith("外務大臣発") else t for t in DRAFT_1960S]
    addressee = _fields(["外務省電信案", *header, *BODY])["addressee"]
    assert addressee.value == "ツ連大使" and "unknown_name" in addressee.flags and addressee.status == "needs_review"


def test_a_boxed_title_takes_the_nearest_name_on_its_row_not_another_line_there():
    """國廣, then [臨時代理大使] on its row, and the subject set further along the same row but
    read after them: the sender is the name the box stands against."""
    texts = ["電信写", *INCOMING_1970S[:6], "國廣", "[臨時代理大使]", "日米外相会談", *BODY]
    page = _page(texts)
    page = _moved_beside(page, 7, 7, dx=400)  # the name along its own row
    page = _moved_beside(page, 8, 7, dx=600)  # the title just after it
    page = _moved_beside(page, 9, 7, dx=0)  # the subject at the row's start
    cables, _ = assemble([page])
    assert extract_fields(cables[0], SHIPPED)["sender"].value == "國廣臨時代理大使"


def test_a_boxed_title_never_takes_the_addressees_line_for_its_name():
    """外務大臣殿 read with a box reaching past 有馬 along their row (seed 20 eval-0116: the sender
    was 外務大臣殿臨時代理大使, accepted): the name is 有馬, the nearest line that is a name."""
    from cableocr.models import Box

    texts = ["電信写", *INCOMING_1970S[:6], "有馬", "[臨時代理大使]", "日英首のう会談", *BODY]
    page = _page(texts)
    page = _moved_beside(page, 7, 6, dx=400)  # the name along the addressee's row
    page = _moved_beside(page, 8, 6, dx=600)  # the title just after it
    addressee = page.lines[6]
    wide = addressee.model_copy(update={"box": Box(x0=addressee.box.x0, y0=addressee.box.y0, x1=650,
                                                   y1=addressee.box.y1)})
    page = page.model_copy(update={"lines": [*page.lines[:6], wide, *page.lines[7:]]})
    cables, _ = assemble([page])
    fields = extract_fields(cables[0], SHIPPED)
    assert fields["sender"].value == "有馬臨時代理大使" and fields["addressee"].value == "外務大臣"


@pytest.mark.parametrize(("forwarded", "posts"), [
    ("イタリア豪独に転電した。(了)", ["イタリア", "豪", "独"]),  # the commas between known posts not read
    ("ジュ府代・OECD代、英に転電した。(了)", ["ジュ府代", "OECD代", "英"]),  # a comma read as a dot
])
def test_known_posts_read_run_together_are_parted_and_reviewed(forwarded, posts):
    body = ["往電第5513号別電2:", "(総理)世界経済の成長のために努力する。", forwarded, "外務省"]
    forwarding = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["forwarding"]
    assert forwarding.value == posts and "repaired" in forwarding.flags and forwarding.status == "needs_review"


def test_a_run_of_text_that_is_not_all_known_posts_is_kept_whole():
    from cableocr.fields.body import run_together_posts

    assert run_together_posts("イタリア豪独") == ["イタリア", "豪", "独"]
    assert run_together_posts("イタリア豪州") == []  # 州 is no post: the item stays as read, for review
    assert run_together_posts("豪") == []  # one post is no run


@pytest.mark.parametrize(("sender", "value", "flag"), [
    ("波多野吊時代理大使", "波多野臨時代理大使", "repaired"),  # 臨 misread: not 波多野吊時 the 代理大使
    ("EJ臣時代理大使", "EJ臨時代理大使", "repaired"),
    ("EJ大使", "EJ大使", "unconfirmed"),  # a name in Latin letters is a misreading
])
def test_a_sender_whose_name_swallowed_part_of_a_longer_title_is_mended_for_review(sender, value, flag):
    fields = _fields([*COPY_TOP, *[sender if t == "波多野大使" else t for t in COPY_HEADER], "日米首のう会談(別電2)",
                      *BODY])
    assert fields["sender"].value == value and flag in fields["sender"].flags
    assert fields["sender"].status == "needs_review"


@pytest.mark.parametrize(("opening", "speakers"), [
    ("- (総理ロシアについて一言申し上げたい。", ["総理"]),  # a speck before the label, its closing bracket lost
    ("(クリストファー賠務名官大統領のお許しをいただいて発言したい。", None),  # misread and no closing bracket
])
def test_a_label_behind_a_speck_or_misread_and_unclosed_is_reviewed(opening, speakers):
    body = ["往電第5513号別電2:", opening, "英、仏に転電した。(了)", "外務省"]
    found = _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *body])["speakers"]
    assert (found.value and [t["speaker"] for t in found.value]) == speakers and found.status == "needs_review"
    closed = ["往電第5513号別電2:", "(他の話題に転じた後、次のようなやり取りがあった。)", "英、仏に転電した。(了)", "外務省"]
    assert _fields([*COPY_TOP, *COPY_HEADER, "日米首のう会談(別電2)", *closed])["speakers"].status == "auto"


def test_after_junk_read_from_a_pages_show_through_the_number_and_the_reference_are_found_for_review():
    """A copy's back page showing through is read as junk lines ('よる', 'OSぐEG') after a header
    that ended early (a sure 。 after the subject): the number line beside a mark read one
    character off (取报注意) and a reference standing alone on its line, further down the body than
    usual, are still found, for review; the number is never taken as absent by the form."""
    header = [t for t in ADDRESSEE_FIRST if not t.startswith("第")]
    body = ["よる", "交1ヾでで", "凡ぐ", "第9513号取报注意", "OSぐEG", "来電第6968号別電5:",
            "(大臣)大統領のお許しをいただいて発言したい。", "英、仏に転電した。(了)", "外務省"]
    fields = _fields([*COPY_TOP, *header, *body])
    assert fields["cable_number"].value == "9513" and fields["cable_number"].status == "needs_review"
    references = fields["references"]
    assert [r["number"] for r in references.value] == ["6968"] and references.status == "needs_review"
    prose = ["よる", "交1ヾでで", "先般の会談で来電第6968号の件に触れた。", "英、仏に転電した。(了)", "外務省"]
    assert _fields([*COPY_TOP, *ADDRESSEE_FIRST, *prose])["references"].value is None  # a reference in prose is not one


@pytest.mark.parametrize(("read_by", "confidence", "second_engine_read", "noise"), [
    (["tesseract"], 0.82, True, True),  # marks in the margin read as letters, the second engine reading nothing there
    (["tesseract", "rapidocr"], 0.82, True, False),  # both engines read it: text
    (["tesseract"], 0.95, True, False),  # the one engine sure of it
    (["tesseract"], 0.82, False, False),  # one engine read the page: no second opinion to go by
])
def test_a_line_of_latin_one_engine_alone_read_and_doubts_is_noise(read_by, confidence, second_engine_read, noise):
    from cableocr.assemble import _with_roles
    from cableocr.models import Box, Char, Line, Step

    box = Box(x0=900, y0=2540, x1=1600, y1=2590)
    chars = [Char(text=t, confidence=confidence, box=box) for t in "CrapeeoRERCS18"]
    junk = Line(id="l9", text="CrapeeoRERCS18", raw="CrapeeoRERCS18", normalized="CrapeeoRERCS18", box=box,
                confidence=confidence, writing_mode="horizontal", chars=chars, read_by=read_by)
    page = _page(BODY)
    steps = [Step(name="second_engine", params={"engine": "rapidocr"})] if second_engine_read else []
    page = page.model_copy(update={"lines": [*page.lines, junk], "steps": steps})
    roles = {ln.text: ln.role for ln in _with_roles(page, 0, None).lines}
    assert (roles["CrapeeoRERCS18"] == "noise") is noise and roles["外務省"] != "noise"
