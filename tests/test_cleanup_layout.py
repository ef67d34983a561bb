"""Deskew, direction and redactions on generator pages with known answers (no OCR needed)."""

import numpy as np
import pytest
from PIL import Image

from cableocr.cleanup import clean_page
from cableocr.config import CleanupConfig, OcrConfig
from cableocr.layout import analyse_layout


def _load(gen, page=0):
    return np.asarray(Image.open(gen.folder / gen.truth.pages[page].file).convert("L"))


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
@pytest.mark.parametrize("seed", ["000", "004"])
def test_deskew_undoes_the_generators_skew(generated, seed, layout):
    gen = generated[(seed, layout, "medium")]
    cleaned = clean_page(_load(gen), CleanupConfig())
    assert cleaned.skew_deg == pytest.approx(-gen.truth.pages[0].skew_deg, abs=0.15)
    assert any(s.name == "deskew" and s.params["angle_deg"] == cleaned.skew_deg for s in cleaned.steps)


def test_clean_pages_are_left_unrotated(generated):
    cleaned = clean_page(_load(generated[("000", "horizontal", "clean")]), CleanupConfig())
    assert cleaned.skew_deg == 0.0


@pytest.mark.parametrize("level", ["clean", "medium"])
@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_direction_and_redactions_per_page(generated, layout, level):
    gen = generated[("000", layout, level)]
    for number, truth_page in enumerate(gen.truth.pages):
        layout_found = analyse_layout(clean_page(_load(gen, number), CleanupConfig()), OcrConfig())
        assert layout_found.writing_mode == layout
        assert len(layout_found.redactions) == len(truth_page.redactions)
