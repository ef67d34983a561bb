"""ALTO 4.4 XML for one page: blocks, lines and strings (one per character) with coordinates
and confidences; vertical blocks marked ttb; redactions and stamps as their own blocks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from importlib import resources
from itertools import groupby

from cableocr import __version__
from cableocr.models import Box, Line, Page

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"


def _q(tag: str) -> str:
    return f"{{{ALTO_NS}}}{tag}"


def _position(element: ET.Element, box: Box) -> ET.Element:
    element.set("HPOS", str(box.x0))
    element.set("VPOS", str(box.y0))
    element.set("WIDTH", str(max(box.x1 - box.x0, 0)))
    element.set("HEIGHT", str(max(box.y1 - box.y0, 0)))
    return element


def _text_line(parent: ET.Element, line: Line) -> None:
    element = _position(ET.SubElement(parent, _q("TextLine"), ID=line.id), line.box)
    if line.writing_mode == "vertical":
        element.set("BASEDIRECTION", "ttb")
    for n, char in enumerate(c for c in line.chars if c.text.strip()):
        string = _position(ET.SubElement(element, _q("String"), ID=f"{line.id}-c{n}"), char.box)
        string.set("CONTENT", char.text)
        if char.confidence is not None:
            string.set("WC", f"{char.confidence:.4f}")


def page_alto(page: Page, page_id: str) -> bytes:
    """The page as ALTO 4.4. Consecutive lines of one role (header, body, furniture, noise)
    form a text block; each character is a String with its own box and confidence."""
    ET.register_namespace("", ALTO_NS)
    ET.register_namespace("xlink", XLINK_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(_q("alto"), {f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION})
    description = ET.SubElement(root, _q("Description"))
    ET.SubElement(description, _q("MeasurementUnit")).text = "pixel"
    source = ET.SubElement(description, _q("sourceImageInformation"))
    ET.SubElement(source, _q("fileName")).text = f"{page.source.file}#page={page.source.index + 1}"
    ET.SubElement(source, _q("fileIdentifier"), fileIdentifierLocation="sha256").text = page.source.sha256
    processing = ET.SubElement(description, _q("OCRProcessing"), ID="ocr")
    step = ET.SubElement(processing, _q("ocrProcessingStep"))
    ET.SubElement(step, _q("processingStepDescription")).text = "; ".join(s.name for s in page.steps)
    ET.SubElement(step, _q("processingStepSettings")).text = page.engine
    software = ET.SubElement(step, _q("processingSoftware"))
    ET.SubElement(software, _q("softwareName")).text = "cableocr"
    ET.SubElement(software, _q("softwareVersion")).text = __version__

    layout = ET.SubElement(root, _q("Layout"))
    page_element = ET.SubElement(layout, _q("Page"), ID=page_id, PHYSICAL_IMG_NR=str(page.source.index + 1),
                                 WIDTH=str(page.width), HEIGHT=str(page.height))
    space = _position(ET.SubElement(page_element, _q("PrintSpace")), Box(x0=0, y0=0, x1=page.width, y1=page.height))
    for n, (role, group) in enumerate(groupby(page.lines, key=lambda ln: ln.role)):
        lines = list(group)
        block = _position(ET.SubElement(space, _q("TextBlock"), ID=f"{page_id}-b{n}"), Box.union([ln.box for ln in lines]))
        block.set("LANG", "ja")
        if page.writing_mode == "vertical":
            block.set("BASEDIRECTION", "ttb")
        block.set("TAGREFS", f"role-{role}")
        for line in lines:
            _text_line(block, line)
    round_stamps = [stamp.box for stamp in page.round_stamps]
    for kind, boxes in (("redaction", page.redactions), ("stamp", page.stamps), ("round-stamp", round_stamps)):
        for n, box in enumerate(boxes):
            _position(ET.SubElement(space, _q("Illustration"), ID=f"{page_id}-{kind}{n}", TYPE=kind), box)
    _add_role_tags(root, page)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _add_role_tags(root: ET.Element, page: Page) -> None:
    """Declare the roles used as TAGREFS (ALTO wants every referenced tag defined in Tags)."""
    roles = sorted({ln.role for ln in page.lines})
    if not roles:
        return
    tags = ET.Element(_q("Tags"))
    for role in roles:
        ET.SubElement(tags, _q("StructureTag"), ID=f"role-{role}", TYPE="role", LABEL=role)
    root.insert(1, tags)  # after Description, before Layout


@cache
def alto_schema():
    """The ALTO 4.4 schema, its xlink import resolved to the package's copy (no network).

    xmlschema's own xlink.xsd lacks the simpleLink group ALTO uses, hence a copy of ours."""
    import xmlschema

    data = resources.files("cableocr").joinpath("data")
    return xmlschema.XMLSchema(str(data / "alto-4-4.xsd"), locations={XLINK_NS: str(data / "xlink.xsd")})
