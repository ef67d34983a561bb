"""`cableocr review OUT`: a local web page for the review queue of one batch output.

Safe by construction: every request names a cable and a field of this batch, never a path, and
the one route that serves files checks that the file lies inside OUT. Posts must come from the
page itself (same origin, and the form's token); the Host header must name this server, so a
web page elsewhere cannot reach it through DNS tricks.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import cv2
import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from cableocr.assemble import page_index_of
from cableocr.audit import load_plan
from cableocr.export import to_json
from cableocr.ingest import load_page
from cableocr.models import AlignedPair, Box, CableDocument, Manifest
from cableocr.pipeline import page_store
from cableocr.quality import (
    drift_warning,
    measure_batches,
    policy_run_with,
    promised_precision,
    table_rows,
)
from cableocr.review import ReviewItem, apply_decisions, make_decision, review_queue
from cableocr.review_log import (
    append_decision,
    load_machine_copies,
    load_manifest,
    publish,
    read_log,
)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SCRIPT = (Path(__file__).parent / "templates" / "review.js").read_text(encoding="utf-8")
CONTEXT_PX = 60  # scan shown around a field's box in its crop
SHOWN_WIDTH = 1200  # images are scaled down to this: a 300 dpi page is 2500 px wide
JPEG_QUALITY = 90  # high enough to read a kanji's strokes; PNG of a noisy scan is ten times bigger
MAX_BODY = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ReviewState:
    """The batch as the server holds it: the machine's reading, the decisions, the queue."""

    def __init__(self, out: Path, reviewer: str | None):
        self.out = out.resolve()
        self.reviewer = reviewer
        self.lock = threading.Lock()
        self.manifest: Manifest = load_manifest(self.out)
        self.machine = {d.cable_id: d for d in load_machine_copies(self.out, self.manifest)}
        self.log_problems = read_log(self.out).problems
        self.audit = load_plan(self.out)
        self.documents: dict[str, CableDocument] = {}
        self._apply_log()

    def _apply_log(self) -> None:
        decisions = read_log(self.out).decisions
        self.documents = {cid: apply_decisions(d, decisions) for cid, d in self.machine.items()}

    def queue(self) -> list[ReviewItem]:
        return review_queue(list(self.documents.values()), self.audit)

    def decide(self, cable_id: str, field: str, action: str, text: str, reviewer: str | None) -> None:
        """Append the decision to the log, then rebuild the cable's JSON from it.
        Raises ValueError for input that cannot be a decision (nothing is written then)."""
        with self.lock:
            document = self.documents.get(cable_id)
            if document is None:
                raise ValueError(f"no cable {cable_id!r} in this batch")
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            decision = make_decision(document, field, action, text, reviewer, now)
            append_decision(self.out, decision)
            self._apply_log()
            self.manifest = publish(self.out, self.manifest, list(self.documents.values()), changed={cable_id})


