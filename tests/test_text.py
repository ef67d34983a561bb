import pytest
from hypothesis import given
from hypothesis import strategies as st

from cableocr.evaluate import character_error_rate
from cableocr.text import comparison_form, mend_lookalikes, normalize, remove_engine_spaces


def test_engine_spaces_between_japanese_are_removed():
    assert remove_engine_spaces("第 5515 号 極秘 大 至急") == "第5515号極秘大至急"
    assert remove_engine_spaces("外務 大 臣 殿") == "外務大臣殿"


def test_spaces_between_latin_words_are_kept():
    assert remove_engine_spaces("New Zealand と ASEAN") == "New ZealandとASEAN"


def test_normalized_text_folds_widths_but_keeps_japanese_brackets():
    assert normalize("日米首のう会談(別電２)") == "日米首のう会談（別電2）"
    assert normalize("第５５１５号") == "第5515号"


def test_cer_ignores_width_and_white_space():
    assert character_error_rate("第５５１５号\n極秘", "第 5515 号 極秘") == 0.0
    assert character_error_rate("abcd", "abxd") == 0.25


@given(st.text())
def test_no_blank_is_left_next_to_a_japanese_character(text):
    cleaned = remove_engine_spaces(text)
    for i, ch in enumerate(cleaned):
        if ch in " \t\u3000":
            assert cleaned[i - 1].isascii() and cleaned[i + 1].isascii()
    assert not any(c.isspace() for c in comparison_form(text))
    normalize(text)


@pytest.mark.parametrize(("read", "mended"), [
    ("日口関係", "日ロ関係"), ("口シア", "ロシア"), ("デト口イト", "デトロイト"), ("工リツイン", "エリツイン"),
    ("力ナダ", "カナダ"), ("テ二ス", "テニス"),
    ("人口", "人口"), ("努力", "努力"), ("加工する", "加工する"), ("二カ国", "二カ国"),
    ("0ECD代", "OECD代"), ("PR0GRESS", "PROGRESS"), ("2O17年", "2017年"), ("G20", "G20"), ("0", "0"),
    ("第5O15号", "第5015号"), ("A10", "A10"), ("OECD", "OECD"),
])
def test_lookalikes_follow_their_neighbours(read, mended):
    assert mend_lookalikes(read) == mended


def test_unclosed_brackets_counts_what_is_left_open_and_never_goes_below_nothing():
    from cableocr.text import unclosed_brackets

    assert unclosed_brackets("(別電5") == 1 and unclosed_brackets("（総理）") == 0
    assert unclosed_brackets("))(") == 1  # a closing bracket with none open closes nothing
