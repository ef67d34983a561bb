"""The command line: the only place where errors become exit codes."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cableocr.errors import CableOcrError
from cableocr.models import Manifest

app = typer.Typer(help="Scanned Japanese Foreign Ministry cables to structured, reviewable JSON.",
                  no_args_is_help=True, add_completion=False)
# A log file or a test runner gets whole lines, not lines folded at 80 columns.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def _quiet_prefect(verbose: bool) -> None:
    # Prefect logs every task run; the terminal shows a progress bar and a table instead.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    # The ephemeral server's usage report cannot reach the internet from an archive's network.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect gives its temporary server 20 s to start, which a machine busy reading pages misses.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    import prefect  # noqa: F401 - Prefect installs its console handler when imported

    for handler in logging.getLogger().handlers:
        handler.addFilter(ExpectedOutcomesToTheCli())


class ExpectedOutcomesToTheCli(logging.Filter):
    """Drops Prefect's error records (each with a traceback) of a flow or task that ended in one
    of cableocr's own errors: a full disk, a locked OUT, fields still waiting. The command says
    each in one line with its remedy and exit code; an unexpected error keeps its traceback.
    The records still reach the Prefect server's run log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("prefect") or record.levelno < logging.ERROR:
            return True
        if record.exc_info and isinstance(record.exc_info[1], CableOcrError):
            return False
        said = record.getMessage()  # "Finished in state Failed('… OutputError: …')" has no exc_info
        return not any(f"{name}(" in said or f"{name}:" in said for name in _error_names(CableOcrError))


def _error_names(kind: type) -> set[str]:
    return {kind.__name__}.union(*(_error_names(sub) for sub in kind.__subclasses__()))


def _choose_prefect_api(verbose: bool) -> None:
    """The local Prefect server when it is up (`cableocr server`), else the ephemeral API."""
    from flows.local_server import use_local_server

    api = use_local_server()
    if verbose or api is None:
        console.print(f"[dim]Prefect: {api or 'temporary API (`cableocr server` starts a lasting one: faster runs)'}[/dim]")


def _count_pages(batch: Path) -> int:
    """Pages to expect, for the progress bar; an unreadable file counts as none."""
    from pdf2image import pdfinfo_from_path
    from PIL import Image

    from cableocr.ingest import list_batch, sniff_kind

    total = 0
    for path in list_batch(batch):
        try:
            if sniff_kind(path) == "pdf":
                total += int(pdfinfo_from_path(str(path), timeout=30)["Pages"])
            else:
                with Image.open(path) as image:
                    total += getattr(image, "n_frames", 1)
        except Exception:  # noqa: BLE001 - only an estimate; ingest reports the real error
            continue
    return total


