"""What every rule reads: the cable's header zone, its body, its pages."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cableocr.assemble import AssembledCable
from cableocr.models import Box, Line, Page

STRAY_CHARS = 6  # a stamp read with its frame: the mark word and a character or two


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

    @property
    def strays(self) -> list[tuple[int, Line]]:
        """Short lines of the first page outside the header zone's lines but inside its area
        (its lines and furniture, grown by a character on every side): a boxed stamp that layout
        set apart and sorted to the end of the page (秘 in its box, read 図 after the body)."""
        header = [ln for _, ln in self.header if ln.chars]  # the form's title among them
        if not header or not self.pages:
            return []
        size = sorted(max(c.box.x1 - c.box.x0, c.box.y1 - c.box.y0) for ln in header for c in ln.chars)
        grow = size[len(size) // 2]
        area = Box.union([ln.box for ln in header])
        area = Box(x0=area.x0 - grow, y0=area.y0 - grow, x1=area.x1 + grow, y1=area.y1 + grow)
        inside = {ln.id for _, ln in self.header}
        return [(0, ln) for ln in self.pages[0].lines if ln.id not in inside and len(ln.text.strip()) <= STRAY_CHARS
                and area.x0 <= (ln.box.x0 + ln.box.x1) / 2 <= area.x1 and area.y0 <= (ln.box.y0 + ln.box.y1) / 2 <= area.y1]

    def reading_only(self, page: int, line: Line) -> Context:
        """The same cable with one line alone for its header and its body: a rule run again on
        a line's second reading."""
        return replace(self, header=[(page, line)], body=[(page, line)])
