"""The order of the stages, without Prefect: the flow runs these same functions as tasks."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from cableocr import __version__
from cableocr import ingest as ingest_stage
from cableocr.align import align_cable, match_translation
from cableocr.assemble import AssembledCable, assemble_stream, body_paragraphs
from cableocr.cleanup import Cleaned, clean_page, orientation_step
from cableocr.config import Settings
from cableocr.engines import EngineIdentity, OcrEngine, Reading, get_engine
from cableocr.errors import CableOcrError, InputError
from cableocr.export import (
    BatchTables,
    alto_name,
    write_cable,
    write_cable_json,
    write_manifest,
    write_page_document,
)
from cableocr.fields import extract_fields
from cableocr.files import exclusive_output, refuse_output_over_batch, write_atomic
from cableocr.layout import PageLayout, analyse_layout
from cableocr.links import LinkKey, key_of
from cableocr.links import resolve as resolve_links
from cableocr.models import (
    CableDocument,
    ExtractedField,
    Manifest,
    ManifestCable,
    ManifestFile,
    ManifestPage,
    ManifestTranslation,
    Orientation,
    Page,
    PageDocument,
    PageSource,
    Provenance,
    Step,
)
from cableocr.ocr import BLANK_PAGE, FirstReading, first_reading, read_page, reading_score
from cableocr.review import apply_decisions
from cableocr.review_log import (
    keep_published_decisions,
    load_machine_copy,
    read_log,
    save_machine_copy,
)
from cableocr.text import search_form
from cableocr.translation import SUFFIXES as TRANSLATION_SUFFIXES
from cableocr.translation import ParsedTranslation, parse_translation

log = logging.getLogger(__name__)
OCR_FAILED = "OCR failed"  # the page issue that makes a page an error in the manifest


@dataclass(frozen=True)
class FileResult:
    path: str  # relative to the batch
    pages: list[PageSource]
    error: str | None = None


def page_store(out: Path) -> Path:
    return out / ".pages"


def ingest_one(path: Path, batch: Path, out: Path, settings: Settings) -> FileResult:
    """One input file -> its stored pages, or the reason it cannot be read. A file already
    ingested (the same bytes, software and settings) is not decoded again."""
    relative = path.relative_to(batch).as_posix()
    try:
        cached = out / ".cache" / "files" / f"{_file_cache_key(path, settings)}.json"
        if (hashes := _cached_page_hashes(cached, out)) is not None:
            return FileResult(relative, [PageSource(file=relative, index=i, sha256=h) for i, h in enumerate(hashes)])
        pages = ingest_stage.ingest_file(path, batch, page_store(out), settings.ingest)
    except InputError as exc:
        log.warning("%s", exc)
        return FileResult(relative, [], str(exc))
    write_atomic(cached, json.dumps([p.sha256 for p in pages]).encode("utf-8"))
    return FileResult(relative, pages)


def _file_cache_key(path: Path, settings: Settings) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise InputError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc
    digest.update(f"|{__version__}|{settings.ingest.model_dump_json()}".encode())
    return digest.hexdigest()


def _cached_page_hashes(cached: Path, out: Path) -> list[str] | None:
    """The page hashes a file gave before, if every page is still in the page store."""
    try:
        hashes = json.loads(cached.read_bytes())
    except (OSError, ValueError):
        return None
    store = page_store(out)
    if not isinstance(hashes, list) or not all((store / f"{h}.png").is_file() for h in hashes):
        return None
    return hashes


def reading_engines(settings: Settings) -> tuple[OcrEngine, OcrEngine | None]:
    """The engine that reads every page, and the second engine combined with it (if any)."""
    second = settings.ocr.second_engine
    return get_engine(settings.ocr.engine), get_engine(second) if second else None


def engine_identities(settings: Settings) -> list[EngineIdentity]:
    """The identity of every engine the settings read with (each probed once)."""
    return [engine.probe() for engine in reading_engines(settings) if engine is not None]


def page_cache_key(source: PageSource, settings: Settings) -> str:
    """What a page's reading depends on: its pixels, the software, the engines (versions and
    model files) and the settings of the stages that read it (not those of later stages)."""
    engines = json.dumps([[e.name, e.version, e.models] for e in engine_identities(settings)], sort_keys=True)
    parts = [source.sha256, __version__, engines, settings.cleanup.model_dump_json(), settings.ocr.model_dump_json()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _cache_path(source: PageSource, out: Path, settings: Settings) -> Path:
    return out / ".cache" / "pages" / f"{page_cache_key(source, settings)}.json"


def _load_cached(path: Path, source: PageSource) -> Page | None:
    if not path.is_file():
        return None
    try:
        return Page.model_validate_json(path.read_bytes()).model_copy(update={"source": source})
    except ValueError:
        log.warning("unreadable cache entry %s: reading the page again", path.name)
        path.unlink(missing_ok=True)
        return None


def process_page(source: PageSource, out: Path, settings: Settings) -> Page:
    """One stored page, read once: from the page cache when the same pixels were read with the
    same software and settings (a rerun after a crash redoes only the pages not done)."""
    cached = _cache_path(source, out, settings)
    if (page := _load_cached(cached, source)) is not None:
        return page
    page = read_stored_page(source, out, settings)
    if not any(issue.startswith(OCR_FAILED) for issue in page.issues):  # failures may be passing
        write_atomic(cached, page.model_dump_json().encode("utf-8"))
    return page


@dataclass(frozen=True)
class PageRef:
    """A page read into the page cache, by reference: what a batch holds for each page, so that
    its memory does not grow with the pages done. A reading that could not be cached (the
    engine failed) is kept itself; it has no lines."""

    source: PageSource
    page: Page | None = None


def read_page_to_cache(source: PageSource, out: Path, settings: Settings) -> PageRef:
    """process_page for a batch: the reading goes to the page cache, and a page read before is
    not even parsed here (finish loads each page once, when its cable is assembled)."""
    cached = _cache_path(source, out, settings)
    if cached.is_file():
        return PageRef(source)
    page = process_page(source, out, settings)
    return PageRef(source) if cached.is_file() else PageRef(source, page)


def distinct_pixels(sources: Sequence[PageSource]) -> list[PageSource]:
    """The first of each set of pages with the same pixels (a JPEG and a PNG saved from it, a
    page scanned into two files): each is read once."""
    first: dict[str, PageSource] = {}
    for source in sources:
        first.setdefault(source.sha256, source)
    return list(first.values())


def for_every_page(sources: Sequence[PageSource], read: Iterable[PageRef]) -> list[PageRef]:
    """The readings of the distinct pages handed out to every page of the batch, each under
    its own source."""
    by_pixels = {ref.source.sha256: ref for ref in read}

    def own(source: PageSource) -> PageRef:
        ref = by_pixels[source.sha256]
        return PageRef(source, ref.page.model_copy(update={"source": source}) if ref.page else None)

    return [own(source) for source in sources]


def read_stored_page(source: PageSource, out: Path, settings: Settings) -> Page:
    """Cleanup, layout and OCR of one stored page (read_page_image)."""
    image = ingest_stage.load_page(source, page_store(out))
    return read_page_image(source, image, settings, *reading_engines(settings))


def read_page_image(source: PageSource, image: np.ndarray, settings: Settings, engine: OcrEngine,
                    second: OcrEngine | None = None) -> Page:
    """Cleanup, layout and OCR of a page's pixels. Engine failures become page issues.

    The page is read as it lies first. Tesseract's orientation check runs only where that first
    reading is doubtful (upright_max_weak_share), and the page is read again turned where the
    check says so: on generated pages, characters under 0.9 confidence were 0.4-3.6% of an
    upright reading and 53-70% of a page read sideways or upside down. The check is made on
    the page reading alone, before its lines are re-read: a page lying sideways is all weak
    lines."""
    if not settings.cleanup.fix_orientation:
        return _read_turned(source, image, None, engine, settings, second)
    cleaned = clean_page(image, settings.cleanup, Orientation(method="not checked yet"))
    layout = analyse_layout(cleaned, settings.ocr)
    try:
        first = first_reading(layout, engine, settings.ocr)
    except CableOcrError as exc:
        return _second_alone(source, image, cleaned, layout, settings, second, exc)
    below = settings.ocr.reread_below
    weak = _weak_share(first[1] if first else None, below)
    if weak is not None and weak <= settings.cleanup.upright_max_weak_share:
        orientation = Orientation(method="read as it lies, and read surely: not checked",
                                  note=f"{weak:.1%} of the characters read under {below} confidence")
    else:
        orientation = _checked_orientation(image, engine, settings)
        if orientation.rotate_cw:
            return _read_turned(source, image, orientation, engine, settings, second)
    page = _read_laid_out(source, image, cleaned, layout, engine, settings, first, second)
    return _with_orientation(page, orientation)


def _checked_orientation(image: np.ndarray, engine: OcrEngine, settings: Settings) -> Orientation:
    """The engine's orientation check; where it fails on this page, the page is read as it lies
    and the failure said (one page's failure never stops the batch)."""
    try:
        return engine.detect_orientation(image, settings.ocr)
    except CableOcrError as exc:
        return Orientation(method="the orientation check failed: read as it lies", note=str(exc)[:200])


def _read_turned(source: PageSource, image: np.ndarray, orientation: Orientation | None, engine: OcrEngine,
                 settings: Settings, second: OcrEngine | None) -> Page:
    cleaned = clean_page(image, settings.cleanup, orientation)
    layout = analyse_layout(cleaned, settings.ocr)
    return _read_laid_out(source, image, cleaned, layout, engine, settings, None, second)


def _read_laid_out(source: PageSource, image: np.ndarray, cleaned: Cleaned, layout: PageLayout, engine: OcrEngine,
                   settings: Settings, first: FirstReading | None, second: OcrEngine | None) -> Page:
    height, width = image.shape
    try:
        page = read_page(source, cleaned, layout, engine, settings.ocr, (width, height), first, second)
        return read_page_checked(page, source, cleaned, engine, settings, (width, height), second)
    except CableOcrError as exc:
        return _second_alone(source, image, cleaned, layout, settings, second, exc)


def _second_alone(source: PageSource, image: np.ndarray, cleaned: Cleaned, layout: PageLayout, settings: Settings,
                  second: OcrEngine | None, exc: CableOcrError) -> Page:
    """Where the first engine failed on the page (Tesseract was seen to die of a signal on a few
    poor pages), the page as the second engine alone reads it, the failure kept among its
    issues; the page is lost only where there is no second engine or it fails too."""
    if second is None:
        return _failed(source, image, cleaned, layout, settings, exc)
    height, width = image.shape
    try:
        page = read_page(source, cleaned, layout, second, settings.ocr, (width, height))
    except CableOcrError as again:
        return _failed(source, image, cleaned, layout, settings, again)
    step = Step(name="first_engine_failed", params={"engine": settings.ocr.engine, "error": str(exc)[:200],
                                                     "read_by": second.name})
    return page.model_copy(update={"steps": [*page.steps, step],
                                   "issues": [*page.issues, f"{settings.ocr.engine} failed ({exc}); read by "
                                                            f"{second.name} alone"]})


def read_page_checked(page: Page, source: PageSource, cleaned: Cleaned, engine: OcrEngine, settings: Settings,
                      size: tuple[int, int], second: OcrEngine | None) -> Page:
    """Where the page was binarised and its reading is doubtful, or it was only just noisy enough
    to binarise, the page read again as it was before binarising, and that reading kept where
    the engines agree on it clearly better (with one engine: it is clearly surer); the choice
    and the scores recorded. Binarising was tuned on generated pages: on a page it was not
    tuned on it may break faint strokes, and this is how such a page keeps its better text."""
    cfg = settings.cleanup
    plain = cleaned.without_binarising() if cfg.compare_unbinarised else None
    if plain is None:
        return page
    measure = "characters the engines read alike" if second is not None else "mean character confidence"
    binarised_score = reading_score(page)
    near_threshold = cleaned.specks_per_mpx < cfg.compare_always_under_specks * cfg.binarise_above_specks_per_mpx
    if binarised_score >= cfg.compare_below and not near_threshold:
        step = Step(name="cleanup_checked", params={
            "kept": "binarised", "measured_by": measure, "binarised score": round(binarised_score, 4),
            "not compared": f"the binarised reading scored {cfg.compare_below} or more, and the page was "
                            f"binarised with {cfg.compare_always_under_specks} times the specks it takes or more"})
        return page.model_copy(update={"steps": [*page.steps, step]})
    other = read_page(source, plain, analyse_layout(plain, settings.ocr), engine, settings.ocr, size, None, second)
    scores = {"binarised": binarised_score, "as it was": reading_score(other)}
    kept = "as it was" if scores["as it was"] >= scores["binarised"] * (1 + cfg.compare_margin) else "binarised"
    step = Step(name="cleanup_checked", params={"kept": kept, "measured_by": measure, "margin": cfg.compare_margin,
                                                **{f"{name} score": round(v, 4) for name, v in scores.items()}})
    chosen = page if kept == "binarised" else other
    return chosen.model_copy(update={"steps": [*chosen.steps, step]})


def _failed(source: PageSource, image: np.ndarray, cleaned: Cleaned, layout: PageLayout, settings: Settings,
            exc: CableOcrError) -> Page:
    height, width = image.shape
    return Page(source=source, width=width, height=height, writing_mode=layout.writing_mode or "horizontal",
                engine=settings.ocr.engine, steps=[*cleaned.steps, *layout.steps], redactions=layout.redactions,
                stamps=layout.stamps, issues=[f"{OCR_FAILED}: {exc}"])


MIN_CHARS_TO_JUDGE = 20  # fewer characters read than this: the orientation is checked


def _weak_share(reading: Reading | None, below: float) -> float | None:
    """The share of the reading's characters under `below` confidence; None where too few were
    read to tell (a blank or nearly blank page)."""
    confs = [c.confidence for ln in (reading.lines if reading else []) for c in ln.chars if c.confidence is not None]
    return sum(c < below for c in confs) / len(confs) if len(confs) >= MIN_CHARS_TO_JUDGE else None


def _with_orientation(page: Page, orientation: Orientation) -> Page:
    steps = [orientation_step(orientation) if s.name == "orientation" else s for s in page.steps]
    return page.model_copy(update={"steps": steps})


@dataclass(frozen=True)
class Translations:
    parsed: list[ParsedTranslation]
    errors: dict[str, str]  # file -> why it could not be read


def load_translations(folder: Path | None) -> Translations:
    """Every translation in the folder (plain text, Markdown, saved web pages, PDFs); unreadable
    files are reported."""
    if folder is None:
        return Translations([], {})
    if not folder.is_dir():
        raise InputError(f"translations folder {folder} does not exist or is not a folder")
    parsed, errors = [], {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in TRANSLATION_SUFFIXES):
        try:
            parsed.extend(parse_translation(path))
        except (ValueError, UnicodeDecodeError) as exc:
            errors[path.name] = str(exc)
    return Translations(parsed, errors)


def _translation_entries(translations: Translations, matched: dict[int, list[str]]) -> list[ManifestTranslation]:
    entries = [
        ManifestTranslation(file=t.source, cable_number=t.header.get("number"), date=t.header.get("sent"),
                            cable_ids=matched.get(id(t), []), kind=t.kind.value, source_format=t.source_format.value,
                            problems=[d.describe() for d in t.disagreements])
        for t in translations.parsed
    ]
    entries += [ManifestTranslation(file=f, cable_number=None, date=None, cable_ids=[], error=e)
                for f, e in translations.errors.items()]
    return entries


def _cable_id(cable: AssembledCable, number: str | None, taken: set[str]) -> str:
    first = cable.pages[0].source
    base = f"cable-{number}" if number else f"unnumbered-{Path(first.file).stem}-p{first.index + 1}"
    cable_id, n = base, 2
    while cable_id in taken:
        cable_id, n = f"{base}-{n}", n + 1
    taken.add(cable_id)
    return cable_id


def build_document(cable: AssembledCable, cable_id: str, fields: dict[str, ExtractedField],
                   settings: Settings) -> CableDocument:
    body = "\n".join(line.text for line in cable.body_lines)
    return CableDocument(
        cable_id=cable_id,
        source=[p.source for p in cable.pages],
        pages=cable.pages,
        text=body,
        text_normalized=search_form(body),
        paragraphs=body_paragraphs(cable.pages),
        fields=fields,
        needs_review=[name for name, f in fields.items() if f.status == "needs_review"],
        provenance=_provenance(settings, sorted({p.engine for p in cable.pages})),
    )


def _provenance(settings: Settings, engines: list[str]) -> Provenance:
    return Provenance(
        software_version=__version__, engines=engines,
        models={name: sha for identity in engine_identities(settings) for name, sha in identity.models.items()},
        settings=settings.model_dump(mode="json"),
    )


def build_page_document(page: Page, reason: str, settings: Settings) -> PageDocument:
    """A page that belongs to no cable, as a document of its own: its lines and text."""
    text = "\n".join(line.text for line in page.lines if line.role != "noise")
    page_id = f"page-{Path(page.source.file).stem}-p{page.source.index + 1}"
    return PageDocument(page_id=page_id, source=page.source, reason=reason, page=page, text=text,
                        text_normalized=search_form(text), provenance=_provenance(settings, [page.engine]))


def finish(batch: Path, files: list[FileResult], pages: Sequence[Page | PageRef], out: Path, settings: Settings,
           translations: Translations | None = None) -> Manifest:
    """Assemble cables from the pages (in batch order), extract fields, align each with its
    translation where one is given, link the cables by their references, apply the review
    log's decisions, write the outputs, the manifest and the IIIF manifest. One cable is in
    memory at a time: pages given by reference are loaded as needed."""
    translations = translations or Translations([], {})
    decisions = read_log(out).decisions
    keep_published_decisions(out, decisions)
    matched: dict[int, list[str]] = {}
    unassigned: dict[int, str] = {}
    taken: set[str] = set()
    page_cable: dict[int, str] = {}
    summaries = []
    issues: dict[int, list[str]] = {}

    def loaded() -> Iterator[Page]:
        for position, ref in enumerate(pages):
            # From the cache; process_page reads the page again if its entry is damaged or gone.
            page = ref if isinstance(ref, Page) else ref.page or process_page(ref.source, out, settings)
            issues[position] = page.issues
            yield page

    documents: dict[int, str] = {}

    def keep_stray(position: int, page: Page, reason: str) -> None:
        if page.lines and not any(issue.startswith(OCR_FAILED) for issue in page.issues):
            document = build_page_document(page, reason, settings)
            documents[position] = write_page_document(document, out).relative_to(out).as_posix()

    keys: list[LinkKey] = []
    for cable in assemble_stream(loaded(), unassigned, keep_stray):
        fields = extract_fields(cable, settings.fields.policy)
        document = build_document(cable, _cable_id(cable, fields["cable_number"].value, taken), fields, settings)
        if (translation := match_translation(document, translations.parsed)) is not None:
            document = align_cable(document, translation, settings.fields.policy)
            matched.setdefault(id(translation), []).append(document.cable_id)
        save_machine_copy(out, document)
        keys.append(key_of(apply_decisions(document, decisions)))  # linked by the reviewed values
        page_cable.update({pos: document.cable_id for pos in cable.page_positions})
    # Links need every cable of the batch: the cables are written once all are read, each
    # loaded back from its machine copy (one in memory at a time).
    links = {key.cable_id: found for key, found in resolve_links(keys).items()}
    with BatchTables(out) as tables:
        for key in keys:
            document = load_machine_copy(out, key.cable_id)
            if key.cable_id in links:
                document = document.model_copy(update={"links": links[key.cable_id]})
                save_machine_copy(out, document)
            document = apply_decisions(document, decisions)
            path = _write_outputs(document, out, settings)
            tables.add(document)
            summaries.append(_summary(document, path.relative_to(out).as_posix()))
    manifest = Manifest(batch=str(batch.resolve()),
                        files=_manifest_files(files, pages, issues, page_cable, unassigned, documents),
                        cables=summaries, translations=_translation_entries(translations, matched))
    write_manifest(manifest, out)
    from cableocr.iiif import write_batch_manifest  # iiif-prezi3 makes its models on import (0.2 s)

    write_batch_manifest(out)
    return manifest


def _write_outputs(document: CableDocument, out: Path, settings: Settings) -> Path:
    """The cable's JSON always; its ALTO files and searchable PDF only when what they are made
    of (the pages as read, the software, the resolution) changed since they were written: a
    rerun of a finished batch re-encodes no image."""
    key = hashlib.sha256("|".join([__version__, document.cable_id, str(settings.ingest.dpi),
                                   *(p.model_dump_json() for p in document.pages)]).encode()).hexdigest()
    stamp = out / ".cache" / "outputs" / f"{document.cable_id}.key"
    made = [out / f"{document.cable_id}.pdf", *(out / alto_name(document.cable_id, n)
                                                 for n in range(1, len(document.pages) + 1))]
    if stamp.is_file() and stamp.read_text() == key and all(p.is_file() for p in made):
        return write_cable_json(document, out)
    images = [ingest_stage.load_page(p.source, page_store(out)) for p in document.pages]
    path = write_cable(document, images, out, settings.ingest.dpi)
    write_atomic(stamp, key.encode())
    return path


def _summary(document: CableDocument, path: str) -> ManifestCable:
    def value(name: str) -> str | None:
        v = document.fields[name].value
        return v if isinstance(v, str) else None

    return ManifestCable(
        cable_id=document.cable_id, path=path, cable_number=value("cable_number"),
        date_sent=value("date_sent"), sender=value("sender"),
        classification=value("classification"), needs_review=len(document.needs_review),
        translation=document.alignment.translation if document.alignment else None,
    )


def _manifest_files(files: list[FileResult], pages: Sequence[Page | PageRef], issues: dict[int, list[str]],
                    page_cable: dict[int, str], unassigned: dict[int, str],
                    documents: dict[int, str]) -> list[ManifestFile]:
    position = {(p.source.file, p.source.index): i for i, p in enumerate(pages)}
    first_with = {s.sha256: s for s in distinct_pixels([p.source for p in pages])}
    entries = []
    for f in files:
        rows = []
        for source in f.pages:
            pos = position[(source.file, source.index)]
            failed = next((i for i in issues[pos] if i.startswith(OCR_FAILED)), None)
            blank = BLANK_PAGE in issues[pos]
            status = "error" if failed else "blank" if blank else "unassigned" if pos in unassigned else "ok"
            error = failed or (BLANK_PAGE if blank else unassigned.get(pos))
            earlier = first_with[source.sha256]
            same = f"{earlier.file} page {earlier.index + 1}" if earlier != source else None
            rows.append(ManifestPage(index=source.index, sha256=source.sha256, status=status,
                                     error=error, cable_id=page_cable.get(pos), document=documents.get(pos),
                                     same_pixels_as=same))
        entries.append(ManifestFile(path=f.path, status="error" if f.error else "ok", error=f.error, pages=rows))
    return entries


def run_batch(batch: Path, out: Path, settings: Settings | None = None,
              map_pages: Callable[[Callable[[PageSource], PageRef], list[PageSource]], Iterable[PageRef]] = map,
              translations: Path | None = None) -> Manifest:
    """The whole batch in this process. map_pages lets a caller spread pages over workers."""
    settings = settings or Settings()
    parsed = load_translations(translations)
    with writing_into(batch, out):
        files = [ingest_one(path, batch, out, settings) for path in ingest_stage.list_batch(batch)]
        sources = [s for f in files for s in f.pages]
        # A partial, not a lambda: a caller may send it to worker processes.
        read = map_pages(partial(read_page_to_cache, out=out, settings=settings), distinct_pixels(sources))
        pages = for_every_page(sources, read)
        return finish(batch, files, pages, out, settings, parsed)


@contextmanager
def writing_into(batch: Path, out: Path) -> Iterator[None]:
    """What every run checks before it writes: the batch exists, OUT is not the batch and does
    not hold it, and no other process writes into OUT (which is then held until the run ends)."""
    ingest_stage.list_batch(batch)  # a missing batch is named before OUT is made
    refuse_output_over_batch(batch, out)
    with exclusive_output(out):
        yield
