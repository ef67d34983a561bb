"""The web of references: each 往電 / 来電 / 貴電 第N号 (別電N) a cable makes, resolved to a cable.

A cable whose own separate-telegram number is the one its reference gives (5515, 別電2, opening
with 往電第5513号別電2) is that annex of the cable referred to: `separate_telegram_of` 5513, and
`sibling` of every other annex of 5513 at hand (5516, 5517). Any other reference `refers_to` the
cable with its number, or, where it names a separate telegram, to that annex of it.

A number alone can be ambiguous across posts and years, so a candidate must have been sent no
later than the cable referring to it (where both dates are known), and for 往電 (our own
outgoing cable) by the same post where that narrows the choice. Where no cable fits the
reference is `unresolved`, where several still do it is `ambiguous` and lists them: a link is
never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cableocr.models import CableDocument, CableLink, LinkRelation

REFERENCE_SEPARATOR = "/"


@dataclass(frozen=True)
class Reference:
    kind: str | None  # outgoing (往電), incoming (来電), yours (貴電)
    number: str | None
    separate_telegram: str | None
    text: str


@dataclass(frozen=True)
class LinkKey:
    """What resolving needs of one cable: who it is and what it refers to."""

    cable_id: str
    number: str | None
    separate_telegram: str | None
    sending_post: str | None
    date_sent: str | None
    references: tuple[Reference, ...]
    where: str = ""  # the batch (output folder) it is in, for a catalogue of several


def key_of(document: CableDocument, where: str = "") -> LinkKey:
    def value(name: str) -> str | None:
        field = document.fields.get(name)
        return field.value if field is not None and isinstance(field.value, str) else None

    field = document.fields.get("references")
    items = field.value if field is not None and isinstance(field.value, list) else []
    references = tuple(Reference(r.get("kind"), r.get("number"), r.get("separate_telegram"), r.get("text") or "")
                       for r in items if isinstance(r, dict))
    return LinkKey(document.cable_id, value("cable_number"), value("separate_telegram"), value("sending_post"),
                   value("date_sent"), references, where)


def resolve(keys: Sequence[LinkKey]) -> dict[LinkKey, list[CableLink]]:
    """Every cable's links among the cables of keys (a batch, or a whole catalogue)."""
    by_number: dict[str, list[LinkKey]] = {}
    for key in keys:
        if key.number:
            by_number.setdefault(key.number, []).append(key)
    annexes = _annexes(keys)
    links: dict[LinkKey, list[CableLink]] = {}
    for key in keys:
        found = [_link(key, reference, by_number, annexes) for reference in key.references]
        found += _siblings(key, annexes)
        if found:
            links[key] = found
    return links


def _annex_of(key: LinkKey) -> Reference | None:
    """The reference that makes this cable an annex (its own 別電 number given), if any."""
    if not key.separate_telegram:
        return None
    return next((r for r in key.references if r.number and r.separate_telegram == key.separate_telegram), None)


def _annexes(keys: Iterable[LinkKey]) -> dict[str, list[LinkKey]]:
    """Main cable number -> the cables that are its separate telegrams."""
    found: dict[str, list[LinkKey]] = {}
    for key in keys:
        if (reference := _annex_of(key)) is not None:
            found.setdefault(reference.number, []).append(key)
    return found


def _link(key: LinkKey, reference: Reference, by_number: dict[str, list[LinkKey]],
          annexes: dict[str, list[LinkKey]]) -> CableLink:
    relation: LinkRelation = "separate_telegram_of" if reference == _annex_of(key) else "refers_to"
    if not reference.number:
        return _made(reference, relation, [], "the reference gives no number")
    if relation == "refers_to" and reference.separate_telegram:
        candidates = [a for a in annexes.get(reference.number, []) if a.separate_telegram == reference.separate_telegram]
    else:
        candidates = [c for c in by_number.get(reference.number, []) if not c.separate_telegram or
                      _annex_of(c) is None]  # the main cable, not one of its annexes numbered alike
    candidates = _narrowed(key, reference, [c for c in candidates if c != key])
    return _made(reference, relation, candidates)


def _narrowed(key: LinkKey, reference: Reference, candidates: list[LinkKey]) -> list[LinkKey]:
    earlier = [c for c in candidates if not (c.date_sent and key.date_sent and c.date_sent > key.date_sent)]
    if reference.kind == "outgoing" and key.sending_post and len(earlier) > 1:
        same_post = [c for c in earlier if c.sending_post == key.sending_post]
        return same_post or earlier
    return earlier


def _made(reference: Reference, relation: LinkRelation, candidates: list[LinkKey], why: str = "") -> CableLink:
    ids = [_target(c) for c in candidates]
    if len(ids) == 1:
        resolution, note = "resolved", ""
    elif ids:
        resolution, note = "ambiguous", f"{len(ids)} cables fit the reference"
    else:
        resolution, note = "unresolved", why or "no cable with that number at hand"
    return CableLink(relation=relation, reference=reference.text, kind=reference.kind, number=reference.number,
                     separate_telegram=reference.separate_telegram, resolution=resolution,
                     target=ids[0] if len(ids) == 1 else None, candidates=ids if len(ids) > 1 else [], note=note)


def _siblings(key: LinkKey, annexes: dict[str, list[LinkKey]]) -> list[CableLink]:
    reference = _annex_of(key)
    if reference is None:
        return []
    return [CableLink(relation="sibling", reference=reference.text, kind=reference.kind, number=other.number,
                      separate_telegram=other.separate_telegram, resolution="resolved", target=_target(other),
                      note=f"also a separate telegram of {reference.number}")
            for other in annexes.get(reference.number, [])
            if other.number != key.number]  # the same cable again (another copy) is no sibling


def _target(key: LinkKey) -> str:
    return f"{key.where}{REFERENCE_SEPARATOR}{key.cable_id}" if key.where else key.cable_id
