"""Page image -> cleaned image, with every step recorded and the transform back to source pixels."""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from cableocr.config import CleanupConfig
from cableocr.imaging import (
    Components,
    character_size,
    direction_ratio,
    edge_components,
    flatten,
    ink_mask,
    marks_in_columns,
    marks_in_rows,
    paper_background,
    rotate,
    sauvola_ink,
    small_isolated,
    turned_in,
)
from cableocr.models import Box, Orientation, Step
from cableocr.round_stamps import Ring, erase_round_stamps, find_round_stamps

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class Cleaned:
    image: np.ndarray
    steps: list[Step]
    skew_deg: float
    background: np.ndarray  # the paper alone, to paint things out with
    # 2x3 affine matrix from cleaned-image pixels back to the ingested page's pixels.
    to_source: np.ndarray
    character_px: float  # the size of the page's characters in the cleaned image (working_scale)
    # Where the page was binarised: the page as it was before (upright, deskewed, flattened,
    # grey), so that a reading of it can be compared with the binarised page's (without_binarising).
    before_binarising: np.ndarray | None = None
    # Round stamps whose ring and bars were erased (round_stamps), in the cleaned image's pixels:
    # what is read inside a ring is the stamp's text, set apart from the page's (ocr.read_page).
    round_stamps: tuple[Ring, ...] = ()
    # Drum streaks painted out (remove_streaks), in the cleaned image's pixels: where one crossed
    # a line, a character may have gone with it (ocr.doubts_where_streaks_crossed).
    streaks: tuple[Streak, ...] = ()
    # The page's isolated specks per megapixel, by which binarise chose to binarise it.
    specks_per_mpx: float = 0.0

    def without_binarising(self) -> Cleaned | None:
        """The same page cleaned but not binarised (nor despeckled), or None where it was not
        binarised: the reading to compare with, where binarising may have hurt."""
        if self.before_binarising is None:
            return None
        steps = [Step(name="binarise", params={"method": "none: the page as it was, to compare with its binarised "
                                                         "reading"}) if s.name == "binarise" else s for s in self.steps]
        return replace(self, image=self.before_binarising, steps=steps, before_binarising=None)

    def box_to_source(self, box: Box) -> Box:
        corners = np.array(
            [[box.x0, box.y0, 1], [box.x1, box.y0, 1], [box.x0, box.y1, 1], [box.x1, box.y1, 1]],
            dtype=np.float64,
        )
        mapped = corners @ self.to_source.T
        return Box(
            x0=int(np.floor(mapped[:, 0].min())), y0=int(np.floor(mapped[:, 1].min())),
            x1=int(np.ceil(mapped[:, 0].max())), y1=int(np.ceil(mapped[:, 1].max())),
        )


def _profile_sharpness(mask: np.ndarray) -> float:
    """How strongly ink clusters into rows or columns: the larger profile variance of the two."""
    return float(max(mask.sum(axis=1, dtype=np.float64).var(), mask.sum(axis=0, dtype=np.float64).var()))


