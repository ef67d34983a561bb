"""How a page was made besides its degradation level: typeface, resolution, photocopy effects, marks, 1-bit."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict

from cableocr.synth.render import DEFAULT_TYPEFACE, TYPEFACES, font, set_in

Effect = Literal["faded", "streaks", "show_through", "gutter", "date_stamp", "margin_marks", "punch_holes"]
EFFECTS: tuple[Effect, ...] = ("faded", "streaks", "show_through", "gutter", "date_stamp", "margin_marks",
                               "punch_holes")


class Conditions(BaseModel):
    """typeface: a name of render.TYPEFACES; dpi: the resolution the page is delivered at (drawn
    at 300 dpi, then resampled); effects: applied after the level's degradation; bilevel: a 1-bit
    page (a fax, a CCITT TIFF)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    typeface: str = DEFAULT_TYPEFACE
    dpi: int = 300
    effects: tuple[Effect, ...] = ()
    bilevel: bool = False

    def label(self) -> str:
        parts = [self.typeface, f"{self.dpi}dpi", *self.effects, *(["1-bit"] if self.bilevel else [])]
        return " ".join(parts)


def check(conditions: Conditions) -> None:
    if conditions.typeface not in TYPEFACES:
        raise ValueError(f"unknown typeface {conditions.typeface!r}; known: {', '.join(TYPEFACES)}")
    if not 100 <= conditions.dpi <= 1200:
        raise ValueError(f"dpi {conditions.dpi}: between 100 and 1200")


def _faded(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Faded toner: the ink lighter, unevenly, in blotches a few characters across."""
    h, w = page.shape
    blotches = cv2.resize(rng.uniform(0.35, 0.75, (h // 64 + 1, w // 64 + 1)).astype(np.float32), (w, h),
                          interpolation=cv2.INTER_CUBIC)
    return 255 - (255 - page) * blotches


def _streaks(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Drum streaks: a few thin grey lines down the whole page."""
    for _ in range(int(rng.integers(2, 5))):
        x, width = int(rng.integers(0, page.shape[1])), int(rng.integers(2, 6))
        page[:, x : x + width] = np.minimum(page[:, x : x + width], rng.uniform(110, 190))
    return page


def _show_through(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The back of the sheet showing through: a mirrored, blurred, faint copy of a page."""
    back = cv2.GaussianBlur(np.ascontiguousarray(page[:, ::-1]), (0, 0), 2.5)
    strength = rng.uniform(0.10, 0.18)
    return page * (1 - strength * (255 - back) / 255)


def _gutter(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The shadow of a bound volume's gutter along one side."""
    h, w = page.shape
    reach = int(w * rng.uniform(0.05, 0.09))
    ramp = np.ones(w, np.float32)
    ramp[:reach] = 0.45 + 0.55 * (np.arange(reach) / reach) ** 0.7
    return page * (ramp if rng.random() < 0.5 else ramp[::-1])[None, :]


def _date_stamp(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A round receipt stamp over the header: a ring with a date in it, in grey ink."""
    from PIL import Image, ImageDraw

    h, w = page.shape
    radius = 105
    centre = (int(rng.uniform(0.45, 0.8) * w), int(rng.uniform(0.1, 0.25) * h))
    layer = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(layer)
    box = (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius)
    draw.ellipse(box, outline=0, width=5)
    draw.line((box[0] + 20, centre[1] - 25, box[2] - 20, centre[1] - 25), fill=0, width=3)
    draw.line((box[0] + 20, centre[1] + 25, box[2] - 20, centre[1] + 25), fill=0, width=3)
    with set_in(DEFAULT_TYPEFACE):
        draw.text((centre[0] - 45, centre[1] - 80), "受付", font=font(42), fill=0)
        draw.text((centre[0] - 80, centre[1] - 20), f"{int(rng.integers(1, 13))}.{int(rng.integers(1, 29))}.",
                  font=font(40), fill=0)
    ink = (255 - np.asarray(layer, np.float32)) / 255 * rng.uniform(0.5, 0.75)
    return page * (1 - ink)


def _margin_marks(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A reader's marks in the left margin: ticks, a circled number, a hand underline."""
    from PIL import Image, ImageDraw

    h, w = page.shape
    layer = Image.fromarray(page.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(layer)
    for _ in range(int(rng.integers(2, 5))):
        x, y = int(rng.integers(30, 150)), int(rng.integers(int(0.3 * h), int(0.9 * h)))
        draw.line((x, y, x + 18, y + 22, x + 52, y - 30), fill=60, width=5)
    with set_in(DEFAULT_TYPEFACE):
        draw.text((int(rng.integers(40, 120)), int(rng.integers(int(0.3 * h), int(0.8 * h)))),
                  "①②③④⑤"[int(rng.integers(0, 5))], font=font(60), fill=50)
    y = int(rng.integers(int(0.4 * h), int(0.9 * h)))
    x0 = int(rng.integers(200, w // 2))
    points = [(x, y + int(6 * np.sin(x / 40))) for x in range(x0, x0 + int(rng.integers(300, 700)), 10)]
    draw.line(points, fill=70, width=4)
    return np.asarray(layer, np.float32)


def _punch_holes(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Two filing holes in the left margin, dark where the scanner lid showed through."""
    h, _ = page.shape
    x = int(rng.integers(60, 110))
    for y in (int(h * 0.3), int(h * 0.7)):
        cv2.circle(page, (x, y), 38, float(rng.uniform(20, 60)), -1)
    return page


_APPLY = {"faded": _faded, "streaks": _streaks, "show_through": _show_through, "gutter": _gutter,
          "date_stamp": _date_stamp, "margin_marks": _margin_marks, "punch_holes": _punch_holes}


def apply_effects(page: np.ndarray, effects: tuple[Effect, ...], rng: np.random.Generator) -> np.ndarray:
    """The effects on a greyscale uint8 page, in the order given; deterministic for rng."""
    out = page.astype(np.float32)
    for effect in effects:
        out = _APPLY[effect](out, rng)
    return np.clip(out, 0, 255).astype(np.uint8)


def deliver(page: np.ndarray, conditions: Conditions) -> tuple[np.ndarray, float]:
    """The 300-dpi page at the conditions' resolution (and 1-bit where asked): (page, scale)."""
    scale = conditions.dpi / 300
    if scale != 1:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        page = cv2.resize(page, None, fx=scale, fy=scale, interpolation=interpolation)
    if conditions.bilevel:
        # Floyd-Steinberg would be a fax's; a scanner's 1-bit mode thresholds.
        page = np.where(page > 165, 255, 0).astype(np.uint8)
    return page, scale