@app.command()
def run(
    batch: Annotated[Path, typer.Argument(help="folder of scans (PDF, TIFF, PNG, JPEG)")],
    out: Annotated[Path, typer.Option("--out", help="where the JSON goes")] = Path("output"),
    translations: Annotated[Path | None, typer.Option(
        "--translations", help="folder of published English translations to align with")] = None,
    runner: Annotated[str, typer.Option(
        "--runner", help="threads or processes (this machine), or dask (a cluster)")] = "threads",
    dask_address: Annotated[str | None, typer.Option(
        "--dask-address", help="scheduler of a running Dask cluster, tcp://host:8786 (default: a local one)")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="pages read at once (default: one per core)")]
    = None,
    policy: Annotated[Path | None, typer.Option(
        "--policy", help="a review policy file (`cableocr eval --fit-to`); default: the package's")] = None,
    audit: Annotated[float | None, typer.Option(
        "--audit", min=0.0, max=1.0, help="put this share of the accepted fields in the review queue (an audit)")]
    = None,
    audit_seed: Annotated[int | None, typer.Option("--audit-seed", help="the audit sample's random seed")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the batch flow: every cable in BATCH to OUT/<cable_id>.json, plus OUT/manifest.json."""
    _quiet_prefect(verbose)
    _choose_prefect_api(verbose)
    from cableocr.config import FieldsConfig, Settings
    from cableocr.errors import EmptyBatch
    from cableocr.ingest import list_batch
    from cableocr.pipeline import engine_identities, writing_into
    from cableocr.policy import load_policy
    from flows.batch import WORKERS, batch_flow, on_page_done, task_runner

    try:
        flow = batch_flow.with_options(task_runner=task_runner(runner, dask_address, workers or WORKERS))
    except ValueError as exc:
        console.print(f"[red]error:[/red] --runner: {exc}")
        raise typer.Exit(2) from exc

    try:
        settings = Settings(fields=FieldsConfig(policy=load_policy(policy))) if policy else Settings()
        engine_identities(settings)  # every engine probed before any page: a missing one names its remedy
        if not list_batch(batch):
            raise EmptyBatch(f"{batch} holds no file to read")
        # OUT is checked and held before Prefect starts: a refusal is at once, and in one line.
        with writing_into(batch, out), Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                                MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
            bar = progress.add_task("starting Prefect…", total=_count_pages(batch) or None)
            on_page_done(lambda _source: progress.update(bar, advance=1, description="reading pages"))
            manifest = flow(batch=batch, out=out, settings=settings, translations=translations, audit_rate=audit,
                            audit_seed=audit_seed)
    except CableOcrError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    _print_summary(manifest, out)
    if manifest.failed:
        raise typer.Exit(2)


def _print_summary(manifest: Manifest, out: Path) -> None:
    table = Table(title=f"{len(manifest.cables)} cable(s) from {manifest.batch}")
    for column in ("cable", "number", "date", "sender", "classification", "review", "json"):
        table.add_column(column)
    for c in manifest.cables:
        review = f"[yellow]{c.needs_review}[/yellow]" if c.needs_review else "0"
        table.add_row(c.cable_id, c.cable_number or "?", c.date_sent or "?", c.sender or "?",
                      c.classification or "?", review, str(out / c.path))
    console.print(table)
    for f in manifest.files:
        if f.status == "error":
            console.print(f"[red]unreadable:[/red] {f.path}: {f.error}")
        for p in f.pages:
            if p.status != "ok":
                console.print(f"[yellow]{p.status}:[/yellow] {f.path} page {p.index + 1}: {p.error}")
    for t in manifest.translations:
        for problem in t.problems:
            console.print(f"[yellow]translation disagrees with itself:[/yellow] {t.file}: {problem}")
        if t.kind == "not_a_cable":
            console.print(f"[yellow]translation not used:[/yellow] {t.file}: not a cable (no form, no cable number)")
        elif not t.cable_ids:
            reason = t.error or f"no cable {t.cable_number or '?'} of {t.date or '?'} in the batch"
            console.print(f"[yellow]translation not used:[/yellow] {t.file}: {reason}")
    if manifest.translations:
        for c in manifest.cables:
            if c.translation is None:
                console.print(f"[yellow]no translation:[/yellow] {c.cable_id}")
    console.print(f"manifest: {out / 'manifest.json'}")
    if pending := sum(c.needs_review for c in manifest.cables):
        console.print(f"{pending} field(s) to review: [bold]cableocr review {out}[/bold]")


@app.command()
def synth(
    seeds: Annotated[list[Path], typer.Argument(help="seed files (default: the shared seeds)")] = None,
    out: Annotated[Path, typer.Option("--out")] = Path("synth-out"),
    layout: Annotated[str, typer.Option(help="horizontal or vertical")] = "horizontal",
    level: Annotated[str, typer.Option(help="clean, medium or poor")] = "clean",
    fmt: Annotated[str, typer.Option("--format", help="png, tiff, jpeg or pdf")] = "png",
    seed: Annotated[int, typer.Option(help="random seed: same seed, same pages")] = 0,
    typeface: Annotated[str, typer.Option(help="ipa-mincho, ipa-gothic, ipaex-mincho, ipaex-gothic, noto-serif, "
                                               "noto-sans")] = "ipa-mincho",
    dpi: Annotated[int, typer.Option(help="resolution of the pages delivered")] = 300,
    effects: Annotated[list[str] | None, typer.Option("--effect", help=(
        "faded, streaks, show_through, gutter, date_stamp, margin_marks, punch_holes (repeat for several)"))] = None,
    bilevel: Annotated[bool, typer.Option("--bilevel", help="1-bit pages (CCITT group 4 in a TIFF)")] = False,
) -> None:
    """Render seed cables as scanned pages, with a ground-truth JSON per cable in OUT/truth/."""
    from pydantic import ValidationError

    from cableocr.synth import Conditions, generate, seed_files

    try:
        conditions = Conditions(typeface=typeface, dpi=dpi, effects=tuple(effects or ()), bilevel=bilevel)
        for path in seeds or seed_files():
            truth = generate(path, out, layout=layout, level=level, fmt=fmt, random_seed=seed, conditions=conditions)
            console.print(f"{path.name} -> {truth}")
    except (ValidationError, ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command("parse-translation")
def parse_translation_command(
    path: Annotated[Path, typer.Argument(help="a translation: .txt, .md, a saved web page (.html) or a PDF")],
) -> None:
    """Print the parsed translation(s) in FILE as JSON: header fields, the catalogue title,
    paragraphs, notes, and any disagreement between the title and the form."""
    from cableocr.translation import parse_translation

    try:
        parsed = parse_translation(path)
    except (OSError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    data = [
        {**t.header, "sent_post": t.sent_post, "received_office": t.received_office, "kind": t.kind.value,
         "draft": t.draft, "divided": t.divided, "source_format": t.source_format.value,
         "title_line": t.title_line.model_dump() if t.title_line else None, "from_title": t.from_title,
         "disagreements": [d.model_dump() for d in t.disagreements],
         "paragraphs": [p.model_dump() for p in t.paragraphs], "notes": [n.model_dump() for n in t.notes]}
        for t in parsed
    ]
    print(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2))
    for t in parsed:
        for d in t.disagreements:
            err_console.print(f"[yellow]disagrees with itself:[/yellow] {path.name}: {d.describe()}")


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="write it here instead of printing it")] = None,
    page: Annotated[bool, typer.Option("--page", help="the schema of a page document (a page of no cable)")]
    = False,
) -> None:
    """Print (or write) the JSON Schema of the cable document (or, with --page, of a page document)."""
    from cableocr.export import cable_schema_text, page_schema_text
    from cableocr.files import write_atomic

    text = page_schema_text() if page else cable_schema_text()
    if out is None:
        print(text, end="")
    else:
        write_atomic(out, text.encode("utf-8"))
        console.print(f"schema written to {out}")


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="a folder written by `cableocr run`")],
    bag: Annotated[Path, typer.Option("--bag", help="the new bag's folder")],
) -> None:
    """Package the batch's scans and OUT's JSON, ALTO and PDFs as a BagIt bag."""
    from cableocr.bag import export_bag, verify_bag

    try:
        exported = export_bag(out, bag)
        count = verify_bag(bag)
    except CableOcrError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    console.print(f"bag written to {bag}: {count} files, checksums sha256 and sha512")
    for reason in exported.left_out:
        console.print(f"[yellow]left out of the bag:[/yellow] {reason}")
    manifest = Manifest.model_validate_json((out / "manifest.json").read_bytes())
    if not manifest.finalised and (pending := sum(c.needs_review for c in manifest.cables)):
        console.print(f"[yellow]note:[/yellow] {pending} field(s) in it still wait for review "
                      f"(`cableocr review {out}`, then `cableocr finalise {out}`)")


@app.command()
def verify(bag: Annotated[Path, typer.Argument(help="a bag written by `cableocr export`")]) -> None:
    """Validate a bag: structure, completeness and every checksum."""
    from cableocr.bag import verify_bag

    try:
        count = verify_bag(bag)
    except CableOcrError as exc:
        console.print(f"[red]invalid:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    console.print(f"valid bag: {count} files, every checksum matches")


@app.command("eval")
def eval_command(
    cables: Annotated[int, typer.Option(help="how many generated cables (the seeds first, then variants)")] = 200,
    work: Annotated[Path, typer.Option(help="where the generated batch and its output go")] = Path("output/eval"),
    seed: Annotated[int, typer.Option(help="random seed of the variants (the shipped policy was fitted on seed 0)")] = 1,
    policy: Annotated[Path | None, typer.Option(
        "--policy", help="judge with this review policy file (default: the package's)")] = None,
    fit_to: Annotated[Path | None, typer.Option(
        "--fit-to", help="fit a review policy on these cables (held-out variants, typeface and effect left out) "
                         "and write it to this file; each half is also judged by a policy fitted on the other")]
    = None,
    in_sample: Annotated[bool, typer.Option(
        "--in-sample", help="score even where the policy was fitted on these very cables (labelled so)")] = False,
    pages: Annotated[bool, typer.Option(help="print the CER of every page")] = True,
    workers: Annotated[int, typer.Option(help="pages read at once (worker processes)")] = 2,
    from_reviews: Annotated[list[Path] | None, typer.Option(
        "--from-reviews", help="with --fit-to: fit on the reviewed fields of these batch outputs instead of "
                               "generated cables (repeat for several)")] = None,
    pooled: Annotated[bool, typer.Option(
        "--pooled", help="with --from-reviews: fit on the reviews and on --cables generated cables together")] = False,
) -> None:
    """Measure cableocr on generated cables with known answers: CER per page, layout and
    degradation level; field accuracy per field, form, layout, level and typeface; precision of
    the fields not flagged for review; the calibration of confidence. A policy is never judged on
    the cables it was fitted on unless --in-sample says so."""
    from cableocr import eval_run
    from cableocr.config import FieldsConfig, Settings
    from cableocr.evaluate import judged
    from cableocr.pipeline import engine_identities
    from cableocr.policy import default_policy, load_policy
    from cableocr.report import print_eval

    _quiet_prefect(False)
    try:
        chosen = load_policy(policy) if policy else default_policy()
    except CableOcrError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    if from_reviews and fit_to is None:
        console.print("[red]error:[/red] --from-reviews needs --fit-to FILE: the refitted policy is a file you choose to use")
        raise typer.Exit(2)
    if from_reviews and not pooled:
        _refit_from_reviews(from_reviews, chosen, fit_to)
        return
    overlap = fit_to is None and chosen.fitted_on is not None and chosen.fitted_on.random_seed == seed
    if overlap and not in_sample:
        console.print(f"[red]error:[/red] the policy was fitted on the cables of seed {seed} "
                      f"({chosen.fitted_on.cables} cables): scoring them would report in-sample figures. "
                      "Choose another --seed, or say --in-sample.")
        raise typer.Exit(2)
    engine_identities(Settings())
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        bar = progress.add_task("generating cables", total=cables)
        try:
            truths = eval_run.generate(work, cables, seed, lambda: progress.update(bar, advance=1))
        except CableOcrError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(exc.exit_code) from exc
        total = sum(len(t.pages) for t in truths)
        bar = progress.add_task("reading pages", total=total)
        settings = Settings(fields=FieldsConfig(policy=chosen))
        result = eval_run.run(work, truths, settings, workers, lambda: progress.update(bar, advance=1))
    if from_reviews:  # pooled
        _refit_from_reviews(from_reviews, chosen, fit_to, result.fields)
        return
    label = "IN-SAMPLE (the policy was fitted on these cables)" if overlap else "cables the policy was not fitted on"
    if fit_to is not None:
        result, label = _fit(result, truths, seed, chosen, fit_to), "IN-SAMPLE (the policy just fitted on them)"
    else:
        result = eval_run.EvalResult(judged(result.fields, chosen), result.pages, result.cables_expected,
                                     result.cables_found)
    print_eval(console, result, pages, label=label)


def _refit_from_reviews(outs: list[Path], base, path: Path, generated=None) -> None:
    """The policy refitted on the archive's reviews (pooled with generated cables' outcomes
    where given), written to path, with its cross-validated figures beside the current policy's."""
    from cableocr.policy import save_policy
    from cableocr.refit import refit

    try:
        result = refit(outs, base, generated=generated)
    except (CableOcrError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(getattr(exc, "exit_code", 2)) from exc
    save_policy(result.policy, path)
    table = Table("policy", "precision of accepted fields", "share flagged",
                  title=f"{result.outcomes} reviewed fields ({result.current.fields} weighted by the audit rate)")
    for label, figures in (("current", result.current), ("refitted (cross-validated)", result.cross_validated)):
        precision = "" if figures.precision is None else f"{figures.precision:.2%}"
        table.add_row(label, precision, f"{figures.flagged_share:.1%}")
    console.print(table)
    console.print(f"refitted policy written to {path}; use it with `cableocr run --policy {path}`")


def _fit(result, truths, seed: int, base, path: Path):
    """Two-fold: a policy fitted on the even-numbered cables judges the odd ones and the other
    way round, so that every cable is also judged by a policy fitted without it; then the policy
    fitted on all cables is written to path, and the tables shown are with it."""
    from cableocr import eval_run
    from cableocr.evaluate import fit_policy, judged
    from cableocr.policy import save_policy

    def number(o) -> int:
        return int(o.cable.split("-")[-1])

    cross = []
    for parity in (0, 1):
        half = fit_policy([o for o in result.fields if number(o) % 2 == parity], truths, seed, base)
        cross += judged([o for o in result.fields if number(o) % 2 != parity], half)
    fitted = fit_policy(result.fields, truths, seed, base)
    save_policy(fitted, path)
    console.print(f"policy fitted on {fitted.fitted_on.cables} cables (held-out variants, typeface and effect "
                  f"left out) written to {path}; use it with --policy {path}")
    return eval_run.EvalResult(judged(result.fields, fitted), result.pages, result.cables_expected,
                               result.cables_found, cross_validated=cross)


@app.command()
def review(
    out: Annotated[Path, typer.Argument(help="a folder written by `cableocr run`")],
    port: Annotated[int, typer.Option("--port", help="the local port to serve on")] = 8765,
    host: Annotated[str, typer.Option("--host", help="the address to bind (loopback unless --allow-remote)")]
    = "127.0.0.1",
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="allow binding to an address other machines can reach")] = False,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="your name, recorded with each decision")]
    = None,
    browser: Annotated[bool, typer.Option("--browser/--no-browser", help="open the page in a browser")] = True,
    audit: Annotated[float | None, typer.Option(
        "--audit", min=0.0, max=1.0,
        help="also put this share of the fields the machine accepted to the reviewer (the fields that file a cable "
             "at three times it), to measure how often they are wrong")] = None,
    audit_seed: Annotated[int | None, typer.Option(
        "--audit-seed", help="the audit sample's random seed (recorded; default: a new one)")] = None,
    audit_field: Annotated[list[str] | None, typer.Option(
        "--audit-field", help="a rate of its own for one field, NAME=RATE (repeat for several): cable_number=0.5")]
    = None,
) -> None:
    """Review the fields the machine is unsure of, in the browser. Every decision is appended
    to OUT/review-log.jsonl and the cable JSON is rebuilt with it."""
    import webbrowser

    import uvicorn

    from cableocr.audit import plan_for, save_plan
    from cableocr.review_server import create_app, is_loopback

    if not is_loopback(host) and not allow_remote:
        console.print(f"[red]error:[/red] {host} is reachable from other machines; the review page has no "
                      "login. Add --allow-remote if that is what you want")
        raise typer.Exit(2)
    if audit is not None:
        if not (out / "manifest.json").is_file():
            console.print(f"[red]error:[/red] {out} holds no manifest.json. Run `cableocr run BATCH --out {out}` first")
            raise typer.Exit(1)
        try:
            rates = _field_rates(audit_field or [])
        except ValueError as exc:
            console.print(f"[red]error:[/red] --audit-field: {exc}")
            raise typer.Exit(2) from exc
        plan = plan_for(audit, audit_seed, rates)
        save_plan(out, plan)
        console.print(f"audit: {audit:.0%} of the accepted fields (seed {plan.seed}, kept in {out / 'audit.json'})")
    try:
        application = create_app(out, reviewer, allowed_hosts=None if allow_remote else
                                 {"127.0.0.1", "localhost", "::1", host})
    except CableOcrError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    url = f"http://{'localhost' if is_loopback(host) else host}:{port}/"
    console.print(f"review queue of {out}: [bold]{url}[/bold] (Ctrl+C stops)")
    if browser:
        webbrowser.open(url)
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command()
def catalogue(
    outs: Annotated[list[Path], typer.Argument(help="folders written by `cableocr run`")],
    db: Annotated[Path, typer.Option("--db", help="the SQLite catalogue, made if missing")],
) -> None:
    """Load batch outputs into a SQLite catalogue, searchable in Japanese and English; a batch
    loaded again replaces its rows. Open it in Datasette with FILE.metadata.json, or search it
    with `cableocr search`."""
    from cableocr.catalogue import load_batches

    try:
        loaded = load_batches(outs, db)
    except CableOcrError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    for batch in loaded:
        console.print(f"{batch.out_dir}: {batch.cables} cable(s), {batch.page_documents} other page(s), "
                      f"{batch.lines} lines, {batch.reviews} review decision(s)")
    console.print(f"catalogue: {db} (datasette {db} -m {db.with_name(db.stem + '.metadata.json')})")


