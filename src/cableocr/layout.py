"""Before OCR: the page's writing direction and its redaction boxes."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from cableocr.cleanup import Cleaned
from cableocr.config import OcrConfig
from cableocr.imaging import direction_ratio, ink_mask, rotate
from cableocr.models import Box, Step, WritingMode


@dataclass(frozen=True)
class PageLayout:
    writing_mode: WritingMode | None  # None: the ink profiles do not tell; read both ways
    profile_ratio: float
    redactions: list[Box]  # in source-page pixels
    stamps: list[Box]  # askew framed stamps (declassification), in source-page pixels
    ocr_image: np.ndarray  # the cleaned image with redactions painted out
    steps: list[Step]
    blank: bool = False  # no ink worth reading: OCR is skipped
    # Each stamp cut out and set level, in the two ways up it may stand (read both, keep the surer).
    stamp_crops: list[list[np.ndarray]] = field(default_factory=list)
    # Blocks laid across the page's direction (cleaned-image pixels), masked in ocr_image and
    # read on their own from cross_image.
    cross_blocks: list[Box] = field(default_factory=list)
    cross_image: np.ndarray | None = None
    # The interiors of framed cells (cleaned-image pixels), masked in ocr_image and read on their
    # own from cross_image.
    cells: list[Box] = field(default_factory=list)


RULE_MIN_PX = 80  # a straight run of ink this long is a ruled line: no stroke of a character is


def ruled_lines(ink: np.ndarray) -> np.ndarray:
    """The ink of the form's ruled lines (frames, cell borders): straight horizontal or vertical
    runs of at least RULE_MIN_PX."""
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, RULE_MIN_PX), np.uint8)) | cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, np.ones((RULE_MIN_PX, 1), np.uint8))


def text_ink(image: np.ndarray) -> np.ndarray:
    """The page's ink without ruled lines (the form's frames)."""
    ink = ink_mask(image)
    return cv2.subtract(ink, ruled_lines(ink))


CELL_MIN_PX = 100  # a frame smaller than this either way is not a cell of the form
CELL_INSET_PX = 8  # the frame and its blurred edge, left out of the cell's interior


def find_framed_cells(image: np.ndarray) -> list[Box]:
    """The interiors of the form's framed cells (the handling-notice box): rectangles whose
    four sides are ruled lines. Read on their own, their text is neither merged with the
    lines beside the frame (注意 with the notice's first line) nor dropped beside it (the
    notice's first column on a vertical page)."""
    rules = ruled_lines(ink_mask(image))
    count, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    cells = []
    for x, y, w, h, _ in stats[1:count]:
        if w < CELL_MIN_PX or h < CELL_MIN_PX or not _closed(rules[y : y + h, x : x + w]):
            continue
        cells.append(Box(x0=int(x + CELL_INSET_PX), y0=int(y + CELL_INSET_PX),
                         x1=int(x + w - CELL_INSET_PX), y1=int(y + h - CELL_INSET_PX)))
    return cells


def _closed(frame: np.ndarray, band: int = 12, covered: float = 0.9) -> bool:
    """Whether each side of the rectangle is ruled along most of its length."""
    sides = [frame[:band].any(axis=0), frame[-band:].any(axis=0), frame[:, :band].any(axis=1),
             frame[:, -band:].any(axis=1)]
    return all(side.mean() >= covered for side in sides)


# A box drawn round a word or two (a mark stamp 極秘 or 至急, a boxed title 大使), in characters
# (CleanupConfig.working_char_px): wider than a character either way (口 and 国 are not frames),
# at most a few characters tall across its text and a dozen along it (the form's cells are larger).
WORD_FRAME_MIN_CHARS = 1.1
WORD_FRAME_MAX_ACROSS_CHARS = 2.5
WORD_FRAME_MAX_ALONG_CHARS = 12.0


def find_word_frames(image: np.ndarray, character_px: float) -> tuple[np.ndarray, int]:
    """The ink of frames drawn round a word or two (a mask), and how many: blobs that are a
    closed rectangular outline with nothing of their own inside (the characters in the box are
    blobs of their own). Engines read such a frame as characters (|極秘|, 恒久 for a boxed 至急).
    A frame the box's characters touch (ink bled on a poor copy) is one blob with them, not a
    bare outline, and is left as it is."""
    ink = ink_mask(image)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    low, across_max, along_max = (k * character_px for k in
                                  (WORD_FRAME_MIN_CHARS, WORD_FRAME_MAX_ACROSS_CHARS, WORD_FRAME_MAX_ALONG_CHARS))
    band = max(3, int(round(0.15 * character_px)))
    mask = np.zeros(image.shape, bool)
    found = 0
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if min(w, h) < low or min(w, h) > across_max or max(w, h) > along_max or area > 0.3 * w * h:
            continue
        outline = labels[y : y + h, x : x + w] == label
        inside = outline[band:-band, band:-band]
        if inside.size and inside.mean() < 0.01 and _closed(outline, band=band, covered=0.9):
            mask[y : y + h, x : x + w] |= outline
            found += 1
    return mask, found


def erase_word_frames(image: np.ndarray, background: np.ndarray, character_px: float) -> tuple[np.ndarray, int]:
    """The image with the frames of find_word_frames painted over with the paper (their blurred
    edge too), and how many there were."""
    mask, found = find_word_frames(image, character_px)
    if not found:
        return image, 0
    mask = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    erased = image.copy()
    erased[mask] = background[mask]
    return erased, found


def text_runs(image: np.ndarray, mode: WritingMode, ink: np.ndarray | None = None) -> list[Box]:
    """Runs of characters on the page, from its ink (text_ink, computed when not given): ink
    smeared along the writing direction. Specks and rules are too thin to pass."""
    ink = text_ink(image) if ink is None else ink
    smear = np.ones((1, 31), np.uint8) if mode == "horizontal" else np.ones((31, 1), np.uint8)
    joined = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, smear)
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    blobs = []
    for x, y, w, h, area in stats[1:count]:
        across, along = (h, w) if mode == "horizontal" else (w, h)
        if 18 <= across <= 110 and along >= 24 and area >= 0.15 * w * h:
            blobs.append(Box(x0=int(x), y0=int(y), x1=int(x + w), y1=int(y + h)))
    return blobs


