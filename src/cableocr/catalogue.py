"""The catalogue: batch outputs loaded into one SQLite database an archive can search.

`load_batches` reads what `cableocr run` wrote (manifest, cable JSONs, page documents, review
log) and writes rows keyed by what they are (the output folder, the cable id, the line id), not
by counters, so loading the same output again writes the same rows: each batch is deleted and
written again in one transaction, and a reader never sees half a batch.

Full-text search: SQLite's FTS5 with its trigram tokenizer over the search form of the Japanese
(text.search_form: NFKC, modern orthography, so 首脳 finds the typed 首のう); Japanese has no
spaces for a word tokenizer to split on, and trigrams match any substring of three characters
or more. A shorter query is matched with LIKE over the same table (a scan, still correct). The
English of the aligned translations has its own table with the porter stemmer.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from cableocr.assemble import page_index_of
from cableocr.errors import CableOcrError
from cableocr.links import REFERENCE_SEPARATOR, LinkKey, Reference
from cableocr.links import resolve as resolve_links
from cableocr.models import CableDocument, Line, Manifest, Page, PageDocument
from cableocr.review_log import read_log
from cableocr.text import search_form

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
  batch_id INTEGER PRIMARY KEY, out_dir TEXT NOT NULL UNIQUE, batch TEXT NOT NULL,
  finalised INTEGER NOT NULL, cables INTEGER NOT NULL, page_documents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cables (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, cable_id TEXT NOT NULL,
  path TEXT NOT NULL, cable_number TEXT, separate_telegram TEXT, date_sent TEXT, sender TEXT,
  sending_post TEXT, addressee TEXT, classification TEXT, precedence TEXT, subject TEXT,
  needs_review INTEGER NOT NULL, translation TEXT, text TEXT NOT NULL, text_normalized TEXT NOT NULL,
  PRIMARY KEY (batch_id, cable_id));
CREATE TABLE IF NOT EXISTS fields (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, cable_id TEXT NOT NULL,
  name TEXT NOT NULL, value TEXT, confidence REAL NOT NULL, status TEXT NOT NULL, rule TEXT,
  flags TEXT NOT NULL, page INTEGER, line_id TEXT, as_read TEXT,
  PRIMARY KEY (batch_id, cable_id, name));
CREATE TABLE IF NOT EXISTS pages (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, doc TEXT NOT NULL,
  page INTEGER NOT NULL, file TEXT NOT NULL, file_page INTEGER NOT NULL, sha256 TEXT NOT NULL,
  width INTEGER NOT NULL, height INTEGER NOT NULL, writing_mode TEXT NOT NULL,
  PRIMARY KEY (batch_id, doc, page));
CREATE TABLE IF NOT EXISTS lines (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, doc TEXT NOT NULL,
  line_id TEXT NOT NULL, page INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL,
  text_normalized TEXT NOT NULL, confidence REAL, x0 INTEGER, y0 INTEGER, x1 INTEGER, y1 INTEGER,
  PRIMARY KEY (batch_id, doc, line_id));
CREATE TABLE IF NOT EXISTS paragraphs (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, cable_id TEXT NOT NULL,
  paragraph INTEGER NOT NULL, text TEXT NOT NULL, text_normalized TEXT NOT NULL, speaker TEXT,
  line_ids TEXT NOT NULL, PRIMARY KEY (batch_id, cable_id, paragraph));
CREATE TABLE IF NOT EXISTS alignment_pairs (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, cable_id TEXT NOT NULL,
  pair INTEGER NOT NULL, level TEXT NOT NULL, ja TEXT NOT NULL, en TEXT NOT NULL,
  ja_paragraphs TEXT NOT NULL, en_paragraphs TEXT NOT NULL, score REAL NOT NULL,
  flagged INTEGER NOT NULL, PRIMARY KEY (batch_id, cable_id, pair));
CREATE TABLE IF NOT EXISTS cable_references (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, cable_id TEXT NOT NULL,
  position INTEGER NOT NULL, kind TEXT, number TEXT, separate_telegram TEXT, text TEXT,
  PRIMARY KEY (batch_id, cable_id, position));
CREATE TABLE IF NOT EXISTS links (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, cable_id TEXT NOT NULL,
  position INTEGER NOT NULL, relation TEXT NOT NULL, reference TEXT NOT NULL, number TEXT,
  separate_telegram TEXT, resolution TEXT NOT NULL, target_batch_id INTEGER, target_cable_id TEXT,
  candidates TEXT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (batch_id, cable_id, position));
CREATE TABLE IF NOT EXISTS reviews (
  batch_id INTEGER NOT NULL REFERENCES batches ON DELETE CASCADE, position INTEGER NOT NULL,
  cable_id TEXT NOT NULL, field TEXT NOT NULL, action TEXT NOT NULL, old_value TEXT,
  new_value TEXT, reviewer TEXT, at TEXT NOT NULL, machine_status TEXT, PRIMARY KEY (batch_id, position));
CREATE VIRTUAL TABLE IF NOT EXISTS search_ja USING fts5(
  text_normalized, text, batch_id UNINDEXED, doc UNINDEXED, page UNINDEXED, line_ids UNINDEXED,
  tokenize = 'trigram');
CREATE VIRTUAL TABLE IF NOT EXISTS search_en USING fts5(
  en, batch_id UNINDEXED, cable_id UNINDEXED, pair UNINDEXED, line_ids UNINDEXED,
  tokenize = 'porter unicode61');
"""
# Deleted by hand when a batch is loaded again: virtual tables have no foreign keys.
SEARCH_TABLES = ("search_ja", "search_en")
# The shortest query the trigram index answers; a shorter one is a LIKE scan.
TRIGRAM = 3
SUMMARY_FIELDS = ("cable_number", "separate_telegram", "date_sent", "sender", "sending_post", "addressee",
                  "classification", "precedence", "subject")


