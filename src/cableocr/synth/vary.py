"""Variants of a seed cable for calibration and evaluation: other numbers, dates (both eras, 元年,
kanji numerals, the older forms' Western two-digit years with times), posts, senders, bureaus,
classifications, precedences, serials (typed, with a prefix, or blacked out), references and
forwarding lists; the body is a few of the seed's paragraphs, so most variants are one page.

Some names are drawn from outside the project's tables on purpose, so that evaluation measures
what extraction does with a name it does not know.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from kanjize import number2kanji

from cableocr.synth.seed import CableSpec, Paragraph

SURNAMES = ("波多野", "栗山", "小和田", "斉藤", "松永", "村田", "中山", "有馬", "大河原", "柳井", "國廣", "佐藤")
TITLES = ("大使", "代理大使", "臨時代理大使", "総領事", "公使")
# A third of the posts are not in the project's table (from ジャカルタ on): extraction must flag
# what it does not know, not take it on trust or mend it into a known name.
SENDING_POSTS = ("国連", "米", "英", "仏", "独", "加", "豪", "中国", "韓国", "ソ連", "ジュ府代", "EC代",
                 "OECD代", "ワシントン", "ニューヨーク", "ジャカルタ", "ブラジル", "ローマ", "ブリュッセル",
                 "シンガポール", "ナイロビ", "タイ", "ベルギー")
BUREAUS = ("北米局長", "アジア局長", "欧亜局長", "経済局長", "条約局長", "国連局長", "中近東アフリカ局長",
           "文化交流部長")  # the last: not in the table
SUBJECTS = ("日米首のう会談", "日米外相会談", "国連総会（一般討論演説）", "中東情勢", "ウルグァイ・ラウンド交渉",
            "在外公館長会議", "日ソ平和条約交渉", "カンボディア和平")
CLASSIFICATIONS = ("極秘", "秘", "取扱注意", "部外秘", "特秘", "")
PRECEDENCES = ("大至急", "至急", "普通", "")
FORWARD_POSTS = ("英", "独", "仏", "イタリア", "加", "メキシコ", "ジュ府代", "EC代", "OECD代", "豪", "NZ",
                 "ASEAN", "中国", "韓国", "ロシア")
REFERENCE_KINDS = ("往電", "来電", "貴電")
ERA_STARTS = (("平成", dt.date(1989, 1, 8)), ("昭和", dt.date(1926, 12, 25)))


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _era_form(date: dt.date, kanji: bool) -> str:
    era, start = next((name, d) for name, d in ERA_STARTS if date >= d)
    year = date.year - start.year + 1
    if kanji:
        return f"{era}{'元' if year == 1 else number2kanji(year)}年{number2kanji(date.month)}月{number2kanji(date.day)}日"
    return f"{era}{'元' if year == 1 else year}年{date.month}月{date.day}日"


def _random_date(rng: np.random.Generator) -> dt.date:
    first, last = dt.date(1965, 1, 1), dt.date(1998, 12, 31)
    # One in eight near an era's first days, where 元年 is written.
    if rng.random() < 0.125:
        return dt.date(1989, 1, 8) + dt.timedelta(days=int(rng.integers(0, 300)))
    return first + dt.timedelta(days=int(rng.integers(0, (last - first).days)))


def _time(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}"


def _forwarding(rng: np.random.Generator) -> tuple[list[str], str]:
    count = int(rng.integers(2, 7))
    posts = [str(p) for p in rng.choice(FORWARD_POSTS, size=count, replace=False)]
    items = (["全米公館（除、アガナ、デトロイト）"] if rng.random() < 0.5 else []) + posts
    return items, "、".join(items) + "に転電した。（了）"


def _body(seed: CableSpec, rng: np.random.Generator) -> tuple[list[Paragraph], list[str]]:
    """A reference line (or none), two or three of the seed's speaker turns, perhaps a blacked-out
    passage, and a forwarding line with the end mark."""
    paragraphs = seed.paragraphs()
    turns = [p for p in paragraphs[1:] if p.startswith("（") and "転電" not in p]
    body: list[Paragraph] = []
    if rng.random() < 0.7:
        kind = _pick(rng, REFERENCE_KINDS)
        separate = f"別電{int(rng.integers(1, 6))}" if rng.random() < 0.5 else ""
        body.append(Paragraph(text=f"{kind}第{int(rng.integers(1, 9999))}号{separate}："))
    start = int(rng.integers(0, max(len(turns) - 2, 1)))
    chosen = [t for t in turns[start : start + int(rng.integers(1, 3))] if len(t) < 400]
    body += [Paragraph(text=t) for t in chosen or turns[:1]]
    if rng.random() < 0.3:
        body.insert(len(body) - 1 if len(body) > 1 else len(body), Paragraph(redaction_chars=int(rng.integers(12, 30))))
    items, line = _forwarding(rng)
    body.append(Paragraph(text=line))
    return body, items


def vary(seed: CableSpec, rng: np.random.Generator) -> tuple[CableSpec, str]:
    """A new cable on the seed's form; also the names of its unusual features, for reports."""
    features = []
    sent = _random_date(rng)
    received = sent + dt.timedelta(days=int(rng.random() < 0.3))
    western = sent < dt.date(1989, 1, 1) and rng.random() < 0.35
    kanji = not western and rng.random() < 0.15
    if western:
        era_sent, era_received = (f"{d.year % 100:02d}年{d.month}月{d.day}日" for d in (sent, received))
        features.append("western-year")
    else:
        era_sent, era_received = _era_form(sent, kanji), _era_form(received, kanji)
        features += ["kanji-numerals"] if kanji else []
    time_mode = "typed" if western else _pick(rng, ("redacted", "redacted", "typed", "none"))
    serial_mode = _pick(rng, ("redacted", "redacted", "typed", "prefixed"))
    serial = {"typed": str(int(rng.integers(10000, 999999))),
              "prefixed": f"(TA){int(rng.integers(10000, 99999))}"}.get(serial_mode)
    features += ["serial-prefix"] if serial_mode == "prefixed" else []
    classification = _pick(rng, CLASSIFICATIONS)
    features += ["toku-hi"] if classification == "特秘" else []
    subject = _pick(rng, SUBJECTS)
    if rng.random() < 0.4:
        subject += f"（別電{int(rng.integers(1, 9))}）"
    body, forwarding = _body(seed, rng)
    draft = rng.random() < 0.12
    features += ["draft"] if draft else []
    spec = seed.model_copy(update={
        "number": str(int(rng.integers(1, 10000))),
        "serial_redacted": serial_mode == "redacted",
        "serial": serial,
        "primary_bureau": _pick(rng, BUREAUS),
        "era_date": era_sent,
        "date_iso": sent.isoformat(),
        "era_date_received": era_received,
        "received_iso": received.isoformat(),
        "sending_post": _pick(rng, SENDING_POSTS),
        "receiving_office": "本省",
        "addressee": "外務大臣" if rng.random() < 0.85 else "外務次官",
        "sender": _pick(rng, SURNAMES) + _pick(rng, TITLES),
        "subject": subject,
        "classification": classification,
        "precedence": _pick(rng, PRECEDENCES),
        "caveat": "限定配布" if rng.random() < 0.5 else None,
        "time_redacted": time_mode == "redacted",
        "time_sent": _time(rng) if time_mode == "typed" else None,
        "time_received": _time(rng) if time_mode == "typed" else None,
        "body_pages": [body],
        "forwarding": forwarding,
    })
    if draft:  # from the Minister to a head of mission abroad, drafted at the Ministry
        spec = spec.model_copy(update={
            "form": "draft", "addressee": f"{spec.sending_post}{_pick(rng, ('大使', '総領事'))}",
            "sender": "外務大臣", "time_redacted": False, "time_sent": None, "time_received": None,
        })
    form = _pick(rng, FORM_SHARES)
    if form != "copy" and draft:  # an older form: incoming copies to the Minister, or drafts of its own
        spec = spec.model_copy(update={"addressee": "外務大臣", "sender": _pick(rng, SURNAMES) + _pick(rng, TITLES)})
        features.remove("draft")
    if form == "copy-1970s":
        spec, features = _copy_1970s(spec, rng), ["copy-1970s", "western-year"]
    elif form == "draft-1960s":
        spec, features = _draft_1960s(spec, rng), ["draft-1960s"]
    elif not draft and (order := _pick(rng, COPY_ORDERS)) is not None:
        name, blocks = order
        spec, features = spec.model_copy(update={"header_order": blocks}), [*features, name]
    return spec, "+".join(features) or "plain"


