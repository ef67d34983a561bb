"""Make a clean render look scanned: skew, blur, uneven paper, noise, speckle, photocopy dark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

Level = Literal["clean", "medium", "poor"]
LEVELS: tuple[Level, ...] = ("clean", "medium", "poor")


@dataclass(frozen=True)
class Degradation:
    skew_deg: float
    blur_sigma: float
    paper_grey: int  # background level at its darkest
    noise_sigma: float
    speckles: int
    ink_bleed: bool
    dark_edges: bool


def degradation_for(level: Level, rng: np.random.Generator) -> Degradation:
    sign = 1 if rng.random() < 0.5 else -1
    if level == "clean":
        return Degradation(0.0, 0.0, 255, 0.0, 0, False, False)
    if level == "medium":
        return Degradation(sign * rng.uniform(0.8, 1.5), 0.8, 228, 5.0, 150, False, False)
    return Degradation(sign * rng.uniform(2.0, 3.0), 1.0, 205, 14.0, 1500, True, True)


def degrade(image: np.ndarray, d: Degradation, rng: np.random.Generator) -> np.ndarray:
    """Apply d to a greyscale uint8 page; deterministic for a given rng state."""
    page = image.astype(np.float32)
    if d.ink_bleed:
        page = cv2.erode(page, np.ones((2, 2), np.uint8))
    h, w = page.shape
    # Uneven paper: a smooth gradient between white and paper_grey, multiplied into the page.
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(direction) * gx / w + np.sin(direction) * gy / h + 1) / 2
    paper = 255 - (255 - d.paper_grey) * ramp
    page = page * paper / 255.0
    if d.dark_edges:
        border = np.minimum.reduce([gx, gy, w - gx, h - gy]) / (0.08 * min(h, w))
        page = page * (0.55 + 0.45 * np.clip(border, 0, 1))
    if d.noise_sigma:
        page = page + rng.normal(0, d.noise_sigma, page.shape).astype(np.float32)
    if d.speckles:
        ys, xs = rng.integers(0, h, d.speckles), rng.integers(0, w, d.speckles)
        radii = rng.integers(1, 4, d.speckles)
        for y, x, r in zip(ys, xs, radii, strict=True):
            cv2.circle(page, (int(x), int(y)), int(r), float(rng.uniform(0, 90)), -1)
    # The scanner's optics blur paper grain and specks along with the print.
    if d.blur_sigma:
        page = cv2.GaussianBlur(page, (0, 0), d.blur_sigma)
    page = np.clip(page, 0, 255).astype(np.uint8)
    if d.skew_deg:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), d.skew_deg, 1.0)
        fill = int(np.median(page[:50, :50]))
        page = cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)
    return page
