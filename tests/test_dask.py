"""The batch flow unchanged on Dask, on the LocalCluster prefect-dask starts itself (what
`cableocr run --runner dask` uses): every task on the cluster, the same output, byte for byte,
as on this process's threads; and `--dask-address` connects to the cluster it names."""

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
        ours, theirs = path.read_bytes(), (dask / path.name).read_bytes()
        if path.name == "iiif-manifest.json":  # its ids are under each output folder's own URL
            ours, theirs = ours.replace(threads.as_uri().encode(), b"OUT"), theirs.replace(dask.as_uri().encode(), b"OUT")
        assert theirs == ours, path.name


def _with_the_readings_of(threads: Path, out: Path) -> Path:
    """OUT with the pages' readings in its page cache already (copied from the threads' run):
    what a test then costs is the cluster, not the reading; every task still runs on it."""
    shutil.copytree(threads / ".cache" / "pages", out / ".cache" / "pages")
    return out


def test_the_batch_flow_runs_on_the_cluster_it_starts_itself(on_threads, tmp_path, monkeypatch):
    """What `cableocr run --runner dask` builds: prefect-dask starts a LocalCluster of worker
    processes, runs every task on it and closes it; what ran is read off its scheduler just
    before it closes."""
    import distributed

    from flows.batch import batch_flow, task_runner

    ran: list[str] = []

    class Recorded(distributed.LocalCluster):
        def close(self, *args, **kwargs):
            ran.extend(sorted(self.scheduler.task_prefixes))
            return super().close(*args, **kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", Recorded)  # prefect-dask looks it up when it starts one
    batch, threads, settings = on_threads
    out = _with_the_readings_of(threads, tmp_path / "dask")
    flow = batch_flow.with_options(task_runner=task_runner("dask", None, workers=2))  # as the CLI builds it
    manifest = flow(batch=batch, out=out, settings=settings)
    assert {"read_page_to_cache", "ingest_one"} <= set(ran), ran  # the tasks ran on the cluster
    assert len(manifest.cables) == 1
    _same_output(threads, out)


def test_a_cluster_given_by_its_address_is_the_one_connected_to():
    """`--dask-address`: the same runner, connected to a running cluster instead of starting one
    (the flow on a cluster is the test above)."""
    from prefect_dask import DaskTaskRunner

    from flows.batch import task_runner

    runner = task_runner("dask", "tcp://10.0.0.5:8786")
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://10.0.0.5:8786"


def test_each_runner_the_cli_names_is_built_and_an_unknown_one_is_refused():
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    from flows.batch import RUNNERS, task_runner

    assert isinstance(task_runner("threads", workers=2), ThreadPoolTaskRunner)
    assert isinstance(task_runner("processes", workers=2), ProcessPoolTaskRunner)
    with pytest.raises(ValueError, match=", ".join(RUNNERS)):
        task_runner("fibres")
