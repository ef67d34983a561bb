"""The batch flow unchanged on Dask: on the LocalCluster prefect-dask starts itself (what
`cableocr run --runner dask` uses) and on a running cluster given by its address
(`--dask-address`): the same output, byte for byte, as on this process's threads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
SCANS = Path(__file__).resolve().parents[1] / "scans"
COMPARED = ("*.json", "cables.jsonl", "fields.csv")


@pytest.fixture(scope="module")
def on_threads(tesseract, tmp_path_factory):
    """A sample page read on this process's threads, Tesseract alone: what is tested is where
    the pages are read and that the output is the same, not the reading (each Dask worker
    would load PP-OCR's models again)."""
    from cableocr.config import OcrConfig, Settings
    from cableocr.pipeline import run_batch

    settings = Settings(ocr=OcrConfig(second_engine=None))
    batch = tmp_path_factory.mktemp("batch")
    shutil.copy(SCANS / "cable-5517-vertical-p1.jpg", batch / "page.jpg")
    out = tmp_path_factory.mktemp("threads")
    run_batch(batch, out, settings)
    return batch, out, settings


def _same_output(threads: Path, dask: Path) -> None:
    compared = [p for pattern in COMPARED for p in sorted(threads.glob(pattern))]
    assert len(compared) >= 4  # the cable, the manifest, the two tables
    for path in compared:
        assert (dask / path.name).read_bytes() == path.read_bytes(), path.name


def _with_the_readings_of(threads: Path, out: Path) -> Path:
    """OUT with the pages' readings in its page cache already (copied from the threads' run):
    what a test then costs is the cluster, not the reading; every task still runs on it."""
    shutil.copytree(threads / ".cache" / "pages", out / ".cache" / "pages")
    return out


def test_the_batch_flow_runs_on_the_cluster_it_starts_itself(on_threads, tmp_path):
    from flows.batch import batch_flow, task_runner

    batch, threads, settings = on_threads
    out = _with_the_readings_of(threads, tmp_path / "dask")
    flow = batch_flow.with_options(task_runner=task_runner("dask", None, workers=2))  # as the CLI builds it
    manifest = flow(batch=batch, out=out, settings=settings)
    assert len(manifest.cables) == 1
    _same_output(threads, out)


def test_the_batch_flow_runs_on_a_cluster_given_by_its_address(on_threads, tmp_path):
    from distributed import Client, LocalCluster

    from flows.batch import batch_flow, task_runner

    batch, threads, settings = on_threads
    out = _with_the_readings_of(threads, tmp_path / "dask")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        flow = batch_flow.with_options(task_runner=task_runner("dask", cluster.scheduler_address))
        manifest = flow(batch=batch, out=out, settings=settings)
        ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert {"read_page_to_cache", "ingest_one"} <= set(ran), ran  # the tasks ran on the cluster
    assert len(manifest.cables) == 1
    _same_output(threads, out)
