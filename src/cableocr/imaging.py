"""Small image helpers shared by the cleanup and layout stages."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np


def ink_mask(image: np.ndarray, block: int = 31) -> np.ndarray:
    """Binary ink (255) on paper (0). A local threshold, so that uneven paper and the dark edges
    of a photocopy do not count as ink; the median drops isolated speckle."""
    blurred = cv2.medianBlur(image, 3)
    return cv2.adaptiveThreshold(
        blurred, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15
    )


def rotate(image: np.ndarray, angle: float, fill: int) -> tuple[np.ndarray, np.ndarray]:
    """Rotate about the centre (degrees, counter-clockwise), same size; also return the matrix."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)
    return rotated, matrix


def turned_in(shape: tuple[int, int], matrix: np.ndarray, margin: int = 4) -> np.ndarray:
    """Mask of what a rotation by matrix brought in from outside the image, widened by margin
    px: the corners a deskew fills, and the seam where they meet the scan's own edge."""
    h, w = shape
    inside = cv2.warpAffine(np.full((h, w), 255, np.uint8), matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    return cv2.dilate((inside == 0).astype(np.uint8), np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)) > 0


def paper_background(image: np.ndarray) -> np.ndarray:
    """The paper without the print: a max filter on a 1/8 image erases strokes, lines and
    redaction bars (all under ~70 px across), then a blur smooths it back to full size."""
    h, w = image.shape
    small = cv2.resize(image, (max(w // 8, 1), max(h // 8, 1)), interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, np.ones((9, 9), np.uint8))
    paper = cv2.GaussianBlur(paper, (0, 0), 3)
    return cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)


def direction_ratio(image: np.ndarray) -> float:
    """Above 1: ink in rows (horizontal text); below 1: ink in columns (vertical text).

    The ratio of the row profile's to the column profile's coefficient of variation, on a
    downscaled ink mask of the page's central part (margins hold furniture and scanner edges).
    """
    small = cv2.resize(image, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    mask = ink_mask(small)[h // 8 : h - h // 10, w // 10 : w - w // 10].astype(np.float64)
    rows, cols = mask.sum(axis=1), mask.sum(axis=0)
    if rows.mean() == 0 or cols.mean() == 0:
        return 1.0
    return float((rows.std() / rows.mean()) / (cols.std() / cols.mean()))


class Components:
    """A binary ink mask's connected blobs, labelled once for the several questions asked of them."""

    def __init__(self, ink: np.ndarray):
        _, self.labels, self.stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        # Each pixel's blob area (0 on paper): one lookup, then every size question is a comparison.
        areas = self.stats[:, cv2.CC_STAT_AREA].copy()
        areas[0] = 0
        self.areas = areas[self.labels]


def _sums_around(integral: np.ndarray, stats: np.ndarray, reach: int) -> np.ndarray:
    """For each blob, the sum of a mask (given by its integral image) over the blob's box
    widened by reach px on every side."""
    height, width = integral.shape[0] - 1, integral.shape[1] - 1
    x0 = np.clip(stats[:, cv2.CC_STAT_LEFT] - reach, 0, width)
    y0 = np.clip(stats[:, cv2.CC_STAT_TOP] - reach, 0, height)
    x1 = np.clip(stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] + reach, 0, width)
    y1 = np.clip(stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT] + reach, 0, height)
    return integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]


def small_isolated(blobs: Components, max_area: int, clearance: int, keep_clusters: bool = False,
                   want_mask: bool = True) -> tuple[np.ndarray | None, int]:
    """Mask (when wanted) and count of the blobs no larger than max_area with no larger blob
    within clearance px. keep_clusters also keeps small blobs lying close together (「:」, 「゛」):
    more small ink around one than a speck could have. Judged per blob on integral images."""
    small = blobs.stats[:, cv2.CC_STAT_AREA] <= max_area
    small[0] = False
    small_pixels = (blobs.areas > 0) & (blobs.areas <= max_area)
    large_pixels = blobs.areas > max_area
    isolated = small & (_sums_around(cv2.integral(large_pixels.view(np.uint8)), blobs.stats, clearance) == 0)
    if keep_clusters:
        around = _sums_around(cv2.integral(small_pixels.view(np.uint8)), blobs.stats, clearance)
        isolated &= around <= max_area
    count = int(isolated.sum())
    if not want_mask:
        return None, count
    return (isolated[blobs.labels] if count else np.zeros(blobs.labels.shape, bool)), count


def sauvola_ink(image: np.ndarray, window: int = 51, k: float = 0.2) -> np.ndarray:
    """Binary ink (255) by Sauvola's local threshold, mean * (1 + k * (std / 128 - 1)) over a
    window: paper grain and a photocopy's uneven grey stay paper where a global threshold
    would turn them to ink. (The window's statistics taken on a quarter-size image were
    measured 0.1 s faster a page but worse: vertical poor pages 6.5% CER against 5.5%.)"""
    mean = cv2.boxFilter(image, cv2.CV_32F, (window, window))
    threshold = cv2.sqrBoxFilter(image, cv2.CV_32F, (window, window))
    # In place, one buffer: variance, deviation, then the threshold itself.
    threshold -= mean * mean
    np.maximum(threshold, 0, out=threshold)
    np.sqrt(threshold, out=threshold)
    threshold *= k / 128.0
    threshold += 1 - k
    threshold *= mean
    return np.where(image < threshold, 255, 0).astype(np.uint8)


def edge_components(blobs: Components, band: int, outside: np.ndarray | None = None) -> np.ndarray:
    """Mask of the ink blobs that are scanner or photocopy edges, not print: blobs that touch
    the image's border or the area a deskew turned in from outside the scan (outside, a mask),
    and long thin blobs within band px of the border."""
    labels, stats = blobs.labels, blobs.stats
    height, width = labels.shape
    x, y, w, h = (stats[:, i] for i in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    touching = (x <= 1) | (y <= 1) | (x + w >= width - 1) | (y + h >= height - 1)
    if outside is not None and outside.any():
        touching[np.unique(labels[outside])] = True
    in_band = (x + w <= band) | (y + h <= band) | (x >= width - band) | (y >= height - band)
    thin = np.maximum(w, h) >= 8 * np.maximum(np.minimum(w, h), 1)
    edge = touching | (in_band & thin)
    edge[0] = False
    return edge[labels]


def flatten(image: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The page divided by its paper: paper white everywhere, ink as dark as it was against it."""
    ratio = image.astype(np.float32) * 255.0 / np.maximum(background.astype(np.float32), 1.0)
    return np.clip(ratio, 0, 255).astype(np.uint8)


def _centred_under(column: np.ndarray, centre: int, slack: int) -> bool:
    """Whether a window of ink (columns of pixels) holds ink whose span has centre in its middle
    half, or within slack px of its middle: a narrow glyph's middle half is a pixel or two (the
    1 over the notice's 1.)."""
    xs = np.flatnonzero(column.any(axis=0))
    if xs.size == 0:
        return False
    x0, x1 = xs[0], xs[-1] + 1
    return abs(centre - (x0 + x1) / 2) <= max((x1 - x0) / 4, slack)


def _marks(blobs: Components, small: np.ndarray, max_area: int,
           set_in_text: Callable[[np.ndarray, int, int, int, int], bool]) -> tuple[np.ndarray, int]:
    """Of the small blobs in mask small, those set_in_text says stand in the text, asked with the
    mask of the larger blobs and the small blob's box. (Their mask, how many.)"""
    large = blobs.areas > max_area
    kept = [label for label in np.unique(blobs.labels[small]) if set_in_text(large, *blobs.stats[label, :4])]
    return (np.isin(blobs.labels, kept) if kept else np.zeros(small.shape, bool)), len(kept)


def marks_in_columns(blobs: Components, small: np.ndarray, max_area: int, reach: int) -> tuple[np.ndarray, int]:
    """Of the small blobs in mask small, those set in a column of text: with a character
    centred over them and another centred under them, each within reach px. A full stop set
    upright in a vertical column (the notice's 1.) stands alone in its character's cell, far
    from both neighbours, and is as small as a speck (23 px at 300 dpi). (Their mask, how many.)"""
    def centred(large: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
        centre = x + w // 2
        # A character's width either side: wider would take in the next column's characters.
        left = max(centre - reach // 3, 0)
        above = large[max(y - reach, 0) : y, left : centre + reach // 3]
        below = large[y + h : y + h + reach, left : centre + reach // 3]
        return _centred_under(above, centre - left, reach // 6) and _centred_under(below, centre - left, reach // 6)

    return _marks(blobs, small, max_area, centred)


def marks_in_rows(blobs: Components, small: np.ndarray, max_area: int, reach: int) -> tuple[np.ndarray, int]:
    """Of the small blobs in mask small, those set at the foot of a row of text: on either side
    within reach px, a character whose ink comes down to the blob's foot and rises above the
    blob by its own height or more. A 、 after a bracket (デトロイト）、) stands in its own cell as
    far from other ink as a speck, and on a noisy page is as large as one. (Their mask, how many.)"""
    def at_the_foot(large: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
        top, foot = max(y + h - reach, 0), y + h
        below = foot + reach // 2  # far enough down to see a character run on past the mark's foot
        sides = (large[top:below, max(x - reach, 0) : x], large[top:below, x + w : x + w + reach])
        return all(_at_the_foot(side, foot - top, y - top, reach // 6) for side in sides)

    return _marks(blobs, small, max_area, at_the_foot)


def _at_the_foot(window: np.ndarray, foot: int, mark_top: int, slack: int) -> bool:
    """Whether the ink in a window beside a mark comes down to the mark's foot (within slack px)
    and rises above the mark's top by the mark's height or more."""
    ys = np.flatnonzero(window.any(axis=1))
    if ys.size == 0:
        return False
    return abs(ys[-1] + 1 - foot) <= slack and ys[0] <= mark_top - (foot - mark_top)


def character_size(image: np.ndarray, min_components: int = 50) -> float | None:
    """The size of the page's characters in px: the ink-weighted median of its blobs' larger
    side, so that the specks of a poor copy (many, but little ink) do not pull it down and the
    pieces of a kanji count by their ink. Rules, frames and redaction bars (elongated, or over a
    fifteenth of the page) are left out. None where too few blobs are seen to tell (a blank page).
    Measured on generated pages at 300 dpi (10.5 pt Mincho): 35-40 px, at 150 and 600 dpi half
    and twice that (bench/versus_plain.py --dpi)."""
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height, width = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    size = np.maximum(height, width)
    glyphs = (size >= 6) & (size < min(image.shape) / 15) & (size < 4 * np.minimum(height, width) + 2)
    if glyphs.sum() < min_components:
        return None
    sizes, ink_of = size[glyphs], stats[1:, cv2.CC_STAT_AREA][glyphs]
    order = np.argsort(sizes, kind="stable")
    share = np.cumsum(ink_of[order]) / ink_of.sum()
    return float(sizes[order][np.searchsorted(share, 0.5)])