# How often each form is drawn: the 1990s forms of the seeds ("copy", of which a share are
# drafts), and the older forms.
FORM_SHARES = ("copy", "copy", "copy-1970s", "draft-1960s")
# The 1990s copy's header in other orders. order-number-first is held out of every fit
# (HELD_OUT_VARIANTS): the evaluation reports what an arrangement never fitted on does.
COPY_ORDERS: tuple[tuple[str, tuple[str, ...]] | None, ...] = (
    None, None,
    ("order-number-first", ("serial", "bureau", "number", "caveat", "addressee", "sender", "sent", "received",
                            "subject")),
    ("order-addressee-first", ("addressee", "sender", "serial", "bureau", "sent", "received", "subject", "number",
                               "caveat")),
)
HELD_OUT_VARIANTS = ("order-number-first",)

BUREAUS_1970S = ("米局長", "アジア局長", "欧亜局長", "経済局長", "条約局長", "国連局長", "中近東アフリカ局長")
POSTS_1970S = ("英国", "米国", "仏", "西独", "ソ連", "中国", "韓国", "国連", "カナダ", "豪", "タイ", "インドネシア")
SECTIONS_1960S = ("北米局北米課", "アジア局中国課", "経済局国際機関第一課", "欧亜局西欧課", "条約局条約課",
                  "国際連合局政治課")