def create_app(out: Path, reviewer: str | None = None, allowed_hosts: set[str] | None = None) -> Starlette:
    """The review application for one batch output. allowed_hosts: the Host names a request
    may carry (None: any, for a server bound beyond loopback on purpose)."""
    state = ReviewState(out, reviewer)
    token = secrets.token_urlsafe(32)

    def page(request: Request, name: str, status: int = 200, **context) -> Response:
        return TEMPLATES.TemplateResponse(request, name, {"token": token, "state": state, **context},
                                          status_code=status)

    def overview(request: Request) -> Response:
        items = state.queue()
        per_cable = {c.cable_id: 0 for c in state.manifest.cables}
        for item in items:
            per_cable[item.cable_id] += 1
        machine = list(state.machine.values())  # held already: the page reads nothing again
        report = measure_batches([(machine, read_log(state.out).decisions)],
                                 promised_precision(policy_run_with(machine)), [state.out])
        return page(request, "queue.html", items=items, per_cable=per_cable, quality=table_rows(report),
                    drift=drift_warning(report), audited=report.overall.audited)

    def item(request: Request) -> Response:
        position = _int(request.path_params["position"])
        items = state.queue()
        if not items:
            return page(request, "done.html")
        position = min(position, len(items) - 1)
        return page(request, "item.html", item=items[position], position=position, total=len(items),
                    reviewer=state.reviewer or "")

    async def decide(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("request too large", status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if not secrets.compare_digest(form.get("token", "").encode(), token.encode()):
            return PlainTextResponse("refused: the form's token is missing or wrong", status_code=403)
        position = _int(form.get("position", "0"))
        try:
            await run_in_threadpool(state.decide, form.get("cable_id", ""), form.get("field", ""),
                                    form.get("action", "accept"), form.get("value", ""),
                                    form.get("reviewer", "").strip() or state.reviewer)
        except ValueError as exc:
            items = state.queue()
            current = next((i for i, it in enumerate(items) if (it.cable_id, it.field) ==
                            (form.get("cable_id"), form.get("field"))), None)
            if current is None:
                return PlainTextResponse(str(exc), status_code=400)
            return page(request, "item.html", status=400, item=items[current], position=current,
                        total=len(items), reviewer=form.get("reviewer", ""), error=str(exc),
                        typed=form.get("value", ""))
        skipped = form.get("action") == "skip"
        return RedirectResponse(f"/item/{position + 1 if skipped else position}", status_code=303)

    def cable(request: Request) -> Response:
        document = _document(state, request.path_params["cable_id"])
        return page(request, "cable.html", document=document, json_text=to_json(document))

    def reading(request: Request) -> Response:
        document = _document(state, request.path_params["cable_id"])
        number = _int(request.path_params["page"])
        if not 1 <= number <= len(document.pages):
            return PlainTextResponse("no such page", status_code=404)
        return page(request, "read.html", document=document, number=number, scan=document.pages[number - 1],
                    pairs=pairs_on_page(document, number - 1), around=reading_neighbours(state, document, number))

    def scan(request: Request) -> Response:
        document = _document(state, request.path_params["cable_id"])
        index = _int(request.path_params["page"])
        if not 0 <= index < len(document.pages):
            return PlainTextResponse("no such page", status_code=404)
        return _jpeg(_page_image(state, document, index))

    def crop(request: Request) -> Response:
        document = _document(state, request.path_params["cable_id"])
        field = document.fields.get(request.path_params["field"])
        if field is None:
            return PlainTextResponse("no such field", status_code=404)
        index = field.page if field.page is not None else 0
        image = _page_image(state, document, index)
        return _jpeg(field_crop(image, field.box))

    def page_image(request: Request) -> Response:
        document = _document(state, request.path_params["cable_id"])
        index = _int(request.path_params["page"])
        if not 0 <= index < len(document.pages):
            return PlainTextResponse("no such page", status_code=404)
        return _jpeg(draw_fields(_page_image(state, document, index), document, index))

    def output_file(request: Request) -> Response:
        path = safe_output_path(state.out, request.path_params["path"])
        if path is None:
            return PlainTextResponse("not a file of this batch", status_code=404)
        return FileResponse(path)

    def script(request: Request) -> Response:
        return Response(SCRIPT, media_type="text/javascript")

    app = Starlette(routes=[
        Route("/", overview),
        Route("/item/{position}", item),
        Route("/decide", decide, methods=["POST"]),
        Route("/cable/{cable_id}", cable),
        Route("/read/{cable_id}/{page}", reading),
        Route("/scan/{cable_id}/{page}.jpg", scan),
        Route("/crop/{cable_id}/{field}.jpg", crop),
        Route("/page/{cable_id}/{page}.jpg", page_image),
        Route("/files/{path:path}", output_file),
        Route("/review.js", script),
    ])
    app.add_middleware(_Guard, allowed_hosts=allowed_hosts)
    app.state.review = state
    return app


class _Guard:
    """Refuse requests for another Host and posts from other sites; add security headers."""

    def __init__(self, app, allowed_hosts: set[str] | None):
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope["method"], headers)
        if refusal:
            return await PlainTextResponse(f"refused: {refusal}", status_code=403)(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, method: str, headers: dict[str, str]) -> str | None:
        host = headers.get("host", "")
        hostname = urlsplit(f"//{host}").hostname or ""
        if self.allowed_hosts is not None and hostname not in self.allowed_hosts:
            return f"host {host!r} is not this server"
        if method in ("GET", "HEAD"):
            return None
        if method != "POST":
            return f"method {method} not allowed"
        origin = headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != host:
            return f"a post from another site ({origin})"
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return "a post from another site"
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return "not a form post"
        return None


def safe_output_path(out: Path, requested: str) -> Path | None:
    """The file of OUT a request names, or None when it names anything else: a path outside
    OUT (../, an absolute path, a symbolic link leading out), a hidden file, a folder."""
    if "\x00" in requested or requested.startswith(("/", "\\")):
        return None
    parts = Path(requested).parts
    if any(part.startswith(".") for part in parts):
        return None
    try:
        candidate = (out / requested).resolve()
        if not candidate.is_relative_to(out) or not candidate.is_file():
            return None
    except OSError:  # a name too long for the file system, say: no file of OUT either
        return None
    return candidate


def _int(text: str) -> int:
    try:
        return max(0, int(text))
    except ValueError:
        return 0


def _document(state: ReviewState, cable_id: str) -> CableDocument:
    document = state.documents.get(cable_id)
    if document is None:
        raise HTTPException(404, f"no cable {cable_id!r} in this batch")
    return document


def _page_image(state: ReviewState, document: CableDocument, index: int) -> np.ndarray:
    index = min(max(index, 0), len(document.pages) - 1)
    return load_page(document.pages[index].source, page_store(state.out))


def pairs_on_page(document: CableDocument, index: int) -> list[AlignedPair]:
    """The paragraph pairs of the alignment whose Japanese has a line on the page."""
    if document.alignment is None:
        return []
    on_page = {p.index for p in document.paragraphs if any(page_index_of(line) == index for line in p.line_ids)}
    pairs = [pair for pair in document.alignment.pairs
             if pair.level == "paragraph" and on_page.intersection(pair.ja_paragraphs)]
    return sorted(pairs, key=lambda pair: min(pair.ja_paragraphs))  # in the order the page reads


def reading_neighbours(state: ReviewState, document: CableDocument, number: int) -> dict[str, str | None]:
    """The reading view's addresses of the pages and cables before and after this page."""
    order = [c.cable_id for c in state.manifest.cables if c.cable_id in state.documents]
    position = order.index(document.cable_id)
    before = order[position - 1] if position > 0 else None
    after = order[position + 1] if position + 1 < len(order) else None
    last_of_before = len(state.documents[before].pages) if before else 0
    return {
        "previous_cable": f"/read/{before}/1" if before else None,
        "next_cable": f"/read/{after}/1" if after else None,
        "previous_page": f"/read/{document.cable_id}/{number - 1}" if number > 1 else
        (f"/read/{before}/{last_of_before}" if before else None),
        "next_page": f"/read/{document.cable_id}/{number + 1}" if number < len(document.pages) else
        (f"/read/{after}/1" if after else None),
    }


def field_crop(image: np.ndarray, box: Box | None) -> np.ndarray:
    """The field's box with some scan around it, the box outlined; the page's head when the
    field has no box (an absent field)."""
    colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    height, width = image.shape
    if box is None:
        return colour[: max(1, height // 3)]
    cv2.rectangle(colour, (box.x0 - 4, box.y0 - 4), (box.x1 + 4, box.y1 + 4), (0, 0, 220), 3)
    margin_y = max(CONTEXT_PX, (box.y1 - box.y0) // 2)
    y0, y1 = max(0, box.y0 - margin_y), min(height, box.y1 + margin_y)
    x0, x1 = max(0, box.x0 - 4 * CONTEXT_PX), min(width, box.x1 + 4 * CONTEXT_PX)
    return colour[y0:y1, x0:x1]


def draw_fields(image: np.ndarray, document: CableDocument, index: int) -> np.ndarray:
    """The page with each field's box drawn: red waiting for review, green passed or reviewed."""
    colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    for field in document.fields.values():
        if field.page == index and field.box is not None:
            bgr = (0, 0, 220) if field.status == "needs_review" else (0, 160, 0)
            cv2.rectangle(colour, (field.box.x0, field.box.y0), (field.box.x1, field.box.y1), bgr, 3)
    return colour


def _jpeg(image: np.ndarray) -> Response:
    height, width = image.shape[:2]
    if width > SHOWN_WIDTH:
        image = cv2.resize(image, (SHOWN_WIDTH, round(height * SHOWN_WIDTH / width)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        return PlainTextResponse("the image could not be encoded", status_code=500)
    return Response(data.tobytes(), media_type="image/jpeg")
