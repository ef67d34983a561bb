"""The batch flow: files -> pages (tasks, spread over the cores) -> cables -> JSON + manifest."""

import logging
import os
from collections.abc import Callable
from pathlib import Path

from prefect import flow, task, unmapped
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from cableocr import pipeline
from cableocr.audit import load_plan, plan_for, save_plan
from cableocr.config import Settings
from cableocr.ingest import list_batch
from cableocr.models import Manifest, PageSource
from cableocr.quality import drift_warning, measure, promised_precision, table_rows
from flows.finalise import wait_for_review as wait_for_review_task

# One page reader per core.
WORKERS = max(1, min(os.cpu_count() or 1, 8))
_page_done_hooks: list[Callable[[PageSource], None]] = []


def on_page_done(hook: Callable[[PageSource], None]) -> None:
    """Let the CLI follow progress (a progress bar) without the flow knowing about terminals."""
    _page_done_hooks.append(hook)


def _page_done(source: PageSource) -> None:
    # The flow calls this, never the hook list: the flow's code is sent to Dask workers by
    # value, and a hook (a progress bar holding a lock) cannot travel with it.
    for hook in _page_done_hooks:
        hook(source)


# The library's own functions as tasks: a Dask worker then imports them by name instead of
# receiving a pickled copy of a wrapper.
ingest_file = task(name="ingest-file", cache_policy=NO_CACHE)(pipeline.ingest_one)
# A page's reading goes to the page cache; the task hands back a reference to it, so the
# flow's memory does not grow with the pages done.
read_page = task(name="read-page", cache_policy=NO_CACHE)(pipeline.read_page_to_cache)


@task(name="assemble-align-and-write", cache_policy=NO_CACHE)
def finish(batch: Path, files: list[pipeline.FileResult], pages: list[pipeline.PageRef], out: Path, settings: Settings,
           translations: pipeline.Translations) -> Manifest:
    return pipeline.finish(batch, files, pages, out, settings, translations)


@flow(name="cableocr-batch", task_runner=ThreadPoolTaskRunner(max_workers=WORKERS), log_prints=False)
def batch_flow(batch: Path, out: Path, settings: Settings | None = None, translations: Path | None = None,
               wait_for_review: bool = False, review_timeout_seconds: float = 7 * 24 * 3600,
               audit_rate: float | None = None, audit_seed: int | None = None) -> Manifest:
    """Run the pipeline on every file of the batch folder, writing into out; with a folder of
    published translations, align each cable with its own. With audit_rate, a random sample of
    the fields the machine accepted joins the review queue (cableocr.audit). With
    wait_for_review, wait until the review queue is empty (`cableocr review OUT`), then mark
    the output final."""
    settings = settings or Settings()
    # Read the translations first: a wrong folder fails before any page is read, not after.
    parsed = pipeline.load_translations(translations)
    with pipeline.writing_into(batch, out):
        file_futures = [ingest_file.submit(p, batch, out, settings) for p in list_batch(batch)]
        files = [f.result() for f in file_futures]
        sources = [s for f in files for s in f.pages]
        distinct = pipeline.distinct_pixels(sources)  # a page with the same pixels as one before is read once
        for source in set(sources) - set(distinct):
            _page_done(source)
        futures = read_page.map(distinct, unmapped(out), unmapped(settings))
        source_of = {id(future): source for future, source in zip(futures, distinct, strict=True)}
        for future in as_completed(futures):  # progress is followed here, wherever the task ran
            _page_done(source_of[id(future)])
        pages = pipeline.for_every_page(sources, [f.result() for f in futures])
        manifest = finish(batch, files, pages, out, settings, parsed)
        if audit_rate is not None:
            _keep_audit_plan(out, audit_rate, audit_seed)
        publish_summary(manifest)
        publish_review_queue(manifest, out)
        publish_quality(out, settings)
    if wait_for_review:  # OUT is not held while reviewers work: finalise holds it when it writes
        manifest = wait_for_review_task(out, review_timeout_seconds)
    return manifest


RUNNERS = ("threads", "processes", "dask")


def task_runner(runner: str = "threads", dask_address: str | None = None, workers: int = WORKERS):
    """Where the pages are read: threads of this process, worker processes of this machine
    (spawned; each loads its engines once and keeps them for every page it reads), or a Dask
    cluster (prefect-dask), an existing one at dask_address or a local one started for the
    run. Threads by default: processes measured only a little faster (12 pages, 2 workers:
    75.5 s against 85.7 s, the same output), and a fault met in a worker process (a full disk)
    is logged there by Prefect, outside the one-line error the command gives."""
    if runner == "processes":
        return ProcessPoolTaskRunner(max_workers=workers)
    if runner == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    if runner == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    raise ValueError(f"unknown runner {runner!r}: {', '.join(RUNNERS)}")


def publish_summary(manifest: Manifest) -> None:
    rows = [
        {
            "cable": c.cable_id, "number": c.cable_number or "?", "date": c.date_sent or "?",
            "sender": c.sender or "?", "classification": c.classification or "?",
            "needs review": c.needs_review, "json": c.path, "translation": c.translation or "",
        }
        for c in manifest.cables
    ]
    failed = [f.path for f in manifest.files if f.status == "error"]
    create_table_artifact(
        key="cableocr-batch-summary",
        table=rows,
        description=f"{len(rows)} cables; unreadable inputs: {', '.join(failed) or 'none'}",
    )


def _keep_audit_plan(out: Path, rate: float, seed: int | None) -> None:
    """The audit plan of OUT: a rerun at the same rate keeps the sample it drew before."""
    kept = load_plan(out)
    if kept is None or kept.rate != rate or (seed is not None and kept.seed != seed):
        save_plan(out, plan_for(rate, seed))


def publish_quality(out: Path, settings: Settings) -> None:
    """What the batch's reviews say of the machine (cableocr quality) as a table artifact, with
    the drift warning where the audited precision falls below the policy's promise."""
    report = measure([out], promised_precision(settings.fields.policy))
    warning = drift_warning(report)
    if warning:
        logging.getLogger(__name__).warning("%s: %s", out, warning)
    audited = report.overall.audited
    create_table_artifact(key="cableocr-quality", table=table_rows(report), description=warning or (
        f"{audited} accepted fields audited" if audited else
        f"no field audited yet: `cableocr review {out} --audit 0.05` samples the accepted fields"))


def publish_review_queue(manifest: Manifest, out: Path) -> None:
    """The review queue as a table artifact: fields waiting per cable, and the command to
    review them."""
    command = f"cableocr review {out}"
    rows = [{"cable": c.cable_id, "fields to review": c.needs_review, "review with": command}
            for c in manifest.cables if c.needs_review]
    total = sum(c.needs_review for c in manifest.cables)
    description = (f"{total} fields in {len(rows)} cables wait for review: `{command}`, then "
                   f"`cableocr finalise {out}`" if total else "nothing to review")
    create_table_artifact(key="cableocr-review-queue", table=rows or [{"cable": "-", "fields to review": 0,
                                                                        "review with": "-"}],
                          description=description)