@app.command()
def iiif(
    out: Annotated[Path, typer.Argument(help="a folder written by `cableocr run`")],
    base_url: Annotated[str | None, typer.Option(
        "--base-url", help="the address OUT is published at (default: OUT's own file URL, or the one given before)")]
    = None,
) -> None:
    """Write OUT/iiif-manifest.json: a IIIF Presentation 3 manifest of the batch, a canvas per
    page with its lines' text, a range per cable with its fields."""
    from cableocr.iiif import write_batch_manifest

    try:
        path = write_batch_manifest(out, base_url)
    except (OSError, ValueError) as exc:
        console.print(f"[red]error:[/red] {out}: cannot be read as a batch output ({str(exc).splitlines()[0]})")
        raise typer.Exit(1) from exc
    console.print(f"IIIF manifest: {path}")


@app.command()
def search(
    db: Annotated[Path, typer.Argument(help="a catalogue made by `cableocr catalogue`")],
    query: Annotated[str, typer.Argument(help="Japanese (any orthography) or English words")],
    limit: Annotated[int, typer.Option("--limit", help="at most this many hits in each language")] = 20,
    post: Annotated[str | None, typer.Option("--post", help="only cables sent from this post (国連) or sender")]
    = None,
    since: Annotated[str | None, typer.Option("--since", help="only cables sent on or after this date (1993-09-01)")]
    = None,
    until: Annotated[str | None, typer.Option("--until", help="only cables sent on or before this date or month")]
    = None,
) -> None:
    """Where QUERY stands in the catalogued cables: cable, page and line of each hit."""
    from cableocr.catalogue import Within
    from cableocr.catalogue import search as search_catalogue

    try:
        hits = search_catalogue(db, query, limit, Within(post, since, until))
    except CableOcrError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    if not hits:
        console.print(f"no hit for {query!r}")
        raise typer.Exit(1)
    table = Table("cable", "page", "line", "language", "text", "batch")
    for hit in hits:
        table.add_row(hit.doc, str(hit.page or ""), hit.line_id or "", hit.language, hit.text[:80], hit.batch)
    console.print(table)