OTHER: dict[WritingMode, WritingMode] = {"horizontal": "vertical", "vertical": "horizontal"}


# Ink a cross block's sides may hold: a speck or two of a poor copy (1.1-1.5% measured beside
# 極秘 on poor vertical pages); a row of characters across columns has 9% and more.
CLEAR_SIDE_INK = 0.03


def find_cross_blocks(image: np.ndarray, mode: WritingMode, min_aspect: float) -> list[Box]:
    """Runs of characters laid across the page's writing direction: a stamp or a printed footer
    reading left to right on a vertical page, a vertical one on a horizontal page. A run counts
    when it is at least one and a half characters long, clearly longer along the other direction
    than across it, and clear of ink (but specks) on both sides across it for half a character.
    A row of characters that lines up across a vertical page's columns has their characters
    right above and below it; one flat or tall character (エ, リ) is too short."""
    other = OTHER[mode]
    ink = text_ink(image)
    own = [(r.x1 - r.x0) if mode == "vertical" else (r.y1 - r.y0) for r in text_runs(image, mode, ink)]
    character = int(np.median(own)) if own else 40
    blocks = []
    for run in text_runs(image, other, ink):
        horizontal = other == "horizontal"
        along, across = (run.x1 - run.x0, run.y1 - run.y0) if horizontal else (run.y1 - run.y0, run.x1 - run.x0)
        if along < min_aspect * across or along < 1.5 * character:
            continue
        reach = max(across, character) // 2
        if horizontal:
            sides = (ink[max(run.y0 - reach, 0) : run.y0, run.x0 : run.x1], ink[run.y1 : run.y1 + reach, run.x0 : run.x1])
        else:
            sides = (ink[run.y0 : run.y1, max(run.x0 - reach, 0) : run.x0], ink[run.y0 : run.y1, run.x1 : run.x1 + reach])
        if all(side.size == 0 or (side > 0).mean() < CLEAR_SIDE_INK for side in sides):
            blocks.append(run)
    return blocks


