"""What every rule reads: the cable's header zone, its body, its pages."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cableocr.assemble import AssembledCable
from cableocr.models import Line, Page


@dataclass(frozen=True)
class Context:
    """header: the header zone's lines (page, line), in reading order, furniture inside the
    zone included (a stamped 極秘 is furniture and a classification both); body: the body's
    lines; pages: the cable's pages (redactions and stamps)."""

    header: list[tuple[int, Line]]
    body: list[tuple[int, Line]]
    pages: list[Page]
    cable: AssembledCable

    @staticmethod
    def of(cable: AssembledCable) -> Context:
        body = [(i, ln) for i, p in enumerate(cable.pages) for ln in p.lines if ln.role == "body"]
        return Context(cable.header_zone, body, cable.pages, cable)

    @property
    def labelled(self) -> list[tuple[int, Line]]:
        """The header zone without its furniture: the lines the form's fields are typed on."""
        return [(p, ln) for p, ln in self.header if ln.role == "header"]

    def reading_only(self, page: int, line: Line) -> Context:
        """The same cable with one line alone for its header and its body: a rule run again on
        a line's second reading."""
        return replace(self, header=[(page, line)], body=[(page, line)])