@app.command()
def quality(
    outs: Annotated[list[Path], typer.Argument(help="folders written by `cableocr run` and reviewed")],
    policy: Annotated[Path | None, typer.Option(
        "--policy", help="judge against this policy's promise (default: the one the first batch was run with)")]
    = None,
) -> None:
    """What the reviews say of the machine: per field, the fields audited and right, the
    precision of accepted fields with its 95% interval, the share flagged, and how often a
    flagged value was right after all. Exit 3 when the precision falls below the policy's promise."""
    from cableocr.policy import load_policy
    from cableocr.quality import (
        drift_warning,
        measure,
        policy_run_with,
        promised_precision,
        table_rows,
    )
    from cableocr.review_log import load_machine_copies, load_manifest

    try:
        chosen = load_policy(policy) if policy else policy_run_with(load_machine_copies(outs[0], load_manifest(outs[0])))
        report = measure(outs, promised_precision(chosen))
    except CableOcrError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    rows = table_rows(report)
    table = Table(*rows[0].keys(), title=f"quality of {len(outs)} batch(es); the policy promises {report.promised:.1%}")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
    if not report.overall.audited:
        console.print("no audited field yet: `cableocr review OUT --audit 0.05` puts a sample of the accepted "
                      "fields to the reviewer")
    if (warning := drift_warning(report)) is not None:
        console.print(f"[red]warning:[/red] {warning}")
        raise typer.Exit(3)