@dataclass(frozen=True)
class LoadedBatch:
    out_dir: Path
    cables: int
    page_documents: int
    lines: int
    reviews: int


@dataclass(frozen=True)
class Hit:
    """One place a query was found: the cable (or page document), its page and first line."""

    batch: str
    doc: str
    page: int | None
    line_id: str | None
    language: str
    text: str


@contextmanager
def connect(db: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(SCHEMA)
        yield connection


def load_batches(outs: Sequence[Path], db: Path) -> list[LoadedBatch]:
    """Every output folder into db, each replacing its earlier rows in one transaction."""
    loaded = []
    with connect(db) as connection:
        for out in outs:
            manifest = _read_manifest(out)
            try:
                with connection:  # one transaction: the batch is all there or as it was
                    loaded.append(_write_batch(connection, out.resolve(), manifest, *_documents(out, manifest)))
                    _link_catalogue(connection)
            except (OSError, ValueError) as exc:  # a document that cannot be read: rolled back
                raise CableOcrError(f"{out}: cannot be read into the catalogue ({str(exc).splitlines()[0]}); "
                                    "run the batch again to rewrite it") from exc
    write_datasette_metadata(db)
    return loaded


def _read_manifest(out: Path) -> Manifest:
    path = out / "manifest.json"
    if not path.is_file():
        raise CableOcrError(f"{out} holds no manifest.json: it is not a folder written by `cableocr run`")
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except ValueError as exc:
        raise CableOcrError(f"{path}: cannot be read ({str(exc).splitlines()[0]})") from exc


def _documents(out: Path, manifest: Manifest) -> tuple[Iterator[CableDocument], Iterator[PageDocument]]:
    """The batch's cables and page documents, each read when it is written: one in memory at a time."""
    cables = (CableDocument.model_validate_json((out / c.path).read_bytes()) for c in manifest.cables)
    strays = (PageDocument.model_validate_json((out / p.document).read_bytes())
              for f in manifest.files for p in f.pages if p.document)
    return cables, strays


def _write_batch(connection: sqlite3.Connection, out: Path, manifest: Manifest, cables: Iterable[CableDocument],
                 strays: Iterable[PageDocument]) -> LoadedBatch:
    batch_id = _batch_id(connection, out)
    connection.execute("DELETE FROM batches WHERE batch_id = ?", (batch_id,))  # cascades
    for table in SEARCH_TABLES:
        connection.execute(f"DELETE FROM {table} WHERE batch_id = ?", (batch_id,))
    page_documents = sum(1 for f in manifest.files for p in f.pages if p.document)
    connection.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?)",
                       (batch_id, str(out), manifest.batch, manifest.finalised, len(manifest.cables), page_documents))
    paths = {c.cable_id: c.path for c in manifest.cables}
    translations = {c.cable_id: c.translation for c in manifest.cables}
    lines = 0
    for cable in cables:
        _insert_cable(connection, batch_id, cable, paths[cable.cable_id], translations[cable.cable_id])
        lines += _insert_pages(connection, batch_id, cable.cable_id, cable.pages, _paragraph_lines(cable))
    for stray in strays:
        lines += _insert_pages(connection, batch_id, stray.page_id, [stray.page], set())
    decisions = read_log(out).decisions
    connection.executemany("INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (batch_id, i, d.cable_id, d.field, d.action, _text(d.old_value), _text(d.new_value), d.reviewer, d.at,
         d.machine_status) for i, d in enumerate(decisions)])
    return LoadedBatch(out, len(manifest.cables), page_documents, lines, len(decisions))