def measure_skew(image: np.ndarray, cfg: CleanupConfig) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines or columns straight.

    A search over the projection profiles of a downscaled ink mask: coarse, then fine.
    """
    scale = cfg.skew_search_scale
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    mask = ink_mask(small)[h // 20 : h - h // 20, w // 20 : w - w // 20]

    def best(angles: np.ndarray) -> float:
        return float(max(angles, key=lambda a: _profile_sharpness(rotate(mask, a, 0)[0])))

    step = cfg.skew_step_deg
    coarse = best(np.arange(-cfg.max_skew_deg, cfg.max_skew_deg + 1e-9, 2 * step))
    return best(np.arange(coarse - 2 * step, coarse + 2 * step + 1e-9, 0.1))


_QUARTER_TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def quarter_turn_matrix(rotate_cw: int, width: int, height: int) -> np.ndarray:
    """The 3x3 map of pixel positions when a width x height image is turned clockwise."""
    w, h = width - 1, height - 1
    return {
        0: np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
        90: np.array([[0, -1, h], [1, 0, 0], [0, 0, 1]]),
        180: np.array([[-1, 0, w], [0, -1, h], [0, 0, 1]]),
        270: np.array([[0, 1, 0], [-1, 0, w], [0, 0, 1]]),
    }[rotate_cw].astype(np.float64)


def binarise(image: np.ndarray, background: np.ndarray, outside: np.ndarray | None,
             cfg: CleanupConfig) -> tuple[np.ndarray, Step]:
    """The flattened page -> the image the engine reads, and the record of what was done.

    Every page loses its scanner and copy edges (outside: what the deskew turned in). A page
    strewn with specks is binarised by a local (Sauvola) threshold and cleared of specks up to
    noisy_speck_max_area; any other page stays grey (the engine's Otsu keeps thin strokes
    better) and loses only the smallest specks, but for marks set in columns (marks_in_columns).
    """
    ink = sauvola_ink(image, cfg.sauvola_window, cfg.sauvola_k)
    blobs = Components(ink)
    edges = edge_components(blobs, int(cfg.edge_band_share * min(image.shape)), outside)
    _, count = small_isolated(blobs, cfg.noisy_speck_max_area, cfg.noisy_speck_clearance, want_mask=False)
    specks_per_mpx = count / (image.size / 1e6)
    params = {"specks_per_mpx": round(specks_per_mpx, 1), "binarise_above": cfg.binarise_above_specks_per_mpx,
              "edge_pixels_removed": int(edges.sum())}
    if specks_per_mpx > cfg.binarise_above_specks_per_mpx:
        specks, _ = small_isolated(blobs, cfg.noisy_speck_max_area, cfg.noisy_speck_clearance)
        if cfg.keep_marks_on_noisy_pages:
            marks, params["marks_kept"] = _marks_set_in_text(image, blobs, specks, cfg.noisy_speck_max_area, cfg)
            specks &= ~marks
        ink[specks | edges] = 0
        return 255 - ink, Step(name="binarise", params={
            "method": "sauvola", "window_px": cfg.sauvola_window, "k": cfg.sauvola_k,
            "speck_max_area_px": cfg.noisy_speck_max_area, "speck_clearance_px": cfg.noisy_speck_clearance,
            "speck_pixels_removed": int(specks.sum()), **params})
    small, _ = small_isolated(blobs, cfg.speck_max_area, cfg.speck_clearance, keep_clusters=True)
    if direction_ratio(image) <= cfg.columns_max_ratio:
        marks, params["marks_kept_in_columns"] = marks_in_columns(blobs, small, cfg.speck_max_area,
                                                                  cfg.column_mark_reach_px)
        small &= ~marks
    # The blur of a scan spreads each speck and edge: paint out with a 2-px halo.
    halo = cv2.dilate((small | edges).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return np.where(halo, background, image).astype(np.uint8), Step(name="binarise", params={
        "method": "none: grey, left to the engine's Otsu", "speck_max_area_px": cfg.speck_max_area,
        "speck_clearance_px": cfg.speck_clearance, "speck_pixels_removed": int(small.sum()), **params})


def _marks_set_in_text(image: np.ndarray, blobs: Components, specks: np.ndarray, max_area: int,
                       cfg: CleanupConfig) -> tuple[np.ndarray, int]:
    """Of a noisy page's specks, the marks set in its text: in a column, centred between two
    characters (marks_in_columns); in a row, at its foot beside two (marks_in_rows)."""
    if direction_ratio(image) <= cfg.columns_max_ratio:
        return marks_in_columns(blobs, specks, max_area, cfg.column_mark_reach_px)
    return marks_in_rows(blobs, specks, max_area, cfg.column_mark_reach_px)


def streak_bands(image: np.ndarray, ink: np.ndarray, cfg: CleanupConfig) -> list[tuple[int, int]]:
    """The column ranges [x0, x1) of the vertical streaks on a page (see CleanupConfig)."""
    widest = max(int(round(cfg.streak_max_width_chars * cfg.working_char_px)), 1)
    thin_and_dark = cv2.morphologyEx(image, cv2.MORPH_CLOSE, np.ones((1, 2 * widest + 1), np.uint8)).astype(np.int16) \
        - image >= cfg.streak_min_darkness
    run = max(int(cfg.streak_min_run_chars * cfg.working_char_px), 3)
    straight = cv2.morphologyEx((thin_and_dark | (ink > 0)).astype(np.uint8), cv2.MORPH_OPEN,
                                np.ones((run, 1), np.uint8)) > 0
    height, reach = straight.shape[0], max(int(cfg.streak_end_share * straight.shape[0]), 1)
    covered = ((straight.sum(axis=0) >= cfg.streak_min_cover * height)
               & (straight[:reach].sum(axis=0) >= reach / 2) & (straight[-reach:].sum(axis=0) >= reach / 2))
    bands, x = [], 0
    while x < len(covered):
        if not covered[x]:
            x += 1
            continue
        end = x
        while end < len(covered) and covered[end]:
            end += 1
        if end - x <= widest:  # wider is no streak (a black border, a bar): left alone
            bands.append((x, end))
        x = end
    return bands


def _paint_vertical_bands(image: np.ndarray, bands: list[tuple[int, int]]) -> np.ndarray:
    """Each band (and the pixel of blur either side) replaced, row by row, by the lighter of the
    pixels just outside it: a stroke crossing the band (dark on both sides) goes on through it,
    the streak alone becomes paper."""
    image = image.copy()
    width = image.shape[1]
    for x0, x1 in bands:
        left, right = max(x0 - 1, 0), min(x1 + 1, width)
        outside = np.maximum(image[:, max(left - 2, 0)], image[:, min(right + 1, width - 1)])
        image[:, left:right] = outside[:, None]
    return image


@dataclass(frozen=True)
class Streak:
    """A drum streak painted out: the two ends of its middle line, (x, y), and its width, in the
    pixels of the image it was found on (cleaned-image pixels once Cleaned holds it)."""

    ends: tuple[tuple[float, float], tuple[float, float]]
    width: float

    def moved(self, matrix: np.ndarray) -> Streak:
        """The streak where a 2x3 affine matrix (the deskew's turn) takes it."""
        (ax, ay), (bx, by) = (matrix @ np.array([x, y, 1.0]) for x, y in self.ends)
        return Streak(ends=((float(ax), float(ay)), (float(bx), float(by))), width=self.width)


def remove_streaks(image: np.ndarray, cfg: CleanupConfig) -> tuple[np.ndarray, Step, list[Streak]]:
    """The page without drum streaks, either way (a page turned a quarter has them across), and
    the streaks painted out: a character a streak crossed may have gone with it."""
    ink = ink_mask(image)
    down = streak_bands(image, ink, cfg)
    across = streak_bands(np.ascontiguousarray(image.T), np.ascontiguousarray(ink.T), cfg)
    if down:
        image = _paint_vertical_bands(image, down)
    if across:
        image = np.ascontiguousarray(_paint_vertical_bands(np.ascontiguousarray(image.T), across).T)
    height, width = image.shape[:2]
    streaks = [Streak(ends=(((x0 + x1) / 2, 0.0), ((x0 + x1) / 2, float(height))), width=float(x1 - x0))
               for x0, x1 in down]
    streaks += [Streak(ends=((0.0, (y0 + y1) / 2), (float(width), (y0 + y1) / 2)), width=float(y1 - y0))
                for y0, y1 in across]
    return image, Step(name="streaks_removed", params={
        "down": len(down), "across": len(across), "min_run_chars": cfg.streak_min_run_chars,
        "min_cover": cfg.streak_min_cover, "max_width_chars": cfg.streak_max_width_chars,
        "min_darkness": cfg.streak_min_darkness}), streaks


def orientation_step(orientation: Orientation) -> Step:
    return Step(name="orientation", params=orientation.model_dump(exclude_defaults=False, exclude={"rotate_cw"})
                | {"rotated_cw": orientation.rotate_cw})


def working_scale(image: np.ndarray, cfg: CleanupConfig) -> tuple[np.ndarray, float, float, Step]:
    """The page brought to the working scale (CleanupConfig.working_char_px): (image, scale,
    the size of its characters in px after it, step). A 150-dpi page is doubled, a 600-dpi one
    halved; a page near the working scale, or one with too little text to measure, is left as it
    is (scale 1)."""
    size = character_size(image)
    scale = cfg.working_char_px / size if size else 1.0
    if 1 / cfg.working_scale_tolerance <= scale <= cfg.working_scale_tolerance:
        scale = 1.0
    measured = {"character_px": size} if size else {"character_px_note": "too little text to measure"}
    params = {**measured, "working_character_px": cfg.working_char_px, "scale": round(scale, 4)}
    character_px = size * scale if size else cfg.working_char_px
    if scale == 1.0:
        return image, 1.0, character_px, Step(name="working_scale", params=params)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(image, None, fx=scale, fy=scale, interpolation=interpolation)
    return resized, scale, character_px, Step(name="working_scale", params=params)


def round_stamps_step(rings: list[Ring], to_source: np.ndarray, character_px: float) -> Step:
    """What was erased: each ring's centre and radius in the ingested page's pixels."""
    scale = float(np.hypot(*to_source[:, 0]))
    found = []
    for ring in rings:
        x, y = to_source @ np.array([ring.x, ring.y, 1.0])
        found.append(f"centre ({x:.0f}, {y:.0f}) radius {ring.radius * scale:.0f} px "
                     f"({ring.radius / character_px:.1f} characters), ink along {ring.coverage:.0%} of it")
    return Step(name="round_stamps_erased", params={
        "count": len(rings), **({"stamps": "; ".join(found)} if found else {}),
        "rule": "a ring with ink along most of it and the bars across it erased; ink darker than the stamp's kept"})


def clean_page(image: np.ndarray, cfg: CleanupConfig, orientation: Orientation | None = None) -> Cleaned:
    """Greyscale page -> at the working scale, upright (turned as orientation detection found),
    deskewed, flattened, cleared of round stamps' rings (round_stamps), edges and specks, and
    binarised where the page is noisy (see binarise)."""
    orientation = orientation or Orientation()
    rotate_cw = orientation.rotate_cw
    image, scale, character_px, scale_step = working_scale(image, cfg)
    forward = quarter_turn_matrix(rotate_cw, image.shape[1], image.shape[0]) @ np.diag([scale, scale, 1.0])
    if rotate_cw:
        image = cv2.rotate(image, _QUARTER_TURNS[rotate_cw])
    streak_step, streaks = [], []
    if cfg.remove_streaks:
        image, step, streaks = remove_streaks(image, cfg)
        streak_step = [step]
    angle = round(measure_skew(image, cfg), 2)
    paper = int(np.percentile(image[::4, ::4], 90))  # a sample is as good, and 20x quicker
    outside = None
    if abs(angle) >= 0.05:
        image, matrix = rotate(image, angle, paper)
        outside = turned_in(image.shape, matrix)
        streaks = [streak.moved(matrix) for streak in streaks]
        forward = np.vstack([matrix, [0, 0, 1]]) @ forward
    to_source = np.linalg.inv(forward)[:2] if rotate_cw or abs(angle) >= 0.05 or scale != 1.0 else IDENTITY
    background = paper_background(image)
    flatten_step = []
    if cfg.flatten_background:
        image = flatten(image, background)
        flatten_step = [Step(name="flatten_background", params={
            "paper_min": int(background.min()), "paper_max": int(background.max())})]
        background = np.full_like(image, 255)
    stamp_step, rings = [], []
    if cfg.erase_round_stamps:
        rings = find_round_stamps(image, background, character_px, cfg)
        image = erase_round_stamps(image, background, rings, character_px)
        stamp_step = [round_stamps_step(rings, to_source, character_px)]
    grey = image
    image, binarise_step = binarise(image, background, outside, cfg)
    binarised = binarise_step.params["method"] == "sauvola"
    steps = [
        Step(name="greyscale", params={"bits": 8}),
        scale_step,
        orientation_step(orientation),
        *streak_step,
        Step(name="deskew", params={"angle_deg": angle, "search_max_deg": cfg.max_skew_deg, "fill": paper}),
        *flatten_step,
        *stamp_step,
        binarise_step,
    ]
    return Cleaned(image=image, steps=steps, skew_deg=angle, background=background, to_source=to_source,
                   character_px=character_px, before_binarising=grey if binarised else None,
                   round_stamps=tuple(rings), streaks=tuple(streaks),
                   specks_per_mpx=binarise_step.params["specks_per_mpx"])
