"""Cable orthography -> modern orthography, for a normalised text beside the one as typed.

Telegrams were typed in a restricted character set (../shared/design/cable-format.md): no small
kana (なつてきている for なってきている, 進ちよく for 進ちょく), kana for kanji outside the set
(首のう for 首脳), and older kanji forms (國務長官). The text as typed is never changed; this
module gives the form a historian searches with.

- Small kana are restored only where the dictionary says so: a full-size つ, や, ゆ, よ (and
  their katakana, and katakana ア–オ) is made small when janome then reads it inside a known word
  (なっ in なって, 進ちょく) without cutting the text into more words. Where the full-size kana is
  right (について, つとめる, かつて, 一つ) the small one breaks the reading and is refused.
- Kana written for kanji are mapped from a table, and only forms that cannot be read otherwise.
- Older kanji forms are mapped to their standard forms (國 -> 国).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

# Full-size kana the cable typed for small ones: つ や ゆ よ after any kana or kanji; in
# katakana ツ, ヤ ユ ヨ after an i-row kana (キヤンセル), and the vowels after the consonants of
# loanword sounds (フアイル, ウイーン). ツアー stays: a tour, not a tsar.
_SMALL = str.maketrans("つやゆよツヤユヨアイウエオ", "っゃゅょッャュョァィゥェォ")
_CANDIDATE = re.compile(
    r"(?<=[ぁ-んァ-ヶー一-龯々])[つやゆよ]|(?<=[ァ-ヶー])ツ|(?<=[キシチニヒミリギジビピ])[ヤユヨ]"
    r"|(?<=[フウヴテデシジチトドクグ])[アイウエオ]"
)
WINDOW = 8  # characters either side that janome sees when judging one kana

# Kana written for kanji outside the telegraph set, as the cables write them. Only forms that
# have no other reading are listed (the cable-format notes, and the seeds).
KANA_FOR_KANJI = {
    "首のう": "首脳",
    "けん持": "堅持",
    "開たく": "開拓",
    "あか字": "赤字",
    "不均こう": "不均衡",
    "ゆう慮": "憂慮",
    "構ちく": "構築",
    "内わ": "内輪",
    "進ちよく": "進捗",
    "進ちょく": "進捗",
    "ら致": "拉致",
    "だ結": "妥結",
    "ほう起": "蜂起",
    "ちょう発": "挑発",
    "ちよう発": "挑発",
    "ねつ造": "捏造",
    "破たん": "破綻",
    "はく奪": "剥奪",
    "り患": "罹患",
    "しゅん工": "竣工",
    "ばく大": "莫大",
}

# Older (kyūjitai) kanji and their standard forms.
OLD_FORMS = str.maketrans(
    "國會經濟關實對臺條黨與擧廣應變權總獨佛豫舊體圖學團聲歐區驛縣廳戰爭續鐵當從來萬兩邊齊發",
    "国会経済関実対台条党与挙広応変権総独仏予旧体図学団声欧区駅県庁戦争続鉄当従来万両辺斉発",
)


@cache
def _tokenizer():
    from janome.tokenizer import Tokenizer

    return Tokenizer()


@lru_cache(maxsize=50_000)
def _words(text: str) -> tuple[tuple[str, bool], ...]:
    """janome's words of text, each with whether the dictionary knows it."""
    return tuple((t.surface, t.node_type != "UNKNOWN") for t in _tokenizer().tokenize(text))


def word_count(text: str) -> int:
    """How many words janome cuts text into: fewer is a likelier reading (努力 is one word, 発力 two)."""
    return len(_words(text))


def unknown_katakana_words(text: str) -> list[str]:
    """The words of text holding katakana that the dictionary does not know (カンポディア,
    ウルグイ・ラウンド, the ツ of 日ツ for 日ソ), but for another spelling of a loanword it knows
    (the cables' ウルグァイ, カンボディア, ヴェトナム)."""
    return [surface for surface, known in _words(text)
            if not known and re.search("[ァ-ヶ]", surface) and not _known_loanword_spelling(surface)]


# The loanword spellings that vary between writers and decades (the cabinet's 外来語の表記 lists
# them side by side), folded to the forms the dictionary holds: ヴェトナム is ベトナム, カンボディア
# カンボジア, ウルグァイ ウルグアイ.
_LOANWORD_FOLDS = (("ヴァ", "バ"), ("ヴィ", "ビ"), ("ヴェ", "ベ"), ("ヴォ", "ボ"), ("ヴ", "ブ"),
                   ("ディ", "ジ"), ("ティ", "チ"), ("デュ", "ジュ"))
_SMALL_VOWELS = str.maketrans("ァィゥェォ", "アイウエオ")


def _known_loanword_spelling(surface: str) -> bool:
    """Whether every ・-separated part of a katakana word is, folded to the dictionary's spelling
    of loanwords, one word the dictionary knows. A misreading rarely lands on one (カンポディア
    folds to カンポジア, ウルグイ stays ウルグイ: both unknown)."""
    parts = [part for part in surface.split("・") if part]
    if not parts or not all(re.fullmatch("[ァ-ヶー]+", part) for part in parts):
        return False
    for part in parts:
        folded = part
        for variant, usual in _LOANWORD_FOLDS:
            folded = folded.replace(variant, usual)
        words = _words(folded.translate(_SMALL_VOWELS))
        if len(words) != 1 or not words[0][1]:
            return False
    return True


def _inside_known_word(words: tuple[tuple[str, bool], ...], offset: int) -> bool:
    """Whether the character at offset sits inside (not at the start of) a word janome knows."""
    start = 0
    for surface, known in words:
        end = start + len(surface)
        if start <= offset < end:
            return known and offset > start
        start = end
    return False


def restore_small_kana(text: str) -> str:
    """Make small each full-size kana the dictionary reads as small (see the module's notes)."""
    chars = list(text)
    for match in _CANDIDATE.finditer(text):
        i = match.start()
        lo, hi = max(i - WINDOW, 0), min(i + WINDOW + 1, len(chars))
        before = "".join(chars[lo:hi])
        small = chars[i].translate(_SMALL)
        after = "".join(chars[lo:i]) + small + "".join(chars[i + 1 : hi])
        words_before, words_after = _words(before), _words(after)
        if len(words_after) <= len(words_before) and _inside_known_word(words_after, i - lo):
            chars[i] = small
    return "".join(chars)


def modern_kanji(text: str) -> str:
    """The text with its older kanji forms in their modern ones (國 -> 国), the kana as typed."""
    return text.translate(OLD_FORMS)


def modern_form(text: str) -> str:
    """The text in modern orthography: older kanji forms, kana for kanji, small kana."""
    text = text.translate(OLD_FORMS)
    for kana, kanji in KANA_FOR_KANJI.items():
        text = text.replace(kana, kanji)
    return restore_small_kana(text)