def _batch_id(connection: sqlite3.Connection, out: Path) -> int:
    """The batch's id, kept from an earlier load of the same output folder."""
    row = connection.execute("SELECT batch_id FROM batches WHERE out_dir = ?", (str(out),)).fetchone()
    if row:
        return row[0]
    return connection.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchone()[0]


def _text(value: object) -> str | None:
    """A field value as one column: a string as it is, a list as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _insert_cable(connection: sqlite3.Connection, batch_id: int, cable: CableDocument, path: str,
                  translation: str | None) -> None:
    fields = cable.fields
    summary = [_text(fields[name].value) if name in fields else None for name in SUMMARY_FIELDS]
    connection.execute(f"INSERT INTO cables VALUES ({', '.join('?' * 16)})", (
        batch_id, cable.cable_id, path, *summary, len(cable.needs_review), translation, cable.text,
        cable.text_normalized))
    connection.executemany(f"INSERT INTO fields VALUES ({', '.join('?' * 11)})", [
        (batch_id, cable.cable_id, name, _text(f.value), f.confidence, f.status, f.rule, json.dumps(f.flags),
         f.page, f.line_id, f.as_read) for name, f in fields.items()])
    connection.executemany("INSERT INTO paragraphs VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (batch_id, cable.cable_id, p.index, p.text, p.text_normalized or search_form(p.text), p.speaker,
         json.dumps(p.line_ids)) for p in cable.paragraphs])
    connection.executemany("INSERT INTO search_ja VALUES (?, ?, ?, ?, ?, ?)", [
        (p.text_normalized or search_form(p.text), p.text, batch_id, cable.cable_id, _page_of(p.line_ids),
         json.dumps(p.line_ids)) for p in cable.paragraphs])
    references = fields["references"].value if "references" in fields else None
    connection.executemany("INSERT INTO cable_references VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (batch_id, cable.cable_id, i, r.get("kind"), r.get("number"), r.get("separate_telegram"), r.get("text"))
        for i, r in enumerate(references or []) if isinstance(r, dict)])
    _insert_alignment(connection, batch_id, cable)


def _insert_alignment(connection: sqlite3.Connection, batch_id: int, cable: CableDocument) -> None:
    if cable.alignment is None:
        return
    line_ids = {p.index: p.line_ids for p in cable.paragraphs}
    for i, pair in enumerate(cable.alignment.pairs):
        lines_of_pair = [line for index in pair.ja_paragraphs for line in line_ids.get(index, [])]
        connection.execute("INSERT INTO alignment_pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (
            batch_id, cable.cable_id, i, pair.level, pair.ja, pair.en, json.dumps(pair.ja_paragraphs),
            json.dumps(pair.en_paragraphs), pair.score, pair.flagged))
        connection.execute("INSERT INTO search_en VALUES (?, ?, ?, ?, ?)", (
            pair.en, batch_id, cable.cable_id, i, json.dumps(lines_of_pair)))


def _paragraph_lines(cable: CableDocument) -> set[str]:
    return {line_id for p in cable.paragraphs for line_id in p.line_ids}


def _page_of(line_ids: Sequence[str]) -> int | None:
    """The 1-based page of the first of a cable's line ids."""
    index = page_index_of(line_ids[0]) if line_ids else None
    return index + 1 if index is not None else None


