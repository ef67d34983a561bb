"""The batch flow unchanged on a real Dask cluster (distributed.LocalCluster, two worker
processes): the same output, byte for byte, as on this process's threads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
SCANS = Path(__file__).resolve().parents[1] / "scans"
COMPARED = ("*.json", "cables.jsonl", "fields.csv")


def test_the_batch_flow_runs_on_a_local_dask_cluster(tesseract, tmp_path):
    from distributed import Client, LocalCluster

    from cableocr.config import OcrConfig, Settings
    from cableocr.pipeline import run_batch
    from flows.batch import batch_flow, task_runner

    # Tesseract alone: what is tested is where the pages are read and that the output is the
    # same, not the reading (each Dask worker would load PP-OCR's models again).
    settings = Settings(ocr=OcrConfig(second_engine=None))
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("cable-5517-scan-p1.jpg", "cable-5517-vertical-p1.jpg"):
        shutil.copy(SCANS / name, batch / name)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        flow = batch_flow.with_options(task_runner=task_runner("dask", cluster.scheduler_address))
        manifest = flow(batch=batch, out=tmp_path / "dask", settings=settings)
        ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert {"read_page_to_cache", "ingest_one"} <= set(ran), ran  # the pages were read on the cluster
    assert len(manifest.cables) == 2
    run_batch(batch, tmp_path / "threads", settings)
    compared = [p for pattern in COMPARED for p in sorted((tmp_path / "threads").glob(pattern))]
    assert len(compared) >= 5  # two cables, the manifest, the two tables
    for path in compared:
        assert (tmp_path / "dask" / path.name).read_bytes() == path.read_bytes(), path.name
