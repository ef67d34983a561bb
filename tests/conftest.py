"""Shared fixtures: generated pages with ground truth, each OCRed once per session."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
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


@pytest.fixture(scope="session")
def ocr_results(generated, tesseract, tmp_path_factory):
    """Every generated case through the pipeline (without Prefect), once: case -> (manifest, out)."""
    from cableocr.pipeline import run_batch

    root = tmp_path_factory.mktemp("ocr")

    def run(item):
        case, gen = item
        out = root / "-".join(case)
        return case, (run_batch(gen.folder, out), out)

    # A case at a time on each core (its pages one after another): the one-page cases and each
    # case's assembly keep both cores busy, as spreading one case's pages did not.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(pool.map(run, sorted(generated.items(), key=lambda item: -len(item[1].truth.pages))))