def _insert_pages(connection: sqlite3.Connection, batch_id: int, doc: str, pages: Sequence[Page],
                  in_paragraphs: set[str]) -> int:
    """The pages and their lines; every line no paragraph holds (the header, a page that is no
    cable's) is searchable on its own."""
    count = 0
    for number, page in enumerate(pages, start=1):
        connection.execute("INSERT INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (
            batch_id, doc, number, page.source.file, page.source.index + 1, page.source.sha256, page.width,
            page.height, page.writing_mode))
        rows = [_line_row(batch_id, doc, number, line) for line in page.lines]
        connection.executemany(f"INSERT INTO lines VALUES ({', '.join('?' * 12)})", rows)
        connection.executemany("INSERT INTO search_ja VALUES (?, ?, ?, ?, ?, ?)", [
            (row[6], row[5], batch_id, doc, number, json.dumps([row[2]])) for row in rows
            if row[2] not in in_paragraphs])
        count += len(rows)
    return count


def _line_row(batch_id: int, doc: str, page: int, line: Line) -> tuple:
    box = line.box
    return (batch_id, doc, line.id, page, line.role, line.text, search_form(line.text), line.confidence,
            box.x0, box.y0, box.x1, box.y1)


@dataclass(frozen=True)
class Within:
    """Which cables a search looks in: sent from a post (its name as the cable gives it, 国連, or
    part of the sender, 大使), between two dates (ISO, inclusive; a month as 1993-09)."""

    post: str | None = None
    since: str | None = None
    until: str | None = None

    def sql(self, cable: str, alias: str) -> tuple[str, tuple[str, ...]]:
        """The condition on the hit's cable (the columns batch_id and `cable` of table alias)."""
        conditions, arguments = [], []
        if self.post:
            conditions.append("(c.sending_post = ? OR instr(c.sender, ?) > 0)")
            arguments += [self.post, self.post]
        if self.since:
            conditions.append("c.date_sent >= ?")
            arguments.append(self.since)
        if self.until:
            conditions.append("c.date_sent <= ?")
            arguments.append(self.until + "\uffff")  # 1993-09 takes in every day of September
        if not conditions:
            return "", ()
        return (f" AND EXISTS (SELECT 1 FROM cables c WHERE c.batch_id = {alias}.batch_id AND c.cable_id = "
                f"{alias}.{cable} AND {' AND '.join(conditions)})", tuple(arguments))


def search(db: Path, query: str, limit: int = 20, within: Within | None = None) -> list[Hit]:
    """Where query stands in the catalogue's Japanese (as its search form) and English, in the
    cables within says (every cable, and every page of none, where it is not given)."""
    if not db.is_file():
        raise CableOcrError(f"{db}: no such catalogue. Make it with `cableocr catalogue OUT --db {db}`")
    query = query.strip()
    if not query:
        raise CableOcrError("an empty query finds everything: give a word to search for")
    within = within or Within()
    with connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [*_search_japanese(connection, search_form(query), limit, within),
                *_search_english(connection, query, limit, within)]


def _link_catalogue(connection: sqlite3.Connection) -> None:
    """Every cable's references resolved against every cable of the catalogue, the links
    written again: a batch loaded later may resolve a reference an earlier one left open."""
    references: dict[tuple[int, str], list[Reference]] = {}
    for batch_id, cable_id, kind, number, separate, text in connection.execute(
            "SELECT batch_id, cable_id, kind, number, separate_telegram, text FROM cable_references "
            "ORDER BY batch_id, cable_id, position"):
        references.setdefault((batch_id, cable_id), []).append(Reference(kind, number, separate, text or ""))
    keys = [LinkKey(cable_id, number, separate, post, date, tuple(references.get((batch_id, cable_id), [])),
                    where=str(batch_id))
            for batch_id, cable_id, number, separate, post, date in connection.execute(
                "SELECT batch_id, cable_id, cable_number, separate_telegram, sending_post, date_sent FROM cables")]
    connection.execute("DELETE FROM links")
    for key, links in resolve_links(keys).items():
        connection.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (int(key.where), key.cable_id, i, link.relation, link.reference, link.number, link.separate_telegram,
             link.resolution, *_split_target(link.target), json.dumps(link.candidates), link.note)
            for i, link in enumerate(links)])


def _split_target(target: str | None) -> tuple[int | None, str | None]:
    if target is None:
        return None, None
    batch_id, _, cable_id = target.partition(REFERENCE_SEPARATOR)
    return int(batch_id), cable_id