def _field_rates(given: list[str]) -> dict[str, float]:
    """NAME=RATE pairs as a dict; raises ValueError naming a pair that is not one."""
    from cableocr.fields import ALL_FIELDS

    rates = {}
    for pair in given:
        name, _, rate = pair.partition("=")
        try:
            value = float(rate)
        except ValueError:
            value = -1.0
        if name not in ALL_FIELDS or not 0.0 <= value <= 1.0:
            raise ValueError(f"{pair!r} is not NAME=RATE with a field name and a rate from 0 to 1")
        rates[name] = value
    return rates


@app.command()
def finalise(out: Annotated[Path, typer.Argument(help="a folder written by `cableocr run`")]) -> None:
    """Rebuild OUT's JSON from the machine's reading plus the review log and mark the batch
    final, once no field waits for review (exit 7 while some do)."""
    _quiet_prefect(False)
    from flows.finalise import finalise_flow

    try:
        finalise_flow(out=out)
    except CableOcrError as exc:
        console.print(f"[yellow]not final:[/yellow] {exc}")
        raise typer.Exit(exc.exit_code) from exc
    console.print(f"{out} is final: every flagged field has a decision")


@app.command()
def serve(
    inbox: Annotated[Path, typer.Argument(help="a folder whose sub-folders are scan batches")],
    out: Annotated[Path, typer.Option("--out", help="each batch's output goes to OUT/<batch folder>")]
    = Path("output"),
    every: Annotated[int, typer.Option("--every", help="seconds between two looks at the inbox")] = 300,
    translations: Annotated[Path | None, typer.Option("--translations", help="published translations")] = None,
) -> None:
    """Serve the inbox flow as a Prefect deployment: every EVERY seconds (or when triggered with
    `prefect deployment run cableocr-inbox/cableocr-inbox`), each new or changed batch folder of
    INBOX is run. Ctrl+C stops."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not inbox.is_dir():
        console.print(f"[red]error:[/red] inbox {inbox} does not exist or is not a folder")
        raise typer.Exit(2)
    from flows.local_server import start_local_server, use_local_server

    if use_local_server() is None:  # scheduling needs a lasting server, not the ephemeral API
        os.environ["PREFECT_API_URL"] = start_local_server()
    import asyncio

    from flows.inbox import drop_scheduled_runs, inbox_flow

    if dropped := asyncio.run(drop_scheduled_runs("cableocr-inbox")):
        console.print(f"dropped {dropped} runs a previous serve had scheduled and never started")
    console.print(f"serving: {inbox} every {every} s into {out}/<batch>")
    # One inbox run at a time: a run takes longer than the interval on a full inbox, and two
    # runs at once would read the same new folder into the same output.
    inbox_flow.serve(name="cableocr-inbox", interval=every, limit=1,
                     parameters={"inbox": str(inbox.resolve()), "out_root": str(out.resolve()),
                                 "translations": str(translations.resolve()) if translations else None})


@app.command()
def server(stop: Annotated[bool, typer.Option("--stop", help="stop the server this command started")] = False) -> None:
    """Start a Prefect server on this machine in the background, unless one is up. Later runs
    use it and start faster; its UI shows every run."""
    from flows.local_server import LOCAL_UI_URL, start_local_server, stop_local_server

    if stop:
        console.print("Prefect server stopped" if stop_local_server() else "no Prefect server started here is running")
        return
    try:
        start_local_server()
    except (RuntimeError, OSError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Prefect server up: {LOCAL_UI_URL} (runs use it; `cableocr server --stop` stops it)")


if __name__ == "__main__":
    app()