def find_redactions(image: np.ndarray, min_side: int = 24, min_length: int = 60) -> list[Box]:
    """Solid black boxes: what survives an opening far wider than a pen stroke. Dark bands at
    the page's edges (a photocopier's shadow) are not redactions: a box must keep clear of
    the edge by 2% of the page. A box must also be longer than one character (min_length, at
    300 dpi): a character whose ink bled solid on a poor copy is not a redaction."""
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (min_side // 2 + 1, min_side // 2 + 1))
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    height, width = image.shape
    edge = int(0.02 * min(height, width))
    boxes = [
        Box(x0=int(x), y0=int(y), x1=int(x + w), y1=int(y + h))
        for x, y, w, h, area in stats[1:count]
        if min(w, h) >= min_side and max(w, h) >= min_length and area >= 0.8 * w * h
        and max(w, h) < 0.5 * max(image.shape)
        and x > edge and y > edge and x + w < width - edge and y + h < height - edge
    ]
    return sorted(boxes, key=lambda b: (b.y0, b.x0))


def joined_bars(boxes: list[Box], gap: float) -> list[Box]:
    """Redaction boxes that are pieces of one bar (faded toner broke it) made one: boxes in line
    along their length (each overlapping the other across it by half the narrower), at most
    gap apart. Bars side by side on neighbouring lines stay apart."""
    boxes = sorted(boxes, key=lambda b: (b.x0, b.y0))
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(boxes):
            for j in range(i + 1, len(boxes)):
                if _one_bar(a, boxes[j], gap):
                    b = boxes[j]
                    boxes[i] = Box(x0=min(a.x0, b.x0), y0=min(a.y0, b.y0), x1=max(a.x1, b.x1), y1=max(a.y1, b.y1))
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return sorted(boxes, key=lambda b: (b.y0, b.x0))


def _one_bar(a: Box, b: Box, gap: float) -> bool:
    def overlap(a0: int, a1: int, b0: int, b1: int) -> float:
        return (min(a1, b1) - max(a0, b0)) / max(min(a1 - a0, b1 - b0), 1)

    def apart(a0: int, a1: int, b0: int, b1: int) -> int:
        return max(b0 - a1, a0 - b1)

    tall = (a.y1 - a.y0) + (b.y1 - b.y0) >= (a.x1 - a.x0) + (b.x1 - b.x0)
    if tall:
        return overlap(a.x0, a.x1, b.x0, b.x1) >= 0.5 and apart(a.y0, a.y1, b.y0, b.y1) <= gap
    return overlap(a.y0, a.y1, b.y0, b.y1) >= 0.5 and apart(a.x0, a.x1, b.x0, b.x1) <= gap


def find_askew_stamps(image: np.ndarray, min_area: int = 40_000, min_angle: float = 2.0) -> list[Box]:
    """Framed stamps set askew on the page: a solid rectangular outline turned away from the
    (deskewed) text. The printed form's own boxes are square to the page, so they are left."""
    mask = ink_mask(image)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    stamps = []
    for contour in contours:
        (_, _), (w, h), angle = cv2.minAreaRect(contour)
        if w * h < min_area or cv2.contourArea(contour) < 0.9 * w * h:
            continue
        tilt = abs(angle) % 90
        if min(tilt, 90 - tilt) >= min_angle:
            x, y, bw, bh = cv2.boundingRect(contour)
            stamps.append(Box(x0=x, y0=y, x1=x + bw, y1=y + bh))
    return stamps


def level_stamp(image: np.ndarray, box: Box) -> list[np.ndarray]:
    """The stamp inside box turned square to the page by the smallest turn that squares its
    frame; then the two ways it may stand (it may have been stamped sideways or upside down)."""
    crop = image[box.y0 : box.y1, box.x0 : box.x1]
    contours, _ = cv2.findContours(ink_mask(crop), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return [crop]
    angle = cv2.minAreaRect(max(contours, key=cv2.contourArea))[2]
    turn = min((angle, angle - 90, angle + 90), key=abs)
    height, width = crop.shape
    side = int(np.hypot(height, width)) + 8  # room for the corners while turning
    canvas = np.full((side, side), 255, np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    canvas[top : top + height, left : left + width] = crop
    level = rotate(canvas, turn, 255)[0]
    ys, xs = np.nonzero(ink_mask(level))
    if len(xs):
        level = level[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    if level.shape[0] > level.shape[1]:  # text running down the page: stamped sideways
        return [cv2.rotate(level, cv2.ROTATE_90_COUNTERCLOCKWISE), cv2.rotate(level, cv2.ROTATE_90_CLOCKWISE)]
    return [level, cv2.rotate(level, cv2.ROTATE_180)]


def _inside(inner: Box, outer: Box) -> bool:
    return inner.x0 >= outer.x0 and inner.y0 >= outer.y0 and inner.x1 <= outer.x1 and inner.y1 <= outer.y1


def _paint_out(image: np.ndarray, background: np.ndarray, boxes: list[Box], margin: int) -> np.ndarray:
    image = image.copy()
    for b in boxes:  # a margin takes the blurred edge too
        area = np.s_[max(b.y0 - margin, 0) : b.y1 + margin, max(b.x0 - margin, 0) : b.x1 + margin]
        image[area] = background[area]
    return image


BLANK_INK_SHARE = 0.0005  # below this share of ink pixels a page has nothing to read


def ink_share(image: np.ndarray) -> float:
    small = cv2.resize(image, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    return float((ink_mask(small) > 0).mean())


def analyse_layout(cleaned: Cleaned, cfg: OcrConfig) -> PageLayout:
    """Direction from the ink profiles; redactions and askew stamps found and painted out, so
    that OCR does not read them as junk characters."""
    share = ink_share(cleaned.image)
    if share < BLANK_INK_SHARE:
        step = Step(name="blank_check", params={"ink_share": round(share, 6), "below": BLANK_INK_SHARE})
        return PageLayout(writing_mode="horizontal", profile_ratio=1.0, redactions=[], stamps=[],
                          ocr_image=cleaned.image, steps=[step], blank=True)
    ratio = round(direction_ratio(cleaned.image), 3)
    mode: WritingMode | None = None
    if ratio >= cfg.direction_ratio_high:
        mode = "horizontal"
    elif ratio <= cfg.direction_ratio_low:
        mode = "vertical"
    boxes = joined_bars(find_redactions(cleaned.image), gap=cleaned.character_px)
    stamps = find_askew_stamps(cleaned.image)
    crops = [level_stamp(cleaned.image, b) for b in stamps]
    image = _paint_out(cleaned.image, cleaned.background, boxes, margin=6)
    image = _paint_out(image, cleaned.background, stamps, margin=2)
    image, word_frames = erase_word_frames(image, cleaned.background, cleaned.character_px)
    cells = find_framed_cells(image)
    cross = find_cross_blocks(image, mode, cfg.cross_block_min_aspect) if mode else []
    cross = [b for b in cross if not any(_inside(b, c) for c in cells)]
    frames = [Box(x0=c.x0 - CELL_INSET_PX, y0=c.y0 - CELL_INSET_PX, x1=c.x1 + CELL_INSET_PX, y1=c.y1 + CELL_INSET_PX)
              for c in cells]
    cross_image, image = image, _paint_out(image, cleaned.background, [*cross, *frames], margin=2)
    steps = [
        Step(name="direction", params={"mode": mode or "undecided", "profile_ratio": ratio}),
        Step(name="redactions_masked", params={"count": len(boxes)}),
        Step(name="stamps_masked", params={"count": len(stamps), "rule": "framed, askew"}),
        Step(name="word_frames_erased", params={"count": word_frames, "character_px": round(cleaned.character_px, 1)}),
        Step(name="framed_cells", params={"count": len(cells), "min_side_px": CELL_MIN_PX}),
        Step(name="cross_direction_blocks", params={
            "count": len(cross), "direction": OTHER[mode] if mode else "none",
            "min_aspect": cfg.cross_block_min_aspect}),
    ]
    return PageLayout(
        writing_mode=mode,
        profile_ratio=ratio,
        redactions=[cleaned.box_to_source(b) for b in boxes],
        stamps=[cleaned.box_to_source(b) for b in stamps],
        ocr_image=image,
        steps=steps,
        stamp_crops=crops,
        cross_blocks=cross,
        cross_image=cross_image,
        cells=cells,
    )