def _search_japanese(connection: sqlite3.Connection, query: str, limit: int, within: Within) -> list[Hit]:
    if len(query) >= TRIGRAM:
        where, arguments = "search_ja MATCH ?", (_phrase(query),)
    else:
        where, arguments = "s.text_normalized LIKE ? ESCAPE '\\'", (f"%{_like_escaped(query)}%",)
    narrowed, more = within.sql("doc", "s")
    rows = connection.execute(
        "SELECT b.out_dir, s.doc, s.page, s.line_ids, s.text FROM search_ja s JOIN batches b USING (batch_id) "
        f"WHERE {where}{narrowed} ORDER BY b.out_dir, s.doc, s.page LIMIT ?", (*arguments, *more, limit)).fetchall()
    hits = []
    for row in rows:
        line = _line_holding(connection, row, json.loads(row["line_ids"]), query)
        page = connection.execute(
            "SELECT l.page FROM lines l JOIN batches b USING (batch_id) WHERE b.out_dir = ? AND l.doc = ? "
            "AND l.line_id = ?", (row["out_dir"], row["doc"], line)).fetchone()
        hits.append(Hit(row["out_dir"], row["doc"], page[0] if page else row["page"], line, "ja", row["text"]))
    return hits


def _line_holding(connection: sqlite3.Connection, row: sqlite3.Row, line_ids: list[str], query: str) -> str | None:
    """The first line of the hit whose text holds the query (else its first line: the query runs
    across two lines)."""
    for line_id in line_ids:
        found = connection.execute(
            "SELECT 1 FROM lines l JOIN batches b USING (batch_id) WHERE b.out_dir = ? AND l.doc = ? "
            "AND l.line_id = ? AND instr(l.text_normalized, ?) > 0", (row["out_dir"], row["doc"], line_id, query))
        if found.fetchone():
            return line_id
    return line_ids[0] if line_ids else None


def _search_english(connection: sqlite3.Connection, query: str, limit: int, within: Within) -> list[Hit]:
    words = re.findall(r"\w+", query)
    if not words:
        return []
    narrowed, more = within.sql("cable_id", "s")
    rows = connection.execute(
        "SELECT b.out_dir, s.cable_id, s.line_ids, s.en FROM search_en s JOIN batches b USING (batch_id) "
        f"WHERE search_en MATCH ?{narrowed} ORDER BY b.out_dir, s.cable_id, s.pair LIMIT ?",
        (" ".join(_phrase(w) for w in words), *more, limit)).fetchall()
    hits = []
    for row in rows:
        line_ids = json.loads(row["line_ids"])
        hits.append(Hit(row["out_dir"], row["cable_id"], _page_of(line_ids), line_ids[0] if line_ids else None,
                        "en", row["en"]))
    return hits


def _phrase(text: str) -> str:
    """text as one FTS5 phrase: quoted, its own quotes doubled, so no character is an operator."""
    return '"' + text.replace('"', '""') + '"'


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


DESCRIPTIONS = {
    "batches": "One row per output folder loaded (`cableocr catalogue OUT --db FILE`).",
    "cables": "One row per cable: its filing fields (as the machine read them, reviews applied) and its body text.",
    "fields": "Every extracted header field of every cable, with its confidence and review status.",
    "pages": "The pages of each cable (doc = cable id) or page document (doc = page-…): file, page, size.",
    "lines": "Every OCR line with its box in the pixels of the page as ingested.",
    "paragraphs": "The body paragraphs as typed (text) and in their search form (text_normalized).",
    "alignment_pairs": "Japanese paragraphs paired with the published English translation.",
    "cable_references": "The cables each cable refers to (往電 / 来電 / 貴電 第N号 別電N).",
    "links": "Each cable's references resolved against every cable of the catalogue (resolved, ambiguous, unresolved).",
    "reviews": "Every review decision of the batch's review log (machine_status auto: an audit of an accepted field).",
    "search_ja": "Full-text index of the Japanese: paragraphs, and lines no paragraph holds (trigram).",
    "search_en": "Full-text index of the English translation paragraphs (porter stemmer).",
}


def write_datasette_metadata(db: Path) -> Path:
    """FILE.metadata.json beside the database: titles and descriptions for `datasette FILE -m`."""
    metadata = {
        "title": "cableocr catalogue",
        "description": "Cables read by cableocr: fields, pages, lines, paragraphs, translations, reviews.",
        "databases": {db.stem: {"tables": {name: {"description": text} for name, text in DESCRIPTIONS.items()}}},
    }
    path = db.with_name(db.stem + ".metadata.json")
    path.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
