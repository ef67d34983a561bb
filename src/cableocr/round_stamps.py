"""Round receipt stamps (受付 date stamps) found and their ring and bars erased before reading.

A date stamp pressed over the header is a ring two to three characters in radius, with two
bars across it and a date between them. Its ring joins the columns or rows it crosses into one
(a vertical reader then reads three columns as one jumble), and it keeps a framed stamp it
touches from being found. The ring and the bars are not text and are erased; the ink of a
character where the ring crosses it is kept where it is darker than the stamp's own ink (two
inks laid over each other are darker than either). What the stamp says (its date) is left on
the page, character-sized and with no shape to tell it from the text beneath; what the engines
read of it inside the ring is set apart from the page's text after reading
(ocr.round_stamp_texts_set_apart).

Sizes are in character heights (character_px at the working scale), as everywhere in cleanup.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from cableocr.config import CleanupConfig

_SEARCH_SCALE = 0.35  # circles are searched for on a third-size page: 0.1 s a page (half-size: 0.4 s), every ring still found
_ANGLES = np.linspace(0, 2 * np.pi, 360, endpoint=False)
# Only a circle with ink along this share of it, within a tenth of a character, is fitted: text
# gives the search up to twenty circles a page. Measured on the half-size search's circles of 45
# generated pages: each of 25 stamps' rings had one at 0.95 or more; circles in text, 0.62 at most.
_FIT_FROM = 0.75


@dataclass(frozen=True)
class Ring:
    """A round stamp's ring in the cleaned page's pixels: its centre, its radius to the middle
    of its stroke, the stroke's width, and the share of the circle that has ink on it."""

    x: float
    y: float
    radius: float
    width: float
    coverage: float


