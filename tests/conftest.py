"""Shared fixtures: generated pages with ground truth, each OCRed once per session."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from cableocr.errors import MissingTool
from cableocr.synth import Truth, generate, load_truth, seed_files

# Prefect's temporary API server is given 20 s to start; a loaded machine (two engines on both
# cores) was seen to miss that. Wait for it to start, with a generous cap.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")

SEEDS = {p.name[:3]: p for p in seed_files()}
# (seed prefix, layout, level) -> random seed; every combination the foundation promises.
CASES = {
    (seed, layout, level): 100 + i
    for i, (seed, layout, level) in enumerate(
        (s, lay, lev) for s in ("000", "004") for lay in ("horizontal", "vertical") for lev in ("clean", "medium")
    )
}


def pytest_report_header(config):
    try:
        from cableocr.engines.tesseract import installed_models, probe

        return f"tesseract {probe()}, models: {', '.join(sorted(installed_models()))}"
    except MissingTool as exc:
        return f"tesseract: not usable ({exc})"


@pytest.fixture(scope="session")
def tesseract():
    """Skip OCR tests where Tesseract is missing, but fail in CI: a green run must not hide
    OCR that never ran."""
    from cableocr.engines.tesseract import probe

    try:
        return probe()
    except MissingTool as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI without a usable Tesseract: {exc}")
        pytest.skip(str(exc))


class Generated:
    def __init__(self, folder: Path, truth: Truth):
        self.folder = folder
        self.truth = truth


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict[tuple[str, str, str], Generated]:
    """Each case rendered into a batch folder of its own (truth kept outside the batch)."""
    root = tmp_path_factory.mktemp("generated")
    cases = {}
    for (seed, layout, level), random_seed in CASES.items():
        folder = root / f"{seed}-{layout}-{level}"
        truth_path = generate(SEEDS[seed], folder, layout, level, "png", random_seed, truth_dir=root / "truth")
        cases[(seed, layout, level)] = Generated(folder, load_truth(truth_path))
    return cases


def two_worker_processes() -> ProcessPoolExecutor:
    """Two worker processes for a test's pages, as the batch reads them: cleanup, layout and
    the combination of readings hold the GIL, and two threads were measured to use little more
    than one core. Spawned, not forked: the session may hold Prefect's threads by now."""
    return ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))


def _run_case(folder: Path, out: Path):
    from cableocr.pipeline import run_batch

    return run_batch(folder, out)


@pytest.fixture(scope="session")
def ocr_results(generated, tesseract, tmp_path_factory):
    """Every generated case through the pipeline (without Prefect), once: case -> (manifest, out)."""
    root = tmp_path_factory.mktemp("ocr")
    cases = sorted(generated.items(), key=lambda item: -len(item[1].truth.pages))  # the longest first
    outs = [root / "-".join(case) for case, _ in cases]
    with two_worker_processes() as pool:  # a case at a time in each (each loads the engines once)
        manifests = list(pool.map(_run_case, [gen.folder for _, gen in cases], outs))
    return {case: (manifest, out) for (case, _), manifest, out in zip(cases, manifests, outs, strict=True)}


@pytest.fixture(scope="session")
def sample_output(tesseract, tmp_path_factory) -> Path:
    """scans/ (the sample batch) with the seeds' translations, read once for the session: what
    the catalogue, IIIF and reference tests stand on."""
    import shutil

    from cableocr.pipeline import run_batch

    repo = Path(__file__).resolve().parents[1]
    batch = tmp_path_factory.mktemp("sample-batch")
    for scan in (repo / "scans").iterdir():
        if scan.is_file():
            shutil.copy(scan, batch / scan.name)
    out = tmp_path_factory.mktemp("sample-out")
    run_batch(batch, out, translations=Path(__file__).parent / "resources" / "seeds")
    return out
