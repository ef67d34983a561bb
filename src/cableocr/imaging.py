"""Small image helpers shared by the cleanup and layout stages."""

from __future__ import annotations

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


def isolated_specks(image: np.ndarray, max_area: int = 30, clearance: int = 12) -> np.ndarray:
    """Mask of tiny ink blobs with no other ink within `clearance` px: scanner specks, not the
    dots of kana or punctuation, which sit next to their characters or are larger."""
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return small_isolated(ink, max_area, clearance, keep_clusters=True)


def small_isolated(ink: np.ndarray, max_area: int, clearance: int, keep_clusters: bool = False) -> np.ndarray:
    """Mask of the blobs of a binary ink mask no larger than max_area with no larger blob within
    clearance px. keep_clusters also keeps small blobs lying close together (「:」, 「゛」)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= max_area
    small[0] = False
    large_mask = np.where(small[labels] | (labels == 0), 0, 255).astype(np.uint8)
    near_large = cv2.dilate(large_mask, np.ones((2 * clearance + 1, 2 * clearance + 1), np.uint8))
    isolated = small[labels] & (near_large == 0)
    if not keep_clusters:
        return isolated
    small_mask = np.where(small[labels], 255, 0).astype(np.uint8)
    count_small, small_labels = cv2.connectedComponents(
        cv2.dilate(small_mask, np.ones((clearance, clearance), np.uint8))
    )
    members = np.bincount(small_labels[small_mask > 0].ravel(), minlength=count_small)
    clustered = members[small_labels] > max_area
    return isolated & ~clustered


def sauvola_ink(image: np.ndarray, window: int = 51, k: float = 0.2) -> np.ndarray:
    """Binary ink (255) by Sauvola's local threshold, mean * (1 + k * (std / 128 - 1)) over a
    window: paper grain and a photocopy's uneven grey stay paper where a global threshold
    would turn them to ink."""
    pixels = image.astype(np.float32)
    mean = cv2.boxFilter(pixels, -1, (window, window))
    square = cv2.boxFilter(pixels * pixels, -1, (window, window))
    std = np.sqrt(np.maximum(square - mean * mean, 0))
    return np.where(pixels < mean * (1 + k * (std / 128.0 - 1)), 255, 0).astype(np.uint8)


def edge_components(ink: np.ndarray, band: int, outside: np.ndarray | None = None) -> np.ndarray:
    """Mask of the ink blobs that are scanner or photocopy edges, not print: blobs that touch
    the image's border or the area a deskew turned in from outside the scan (outside, a mask),
    and long thin blobs within band px of the border."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height, width = ink.shape
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
