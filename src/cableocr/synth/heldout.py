"""Cable text no setting was tuned on: new speaker turns, written for the benchmark in cable orthography.

Every cleanup, layout and OCR setting was measured on pages of the two seed cables' text; a
figure read on that text says how well the settings fit it, not how well they read another
cable. These turns were written for this project (not taken from any archive) in the style of
the seeds: speaker labels, full-size つ and よ, kana for kanji outside the telegraph set
(首のう, けん持, ゆう慮), numbers, post names and acronyms. They are set on the seeds' form by
heldout_cable, with new header values, so that no line of such a page was seen in tuning.
"""

from __future__ import annotations

import numpy as np

from cableocr.synth.seed import CableSpec, Paragraph

HELD_OUT_TURNS = (
    "（大臣）今回の訪問を通じて、両国の経済関係の一層の拡大について率直な意見交換を行いたい。"
    "特に、エネルギー分野での協力と、中小企業の相互進出について具体的な進ちよくを期待している。",
    "（首相）日本側の考え方はよく理解した。わが国としても、投資環境の改善に努めてきており、"
    "昨年度の対日輸出は前年比で約2割増加した。この流れを更に強めていくことが重要であると考える。",
    "（大臣）地域の安全保障については、最近の情勢を深くゆう慮している。対話を通じた問題の解決が"
    "不可欠であり、関係国とも緊密に連絡を取りつつ、冷静に対応していくことが必要である。",
    "（首相）その点で日本と同じ立場である。また、国連の場においても両国が協力して、"
    "平和維持活動への支援を続けていきたい。来年のASEAN拡大外相会議でも連携を図りたい。",
    "（大臣）環境問題も重要な課題である。わが国は途上国に対する技術協力を拡充する方針であり、"
    "貴国とも省エネルギー技術の分野で新たな枠組みを構ちくしたいと考えている。",
    "（首相）有難い申し出である。具体的な案件については、双方の事務レベルで早急に協議を開始し、"
    "年内に取りまとめることとしたい。首のう間の連絡も引続き密にしていきたい。",
)


def heldout_cable(seed: CableSpec, rng: np.random.Generator) -> CableSpec:
    """A variant of the seed (synth.vary: new number, date, post, sender, subject…) whose body is
    two or three of the held-out turns instead of the seed's own."""
    from cableocr.synth.vary import vary

    spec, _ = vary(seed, rng)
    start = int(rng.integers(0, len(HELD_OUT_TURNS) - 2))
    turns = [Paragraph(text=t) for t in HELD_OUT_TURNS[start : start + int(rng.integers(2, 4))]]
    ending = [p for p in spec.body_pages[0] if p.text and "転電" in p.text]
    return spec.model_copy(update={"body_pages": [turns + ending]})
