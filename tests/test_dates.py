import pytest
from hypothesis import given
from hypothesis import strategies as st

from cableocr.dates import parse_era_date, to_int


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("平成 5年 9月28日", "1993-09-28"),
        ("平成５年９月２８日", "1993-09-28"),
        ("昭和四十九年十月三十日", "1974-10-30"),
        ("平成元年1月8日", "1989-01-08"),
        ("令和元年5月1日", "2019-05-01"),
        ("平成5年.9月28日国連発", "1993-09-28"),
    ],
)
def test_era_dates(written, iso):
    parsed = parse_era_date(written)
    assert parsed is not None and parsed.iso == iso and parsed.valid_in_era


def test_a_date_before_its_era_began_is_marked():
    parsed = parse_era_date("平成元年1月7日")  # the last day of Showa
    assert parsed is not None and not parsed.valid_in_era


@pytest.mark.parametrize(("written", "iso", "valid"), [
    ("ソ連発74年7月2日", "1974-07-02", True),  # the 1970s form's Western year, after its post
    ("起案昭利36年8月9日", "2036-08-09", False),  # 昭和 misread: not a Western 36 to accept (seed 36)
    ("起案平戌15年9月28日", "2015-09-28", False),
    ("30年1月1日", "2030-01-01", False),  # in the future: no cable of a released archive
])
def test_a_western_year_after_a_misread_era_or_in_the_future_is_marked(written, iso, valid):
    parsed = parse_era_date(written)
    assert parsed is not None and parsed.iso == iso and parsed.valid_in_era is valid


def test_impossible_dates_are_not_dates():
    assert parse_era_date("令和2年2月30日") is None
    assert parse_era_date("平成5年13月1日") is None


def test_numerals():
    assert to_int("二十八") == 28 and to_int("元") == 1 and to_int("２８") == 28 and to_int("l0") == 10


@given(st.text(alphabet="平成昭和元年月日0123456789一二三十〇 .lO|", max_size=30))
def test_parser_never_crashes(text):
    parse_era_date(text)


def test_a_misread_closing_day_mark_is_read_only_when_asked():
    assert parse_era_date("平成5年9月28晶国連発") is None
    loose = parse_era_date("平成5年9月28晶国連発", loose=True)
    assert loose is not None and loose.iso == "1993-09-28" and not loose.exact
    assert parse_era_date("平成5年9月28日", loose=True).exact
