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
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= max_area
    small[0] = False
    large_mask = np.where(small[labels] | (labels == 0), 0, 255).astype(np.uint8)
    near_large = cv2.dilate(large_mask, np.ones((2 * clearance + 1, 2 * clearance + 1), np.uint8))
    # A small blob is also kept when another small blob is close: 「:」, 「゛」, broken strokes.
    small_mask = np.where(small[labels], 255, 0).astype(np.uint8)
    count_small, small_labels = cv2.connectedComponents(
        cv2.dilate(small_mask, np.ones((clearance, clearance), np.uint8))
    )
    members = np.bincount(small_labels[small_mask > 0].ravel(), minlength=count_small)
    clustered = members[small_labels] > max_area
    return (small_mask > 0) & (near_large == 0) & ~clustered


def flatten(image: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The page divided by its paper: paper white everywhere, ink as dark as it was against it."""
    ratio = image.astype(np.float32) * 255.0 / np.maximum(background.astype(np.float32), 1.0)
    return np.clip(ratio, 0, 255).astype(np.uint8)
