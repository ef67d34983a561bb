"""The follow-up flow: once a batch's review queue is empty, mark its output final."""

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from cableocr.models import Manifest
from cableocr.review_log import REVIEW_LOG, ReviewPending, finalise


@task(name="finalise-batch", cache_policy=NO_CACHE)
def finalise_task(out: Path) -> Manifest:
    return finalise(out)


@flow(name="cableocr-finalise", log_prints=False)
def finalise_flow(out: Path) -> Manifest:
    """Rebuild every cable JSON of OUT from the machine's reading plus the review log, and mark
    the batch final. Fails, saying how many fields wait, while the review queue is not empty."""
    return finalise_task(out)


@task(name="wait-for-review", cache_policy=NO_CACHE)
def wait_for_review(out: Path, timeout_seconds: float, poll_seconds: float = 10.0) -> Manifest:
    """Wait until the reviewers have emptied the queue (`cableocr review OUT` appends to the
    log), then finalise. Raises ReviewPending when the time runs out first."""
    logger = get_run_logger()
    deadline = time.monotonic() + timeout_seconds
    seen: tuple[int, int] | None = None
    while True:
        stat = (out / REVIEW_LOG).stat() if (out / REVIEW_LOG).exists() else None
        current = (stat.st_size, stat.st_mtime_ns) if stat else (0, 0)
        if current != seen:  # rebuild only when the log has grown
            seen = current
            try:
                return finalise(out)
            except ReviewPending as exc:
                logger.info("%s", exc)
                if time.monotonic() >= deadline:
                    raise
        elif time.monotonic() >= deadline:
            raise ReviewPending(f"no review decision came within {timeout_seconds:.0f} s: run "
                                f"`cableocr review {out}`, then `cableocr finalise {out}`")
        time.sleep(poll_seconds)
