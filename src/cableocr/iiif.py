"""A batch as a IIIF Presentation 3 manifest, for the viewer a digital library already runs.

One canvas per page (the page image as ingested, from the run's page store), one range per
cable (labelled with its id and subject), the cable's fields as metadata of each of its canvases
(iiif-prezi3's Range model has no metadata, and a viewer shows a canvas's), and on each canvas an annotation page whose annotations carry
every line's text on its box (W3C Web Annotation, motivation `supplementing`: text that
transcribes the image). Built with iiif-prezi3, whose models check what they are given against
the Presentation 3 schema. Ids are under a base URL: by default the output folder's own file
URL, so that the manifest opens on this machine; `--base-url` gives the address OUT is
published at, and the manifest is then publishable as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from iiif_prezi3 import Annotation, AnnotationPage, Canvas, CanvasRef, KeyValueString, Manifest

from cableocr.files import write_atomic
from cableocr.models import CableDocument, Line, Page, PageDocument
from cableocr.models import Manifest as BatchManifest

MANIFEST_NAME = "iiif-manifest.json"
PAGE_STORE = ".pages"
# The fields an archivist files a cable by, as metadata of its range, in this order.
METADATA_FIELDS = ("cable_number", "separate_telegram", "date_sent", "sender", "sending_post", "addressee",
                   "classification", "precedence", "subject", "references")


def base_url_of(out: Path, base_url: str | None) -> str:
    """Where OUT is (to be) found, ending in a slash: --base-url, else OUT's file URL."""
    base = base_url or out.resolve().as_uri()
    return base if base.endswith("/") else base + "/"


def batch_manifest(batch: BatchManifest, cables: Iterable[CableDocument], strays: Iterable[PageDocument],
                   base: str) -> Manifest:
    """The IIIF manifest of a batch: its cables' pages, then the pages that belong to no cable.
    The documents are taken one at a time (they may be read as they are needed)."""
    manifest = Manifest(id=f"{base}{MANIFEST_NAME}", label={"none": [Path(batch.batch).name]},
                        summary={"en": [f"{len(batch.cables)} cable(s) read by cableocr"]}, items=[])
    for cable in cables:
        metadata = _metadata(cable)
        canvases = [_canvas(page, f"{base}iiif/{cable.cable_id}/p{n}", base, metadata)
                    for n, page in enumerate(cable.pages, start=1)]
        for canvas in canvases:
            manifest.add_item(canvas)
        manifest.make_range(id=f"{base}iiif/{cable.cable_id}/range", label={"none": [_title(cable)]},
                            items=[CanvasRef(id=c.id, type="Canvas") for c in canvases])
    for stray in strays:
        manifest.add_item(_canvas(stray.page, f"{base}iiif/{stray.page_id}/p1", base))
    return manifest


def _title(cable: CableDocument) -> str:
    subject = cable.fields["subject"].value if "subject" in cable.fields else None
    return f"{cable.cable_id} {subject}" if isinstance(subject, str) and subject else cable.cable_id


def _metadata(cable: CableDocument) -> list[KeyValueString]:
    entries = []
    for name in METADATA_FIELDS:
        field = cable.fields.get(name)
        if field is None or field.value in (None, [], ""):
            continue
        value = field.value if isinstance(field.value, str) else json.dumps(field.value, ensure_ascii=False)
        shown = value if field.status != "needs_review" else f"{value} (not yet reviewed)"
        entries.append(KeyValueString(label={"en": [name.replace("_", " ")]}, value={"none": [shown]}))
    return entries


def _canvas(page: Page, canvas_id: str, base: str, metadata: list[KeyValueString] | None = None) -> Canvas:
    canvas = Canvas(id=canvas_id, width=page.width, height=page.height, items=[], metadata=metadata or None)
    canvas.add_image(image_url=f"{base}{PAGE_STORE}/{page.source.sha256}.png", anno_id=f"{canvas_id}/image",
                     anno_page_id=f"{canvas_id}/page", format="image/png", width=page.width, height=page.height)
    lines = [_line_annotation(line, canvas_id) for line in page.lines if line.text]
    if lines:
        canvas.annotations = [AnnotationPage(id=f"{canvas_id}/text", items=lines)]
    return canvas


def _line_annotation(line: Line, canvas_id: str) -> Annotation:
    box = line.box
    return Annotation(id=f"{canvas_id}/text/{line.id}", motivation="supplementing",
                      body={"type": "TextualBody", "value": line.text, "language": "ja", "format": "text/plain"},
                      target=f"{canvas_id}#xywh={box.x0},{box.y0},{box.x1 - box.x0},{box.y1 - box.y0}")


def write_batch_manifest(out: Path, base_url: str | None = None) -> Path:
    """OUT/iiif-manifest.json from what the run wrote in OUT. Without base_url, the base of the
    manifest written before is kept (a rebuild after review keeps the published address)."""
    base_url = base_url or _written_base(out / MANIFEST_NAME)
    batch = BatchManifest.model_validate_json((out / "manifest.json").read_bytes())
    # Generators: one cable in memory at a time (the manifest itself holds only the lines' text and boxes).
    cables = (CableDocument.model_validate_json((out / c.path).read_bytes()) for c in batch.cables)
    strays = (PageDocument.model_validate_json((out / p.document).read_bytes())
              for f in batch.files for p in f.pages if p.document)
    manifest = batch_manifest(batch, cables, strays, base_url_of(out, base_url))
    path = out / MANIFEST_NAME
    write_atomic(path, manifest.jsonld(indent=2, ensure_ascii=False).encode("utf-8"))
    return path


def _written_base(path: Path) -> str | None:
    try:
        written = json.loads(path.read_bytes()).get("id", "")
    except (OSError, ValueError):
        return None
    if not written.endswith(MANIFEST_NAME) or written.startswith("file:"):  # OUT's own URL: wherever OUT is now
        return None
    return written.removesuffix(MANIFEST_NAME)
