"""The dictionary overlap behind sentence alignment (JMdict through jamdict; janome's words)."""

from cableocr.dictionary import content_words, dictionary_overlap, gloss_stems


def test_jmdict_glosses_and_japanese_content_words():
    assert "presi" in gloss_stems("大統領")
    assert gloss_stems("ではない語") == frozenset()
    words = content_words("総理より、改革路線を支持する旨述べた。")
    assert {"総理", "改革", "路線", "支持", "述べる"} <= set(words) and "より" not in words


def test_a_sentence_overlaps_its_translation_more_than_another_one():
    ja = ["総理より、エリツィン大統領の改革路線を支持する旨述べた。"]
    own = ["The Prime Minister stated that he supported President Yeltsin's reform line."]
    other = ["The weather in New York was cold, and the meeting ended early in the evening."]
    assert dictionary_overlap(ja, own) > 0.3 > dictionary_overlap(ja, other)
    assert dictionary_overlap(ja, []) == 0.0 and dictionary_overlap([], own) == 0.0