def _ink(grey: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Ink against the paper: darker than 80% of the paper under it."""
    return grey.astype(np.float32) < 0.8 * background.astype(np.float32)


def _coverage(ink: np.ndarray, x: float, y: float, radius: float, band: int = 1) -> float:
    """The share of the circle's points with ink within band pixels of them (across the circle)."""
    h, w = ink.shape
    hit = np.zeros(len(_ANGLES), bool)
    for r in np.arange(radius - band, radius + band + 1):
        px = np.clip(np.rint(x + r * np.cos(_ANGLES)).astype(int), 0, w - 1)
        py = np.clip(np.rint(y + r * np.sin(_ANGLES)).astype(int), 0, h - 1)
        hit |= ink[py, px]
    return float(hit.mean())


def _climbed(ink: np.ndarray, x: float, y: float, radius: float, band: int) -> tuple[float, float, float]:
    """The circle reached from (x, y, radius) by moving its centre or radius a step at a time
    while that puts more of it on ink, in steps of 8 px, then 4, 2 and 1."""
    best = _coverage(ink, x, y, radius, band)
    for step in (8, 4, 2, 1):
        moved = True
        while moved:
            moved = False
            for dx, dy, dr in ((step, 0, 0), (-step, 0, 0), (0, step, 0), (0, -step, 0), (0, 0, step), (0, 0, -step)):
                score = _coverage(ink, x + dx, y + dy, radius + dr, band)
                if score > best:
                    best, x, y, radius, moved = score, x + dx, y + dy, radius + dr, True
    return x, y, radius


def _fitted(ink: np.ndarray, x: float, y: float, radius: float, character_px: float) -> Ring:
    """The circle near (x, y, radius) that runs most along ink (the search's circles are found
    on a smaller page, a few pixels off: 5 px for a ring of 5 px stroke), first with a wide
    band, then a narrow one; and the width of its stroke: the radii around it with ink on at
    least half as much of the circle as the best."""
    x, y, radius = _climbed(ink, x, y, radius, band=max(2, int(0.1 * character_px)))
    x, y, radius = _climbed(ink, x, y, radius, band=1)
    coverage = _coverage(ink, x, y, radius)
    offsets = np.arange(-int(0.3 * character_px), int(0.3 * character_px) + 1)
    profile = np.array([_coverage(ink, x, y, radius + o) for o in offsets])
    on = offsets[profile >= 0.5 * profile.max()]
    width = float(on.max() - on.min() + 1)
    return Ring(x=x, y=y, radius=radius + float(on.max() + on.min()) / 2, width=width, coverage=coverage)


def _circles(grey: np.ndarray, character_px: float, cfg: CleanupConfig) -> list[tuple[float, float, float]]:
    """Candidate circles (x, y, radius) in the page's pixels, from OpenCV's two Hough searches on
    a third-size page: each missed a ring the other found (a ring over dense columns, one whose
    radius the other put a fifth off)."""
    low, high = cfg.round_stamp_radius_chars
    small = cv2.resize(grey, None, fx=_SEARCH_SCALE, fy=_SEARCH_SCALE, interpolation=cv2.INTER_AREA)
    px = character_px * _SEARCH_SCALE
    sizes = {"minDist": 2 * low * px, "minRadius": int(low * px), "maxRadius": int(high * px)}
    found = [cv2.HoughCircles(small, cv2.HOUGH_GRADIENT_ALT, dp=1.5, param1=300, param2=0.8, **sizes),
             cv2.HoughCircles(cv2.GaussianBlur(small, (5, 5), 1.2), cv2.HOUGH_GRADIENT, dp=1, param1=80, param2=50,
                              **sizes)]
    return [(x / _SEARCH_SCALE, y / _SEARCH_SCALE, r / _SEARCH_SCALE)
            for circles in found if circles is not None for x, y, r in circles[0][:cfg.round_stamp_max_candidates]]


def find_round_stamps(grey: np.ndarray, background: np.ndarray, character_px: float,
                      cfg: CleanupConfig) -> list[Ring]:
    """Rings of round stamps on the page: circles cfg.round_stamp_radius_chars (low, high)
    characters in radius with ink along at least cfg.round_stamp_min_coverage of them (text
    under a circle drawn at random covers a third to a half of it: measured on 60 generated
    pages with no stamp, at most 0.6; a stamp's ring, 1.0)."""
    ink = _ink(grey, background)
    rings: list[Ring] = []
    wide = max(2, int(0.1 * character_px))
    for x, y, radius in _circles(grey, character_px, cfg):
        if _coverage(ink, x, y, radius, wide) < _FIT_FROM or any(
                np.hypot(x - other.x, y - other.y) < other.radius for other in rings):
            continue
        ring = _fitted(ink, x, y, radius, character_px)
        if ring.coverage >= cfg.round_stamp_min_coverage and not any(
                np.hypot(ring.x - other.x, ring.y - other.y) < ring.radius for other in rings):
            rings.append(ring)
    return rings


def _window(shape: tuple[int, ...], ring: Ring) -> tuple[slice, slice]:
    """The part of the page the ring and its stroke lie in."""
    reach = ring.radius + ring.width + 2
    y0, y1 = max(0, int(ring.y - reach)), min(shape[0], int(ring.y + reach) + 1)
    x0, x1 = max(0, int(ring.x - reach)), min(shape[1], int(ring.x + reach) + 1)
    return slice(y0, y1), slice(x0, x1)


def _stamp_mask(ink: np.ndarray, ring: Ring, origin: tuple[int, int], character_px: float) -> np.ndarray:
    """The ring's stroke and the bars across it, in a window of the page whose corner is origin
    (y, x), with a pixel or two around them for their faint edges. A bar is a straight
    horizontal run of ink over one and a half characters long (no character's stroke is that
    long) that stays inside the ring: a rule of the form runs on out of it."""
    h, w = ink.shape
    yy, xx = np.ogrid[:h, :w]
    distance = np.hypot(xx + origin[1] - ring.x, yy + origin[0] - ring.y)
    stroke = np.abs(distance - ring.radius) <= ring.width / 2 + 2
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (int(1.5 * character_px), 1))
    runs = cv2.morphologyEx((ink & ~stroke).astype(np.uint8), cv2.MORPH_OPEN, kernel)
    _, labels = cv2.connectedComponents(runs, connectivity=8)
    outside = np.unique(labels[(distance > ring.radius) & (runs > 0)])
    bars = (labels > 0) & ~np.isin(labels, outside)
    bars = cv2.dilate(bars.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & (distance < ring.radius)
    return stroke | bars


def erase_round_stamps(grey: np.ndarray, background: np.ndarray, rings: list[Ring],
                       character_px: float) -> np.ndarray:
    """The page with each ring and its bars painted with the paper, but for the pixels darker
    than the stamp's ink: a character's stroke or a form's rule the ring crosses (two inks over
    each other). Keeping only those next to other ink was tried: it cut a form's frame where the
    ring ran along it (eval seed 29, eval-0292: the notice box lost, 0.5% -> 30% CER)."""
    out = grey.copy()
    for ring in rings:
        rows, cols = _window(grey.shape, ring)
        part, paper = out[rows, cols], background[rows, cols]
        ink = _ink(part, paper)
        mask = _stamp_mask(ink, ring, (rows.start, cols.start), character_px)
        if not (mask & ink).any():
            continue
        stamp_ink = float(np.median(part[mask & ink]))
        erase = mask & (part.astype(np.float32) >= stamp_ink - 0.1 * 255)
        part[erase] = paper[erase]
    return out