DRAFT_POSTS_1960S = ("米", "英", "仏", "国連", "ソ連", "中華民国", "韓国", "インド")


def _copy_1970s(spec: CableSpec, rng: np.random.Generator) -> CableSpec:
    """An incoming copy of the 1970s: (TA) serial, 74年10月30日01時00分 英国 発, boxed stamps
    and title, and (often) no 第N号 on the form at all."""
    sent = dt.date(1970, 1, 1) + dt.timedelta(days=int(rng.integers(0, 3650)))
    received = sent + dt.timedelta(days=int(rng.random() < 0.4))
    orders = (None, ("marks", "serial", "bureau", "sent", "received", "addressee", "sender", "subject", "number"),
              ("serial", "bureau", "sent", "received", "addressee", "sender", "marks", "number", "subject"))
    return spec.model_copy(update={
        "form": "copy-1970s",
        "header_order": _pick(rng, orders),
        "number": str(int(rng.integers(1, 3000))) if rng.random() < 0.4 else "",
        "serial_redacted": False,
        "serial": f"(TA){int(rng.integers(10000, 99999))}" if rng.random() < 0.7 else str(int(rng.integers(10000, 99999))),
        "primary_bureau": _pick(rng, BUREAUS_1970S),
        "era_date": f"{sent.year % 100:02d}年{sent.month}月{sent.day}日",
        "date_iso": sent.isoformat(),
        "era_date_received": f"{received.year % 100:02d}年{received.month}月{received.day}日",
        "received_iso": received.isoformat(),
        "sending_post": _pick(rng, POSTS_1970S),
        "time_redacted": False,
        "time_sent": _time(rng),
        "time_received": _time(rng),
        "classification": _pick(rng, ("極秘", "極秘", "秘", "")),
        "precedence": _pick(rng, ("大至急", "至急", "")),
        "caveat": None,
    })


def _draft_1960s(spec: CableSpec, rng: np.random.Generator) -> CableSpec:
    """An outgoing draft of the 1960s: 外務省電信案, 起案 in Showa, 主管局部課(室)名, 総第N号 and
    第N号 on one line, a stamped 特秘, 件名, …あて…発 on one line, a transmission code."""
    drafted = dt.date(1960, 1, 1) + dt.timedelta(days=int(rng.integers(0, 3650)))
    orders = (None, ("drafted", "bureau", "marks", "numbers", "route", "subject", "code"),
              ("numbers", "drafted", "bureau", "route", "subject", "marks", "code"))
    return spec.model_copy(update={
        "form": "draft-1960s",
        "header_order": _pick(rng, orders),
        "number": str(int(rng.integers(1, 5000))),
        "serial_redacted": False,
        "serial": str(int(rng.integers(10000, 99999))),
        "primary_bureau": _pick(rng, SECTIONS_1960S),
        "era_date": _era_form(drafted, kanji=False),
        "date_iso": drafted.isoformat(),
        "era_date_received": None, "received_iso": None,
        "addressee": f"{_pick(rng, DRAFT_POSTS_1960S)}{_pick(rng, ('大使', '総領事'))}",
        "sender": "外務大臣",
        "time_redacted": False, "time_sent": None, "time_received": None,
        "classification": _pick(rng, ("特秘", "極秘", "秘", "")),
        "precedence": _pick(rng, ("大至急", "至急", "")),
        "code": _pick(rng, ("YYYYY", "QQQQQ")),
        "caveat": None,
    })
